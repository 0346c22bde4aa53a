// A tiny base image for the KServe modelcar, built from Debian's static busybox (package busybox-static)
// where there is no network to pull one: /bin/busybox with the applets KServe's modelcar sidecar runs (sh, ln,
// sleep) linked to it, as one gzipped layer, like real base images. The main job writes it into an OCI layout;
// the tests push it to their registry.
// Usage: node scripts/bundle.ts scripts/busybox-base.ts <out.mjs> && node <out.mjs> <layout dir> <tag>
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { type ArtifactStore, LayoutStore } from '@slipway/core/oci';
import tar from 'tar-stream';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const EPOCH = new Date(0);

export async function writeBusyboxBase(
  store: ArtifactStore,
  tag: string,
  busybox = '/bin/busybox',
  architecture = 'amd64',
): Promise<string> {
  let binary: Buffer;
  try {
    binary = await readFile(busybox);
  } catch {
    throw new Error(
      `${busybox} not found: install Debian's busybox-static (apt-get install busybox-static).`,
    );
  }
  const pack = tar.pack();
  pack.entry({ name: 'bin', type: 'directory', mode: 0o755, mtime: EPOCH });
  pack.entry({ name: 'bin/busybox', mode: 0o755, mtime: EPOCH }, binary);
  for (const applet of ['sh', 'ln', 'sleep', 'ls']) {
    pack.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox', mtime: EPOCH });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  const layerTar = Buffer.concat(chunks);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
      history: [{ created_by: 'busybox-static: /bin/busybox, sh, ln, sleep, ls' }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    }),
  );
  for (const blob of [config, layer]) {
    await store.putBlob(
      { mediaType: 'application/octet-stream', digest: sha256(blob), size: blob.length },
      async function* () {
        yield blob;
      },
    );
  }
  const digest = sha256(manifest);
  await store.putManifest(
    manifest,
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: manifest.length },
    tag,
  );
  return digest;
}

if (process.argv[1] && /busybox-base\.(ts|mjs)$/.test(process.argv[1])) {
  const [directory, tag = 'static'] = process.argv.slice(2);
  if (!directory) {
    process.stderr.write('usage: busybox-base <layout dir> [tag]\n');
    process.exit(2);
  }
  const digest = await writeBusyboxBase(new LayoutStore(directory), tag);
  process.stdout.write(`oci:${directory}@${digest}\n`);
}
