// pullModel against hand-made OCI layouts that a careless or hostile publisher could push: every one
// either pulls exactly what it holds or fails with an OciError that says what is wrong, and leaves the
// output folder as it was (nothing half-pulled, nothing outside it).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/oci/digest.js';
import { OciError } from '../../src/oci/errors.js';
import { LayoutStore } from '../../src/oci/layout-store.js';
import {
  EVAL_REPORT_ARTIFACT_TYPE,
  MODEL_ARTIFACT_TYPE,
  MODEL_CONFIG,
  OCI_EMPTY,
  OCI_MANIFEST,
} from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/model-manifest.js';
import { pullModel } from '../../src/oci/pull.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

type Entry = { name: string; content?: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string };

async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((done) => pack.on('end', done));
  for (const entry of entries) {
    pack.entry(
      {
        name: entry.name,
        type: entry.type ?? 'file',
        ...(entry.linkname ? { linkname: entry.linkname } : {}),
      },
      entry.type === 'file' || entry.type === undefined ? (entry.content ?? '') : undefined,
    );
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

interface Layer {
  readonly bytes: Buffer;
  readonly mediaType: string;
  /** The uncompressed content's digest, as the config lists it; the blob's digest by default. */
  readonly diffId?: string;
  readonly path?: string;
}

/** A layout holding one ModelPack manifest tagged 1.0.0 with these layers; returns its folder. */
async function layout(
  layers: readonly Layer[],
  tweak: (manifest: Record<string, unknown>) => void = () => {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pull-layout-'));
  dirs.push(dir);
  const store = new LayoutStore(dir);
  const put = async (bytes: Buffer, mediaType: string, annotations?: Record<string, string>) => {
    const descriptor: Descriptor = {
      mediaType,
      digest: sha256Digest(bytes),
      size: bytes.length,
      ...(annotations ? { annotations } : {}),
    };
    await store.putBlob(descriptor, async function* () {
      yield bytes;
    });
    return descriptor;
  };
  const descriptors = [];
  for (const layer of layers)
    descriptors.push(
      await put(
        layer.bytes,
        layer.mediaType,
        layer.path ? { 'org.cncf.model.filepath': layer.path } : undefined,
      ),
    );
  const config = await put(
    Buffer.from(
      JSON.stringify({
        descriptor: { name: 'iris' },
        modelfs: { type: 'layers', diffIds: layers.map((l, i) => l.diffId ?? descriptors[i]!.digest) },
      }),
    ),
    MODEL_CONFIG,
  );
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: MODEL_ARTIFACT_TYPE,
    config,
    layers: descriptors,
  };
  tweak(manifest);
  const bytes = Buffer.from(JSON.stringify(manifest));
  const subject = { mediaType: OCI_MANIFEST, digest: sha256Digest(bytes), size: bytes.length };
  await store.putManifest(bytes, subject, '1.0.0');
  return { store, subject, put };
}

/** Attaches an eval report to the layout's model, as publish does. */
async function attachReport(made: Awaited<ReturnType<typeof layout>>): Promise<void> {
  const report = await made.put(Buffer.from('{"passed":true}'), 'application/json');
  const empty = await made.put(Buffer.from('{}'), OCI_EMPTY);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: EVAL_REPORT_ARTIFACT_TYPE,
      config: empty,
      layers: [report],
      subject: made.subject,
    }),
  );
  const descriptor = { mediaType: OCI_MANIFEST, digest: sha256Digest(bytes), size: bytes.length };
  await made.store.putManifest(bytes, descriptor, descriptor.digest);
}

const WEIGHT = 'application/vnd.cncf.model.weight.v1.tar';

async function output(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pull-out-'));
  dirs.push(dir);
  return join(dir, 'model');
}

/** Pulls and expects an OciError matching `message`, with nothing left in the output folder. */
async function refused(store: LayoutStore, message: RegExp): Promise<void> {
  const out = await output();
  const failure = pullModel({ store, ref: '1.0.0', outputDir: out });
  await expect(failure).rejects.toBeInstanceOf(OciError);
  await expect(failure).rejects.toThrow(message);
  expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
}

