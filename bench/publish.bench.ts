// publish-model: a 1 GiB model of random bytes published by `slipway publish` into a fresh docker-registry,
// against two peers measured in the same run on the same content and registry build:
//   - `skopeo copy` of the same artifact from an OCI layout (fresh registry, so it really uploads),
//   - a raw `curl -T` monolithic PUT of the same layer blob: the registry's ingest floor.
// Also the peak RSS of the publishing process at 256 MiB and 1 GiB (it must stay flat), and the bytes
// uploaded when the unchanged model is published again (must be 0).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleForNode } from '../scripts/bundle.ts';
import { startRegistry } from '../test/registry/registry-server.ts';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'slipway-bench-publish-'));
const MiB = 1024 * 1024;

interface Timed {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs a command under GNU time for its peak RSS; wall time measured around it. */
function timed(command: string, args: readonly string[], env: Record<string, string> = {}): Timed {
  const rssFile = join(work, 'rss.txt');
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * MiB,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return {
    seconds,
    peakRssMb: Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024,
    stdout: result.stdout,
  };
}

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(8 * MiB);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  }
  closeSync(fd);
}

function project(name: string, bytes: number): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  randomFile(join(dir, 'weights.bin'), bytes);
  writeFileSync(join(dir, 'data/test.jsonl'), '{"id":"1","label":"a"}\n');
  writeFileSync(
    join(dir, 'slipway.yaml'),
    [
      'apiVersion: slipway.dev/v1',
      'kind: Project',
      `model: { name: ${name}, version: 1.0.0, owner: "@bench" }`,
      'task: classification',
      'classes: [a, b]',
      'eval: { command: [python, eval.py] }',
      'test-sets: [{ name: main, path: data/test.jsonl }]',
      'artifact:',
      '  files: [{ path: weights.bin, type: weight }]',
      '',
    ].join('\n'),
  );
  return dir;
}

try {
  // Node runs .ts but does not map the sources' .js imports, so the CLI is bundled first, as users get it.
  const cli = join(work, 'slipway.mjs');
  await bundleForNode({ entry: join(root, 'packages/cli/src/slipway.ts'), outfile: cli });
  const env = { SOURCE_DATE_EPOCH: '1700000000', NO_COLOR: '1' };
  const publish = (dir: string, registry: string, repository: string) =>
    timed(
      process.execPath,
      [
        cli,
        'publish',
        '--config',
        join(dir, 'slipway.yaml'),
        '--registry',
        registry,
        '--repository',
        repository,
        '--json',
      ],
      env,
    );

  const small = project('small', 256 * MiB);
  const large = project('large', 1024 * MiB);

  // The same artifact as an OCI layout, for skopeo, and its layer blob, for curl.
  const layout = join(work, 'layout');
  timed(
    process.execPath,
    [cli, 'publish', '--config', join(large, 'slipway.yaml'), '--layout', layout, '--json'],
    env,
  );
  const blobs = join(layout, 'blobs/sha256');
  const layer = readdirSync(blobs)
    .map((hex) => ({ hex, size: statSync(join(blobs, hex)).size }))
    .sort((a, b) => b.size - a.size)[0]!;
  // Warm the page cache for every side alike.
  execFileSync('cat', [join(large, 'weights.bin'), join(blobs, layer.hex)], {
    stdio: 'ignore',
    maxBuffer: 1,
  });

  const fresh = async <T>(run: (address: string) => T | Promise<T>): Promise<T> => {
    const registry = await startRegistry();
    try {
      return await run(registry.address);
    } finally {
      await registry.stop();
    }
  };

  const smallRun = await fresh((address) => publish(small, address, 'bench/small'));
  const { ours, again } = await fresh((address) => {
    const ours = publish(large, address, 'bench/large');
    const again = publish(large, address, 'bench/large');
    return { ours, again };
  });
  const skopeo = await fresh((address) =>
    timed('skopeo', [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${layout}:1.0.0`,
      `docker://${address}/bench/skopeo:1.0.0`,
    ]),
  );
  const curlRun = await fresh(async (address) => {
    const started = await fetch(`http://${address}/v2/bench/curl/blobs/uploads/`, { method: 'POST' });
    const location = new URL(started.headers.get('location')!, `http://${address}`);
    location.searchParams.set('digest', `sha256:${layer.hex}`);
    return timed('curl', [
      '-sS',
      '-f',
      '-o',
      '/dev/null',
      '-T',
      join(blobs, layer.hex),
      '-X',
      'PUT',
      '-H',
      'Content-Type: application/octet-stream',
      location.toString(),
    ]);
  });

  const result = JSON.parse(again.stdout) as { bytesUploaded: number };
  const first = JSON.parse(ours.stdout) as { bytesUploaded: number };
  console.log(
    `slipway publish 1 GiB: ${ours.seconds.toFixed(2)} s, uploaded ${first.bytesUploaded} bytes, peak RSS ${ours.peakRssMb.toFixed(0)} MB`,
  );
  console.log(
    `slipway publish 256 MiB: ${smallRun.seconds.toFixed(2)} s, peak RSS ${smallRun.peakRssMb.toFixed(0)} MB`,
  );
  console.log(
    `slipway re-publish 1 GiB: ${again.seconds.toFixed(2)} s, uploaded ${result.bytesUploaded} bytes`,
  );
  console.log(
    `skopeo copy oci → registry: ${skopeo.seconds.toFixed(2)} s, peak RSS ${skopeo.peakRssMb.toFixed(0)} MB`,
  );
  console.log(`curl -T monolithic PUT: ${curlRun.seconds.toFixed(2)} s`);
  console.log(`RATIO publish-vs-skopeo: ${(ours.seconds / skopeo.seconds).toFixed(2)} (target <= 1.0)`);
  console.log(`RATIO publish-vs-curl: ${(ours.seconds / curlRun.seconds).toFixed(2)} (target <= 1.15)`);
  console.log(
    `RATIO publish-peak-rss-mb: ${ours.peakRssMb.toFixed(0)} at 1 GiB, ${smallRun.peakRssMb.toFixed(0)} at 256 MiB (target < 150, flat)`,
  );
  console.log(`RATIO republish-bytes: ${result.bytesUploaded} (target 0)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