describe('pulling what a careless or hostile publisher pushed', () => {
  it('refuses an absolute or climbing path, saying so, and writes nothing anywhere', async () => {
    for (const name of ['/tmp/slipway-pwned', 'x/../../slipway-pwned']) {
      const { store } = await layout([
        { bytes: await tarOf([{ name, content: 'pwned' }]), mediaType: WEIGHT },
      ]);
      await refused(store, new RegExp(`holds an unsafe path '${name.replaceAll('.', '\\.')}'`));
    }
    expect(existsSync('/tmp/slipway-pwned')).toBe(false);
  });

  it('refuses two layers that hold the same path, before either is written', async () => {
    const { store } = await layout([
      { bytes: await tarOf([{ name: 'model.bin', content: 'one' }]), mediaType: WEIGHT, path: 'model.bin' },
      { bytes: await tarOf([{ name: 'model.bin', content: 'two' }]), mediaType: WEIGHT, path: 'other.bin' },
    ]);
    await refused(store, /layers model\.bin and other\.bin both hold 'model\.bin'/);
  });

  it('refuses a file that another layer needs as a folder', async () => {
    const { store } = await layout([
      { bytes: await tarOf([{ name: 'a', content: 'file' }]), mediaType: WEIGHT, path: 'a' },
      { bytes: await tarOf([{ name: 'a/b', content: 'inside' }]), mediaType: WEIGHT, path: 'a/b' },
    ]);
    await refused(store, /layer a\/b holds 'a\/b', inside 'a', which layer a holds as a file/);
  });

  it('refuses a layer that holds one path twice', async () => {
    const { store } = await layout([
      {
        bytes: await tarOf([
          { name: 'model.bin', content: 'one' },
          { name: 'model.bin', content: 'two' },
        ]),
        mediaType: WEIGHT,
      },
    ]);
    await refused(store, /holds 'model\.bin' twice/);
  });

  it('refuses a media type that is no ModelPack layer, naming the ones it reads', async () => {
    const { store } = await layout([
      { bytes: await tarOf([{ name: 'm.bin' }]), mediaType: 'application/vnd.oci.image.layer.v1.tar' },
    ]);
    await refused(
      store,
      /media type 'application\/vnd\.oci\.image\.layer\.v1\.tar', which is not a ModelPack layer/,
    );
  });

  it('refuses a manifest without layers as not an image manifest, not a crash', async () => {
    const { store } = await layout([], (manifest) => {
      delete manifest['layers'];
    });
    await refused(
      store,
      /is not an image manifest: expected a config descriptor and a list of layer descriptors/,
    );
  });

  it('writes regular files only, and says which links it left out', async () => {
    const { store } = await layout([
      {
        bytes: await tarOf([
          { name: 'model/', type: 'directory' },
          { name: 'model/weights.bin', content: 'w' },
          { name: 'model/latest', type: 'symlink', linkname: '/etc/passwd' },
        ]),
        mediaType: WEIGHT,
      },
    ]);
    const out = await output();
    const pulled = await pullModel({ store, ref: '1.0.0', outputDir: out });
    expect(pulled.written).toEqual(['model/weights.bin']);
    expect(pulled.skipped).toEqual([{ layer: expect.any(String), path: 'model/latest', type: 'symlink' }]);
    expect(await readdir(join(out, 'model'))).toEqual(['weights.bin']);
  });

  it('refuses a model file where the caller keeps the eval report, only when a report is attached', async () => {
    const { store } = await layout([
      { bytes: await tarOf([{ name: 'eval-report.json', content: '{}' }]), mediaType: WEIGHT },
    ]);
    const out = await output();
    // No report attached: the path is the model's to use.
    const pulled = await pullModel({
      store,
      ref: '1.0.0',
      outputDir: out,
      reserved: [{ path: join(out, 'eval-report.json'), what: 'the eval report', for: 'report' }],
    });
    expect(pulled.written).toEqual(['eval-report.json']);

    // With a report attached, the model's file there is refused before anything is written.
    const made = await layout([
      { bytes: await tarOf([{ name: 'eval-report.json', content: '{}' }]), mediaType: WEIGHT },
    ]);
    await attachReport(made);
    const again = await output();
    await expect(
      pullModel({
        store: made.store,
        ref: '1.0.0',
        outputDir: again,
        reserved: [
          { path: join(again, 'eval-report.json'), what: 'the eval report (--report)', for: 'report' },
        ],
      }),
    ).rejects.toThrow(
      `The model has a file at ${join(again, 'eval-report.json')}, where the eval report (--report) would go; give it another path.`,
    );
    expect(await readdir(again)).toEqual([]);
  });

  it('refuses to pull into a file, or over a folder where a model file goes', async () => {
    const { store } = await layout([
      { bytes: await tarOf([{ name: 'model.bin', content: 'w' }]), mediaType: WEIGHT },
    ]);
    const file = await output();
    await writeFile(file, 'not a folder');
    await expect(pullModel({ store, ref: '1.0.0', outputDir: file })).rejects.toThrow(
      `${file} is a file; expected a folder to pull the model into.`,
    );
    const out = await output();
    await mkdir(join(out, 'model.bin'), { recursive: true });
    await expect(pullModel({ store, ref: '1.0.0', outputDir: out })).rejects.toThrow(
      `${join(out, 'model.bin')} is a folder; the model's file 'model.bin' would go there. Pull into another folder.`,
    );
    expect(await readdir(out)).toEqual(['model.bin']);
  });
});

describe('pulling the layer forms the ModelPack spec defines', () => {
  it('unpacks gzip and zstd layers, checking their content against the config’s DiffIDs', async () => {
    const plain = await tarOf([{ name: 'weights.bin', content: 'compressed weights' }]);
    const other = await tarOf([{ name: 'tokenizer.json', content: '{"vocab":[]}' }]);
    const { store } = await layout([
      { bytes: gzipSync(plain), mediaType: `${WEIGHT}+gzip`, diffId: sha256Digest(plain) },
      {
        bytes: zstdCompressSync(other),
        mediaType: 'application/vnd.cncf.model.weight.config.v1.tar+zstd',
        diffId: sha256Digest(other),
      },
    ]);
    const out = await output();
    const pulled = await pullModel({ store, ref: '1.0.0', outputDir: out });
    expect(pulled.written).toEqual(['weights.bin', 'tokenizer.json']);
    expect(await readFile(join(out, 'weights.bin'), 'utf8')).toBe('compressed weights');
    expect(await readFile(join(out, 'tokenizer.json'), 'utf8')).toBe('{"vocab":[]}');
  });

  it('refuses a compressed layer whose content is not the DiffID its config names', async () => {
    const plain = await tarOf([{ name: 'weights.bin', content: 'compressed weights' }]);
    const { store } = await layout([
      { bytes: gzipSync(plain), mediaType: `${WEIGHT}+gzip`, diffId: sha256Digest(Buffer.from('other')) },
    ]);
    await refused(
      store,
      /holds content sha256:[0-9a-f]{64}, but the model's config names sha256:[0-9a-f]{64} \(modelfs\.diffIds\)/,
    );
  });

  it('refuses a layer that is not the archive its media type says', async () => {
    const { store } = await layout([{ bytes: Buffer.from('not gzip at all'), mediaType: `${WEIGHT}+gzip` }]);
    await refused(store, /could not be unpacked .*: it is not the archive its media type says/);
  });

  it('writes a raw layer as the file its path annotation names', async () => {
    const { store } = await layout([
      {
        bytes: Buffer.from('raw weights'),
        mediaType: 'application/vnd.cncf.model.weight.v1.raw',
        path: 'model/w.safetensors',
      },
    ]);
    const out = await output();
    const pulled = await pullModel({ store, ref: '1.0.0', outputDir: out });
    expect(pulled.written).toEqual(['model/w.safetensors']);
    expect(await readFile(join(out, 'model/w.safetensors'), 'utf8')).toBe('raw weights');
  });
});
