// The embedded default (an OCI image layout on disk) and the CLI's `slipway publish` / `slipway pull`.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Digest } from '@slipway/core/oci';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanupRun, runAction } from '../harness/run-action.js';
import {
  bundleCli,
  evalReport,
  makeProject,
  runCli,
  skopeoRaw,
  uniqueRepository,
} from './publish-model.helpers.js';

const registry = inject('registry');
let cli: string;
const dirs: string[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  dirs.push(dir);
  cli = await bundleCli(dir);
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function project(options: Parameters<typeof makeProject>[0] = {}): Promise<string> {
  const dir = await makeProject(options);
  dirs.push(dir);
  return dir;
}

describe('publishing without a registry', () => {
  it('writes an OCI image layout that skopeo reads, with the version tag and the report', async () => {
    const dir = await project();
    await writeFile(join(dir, 'eval-report.json'), evalReport());
    const result = await runAction('publish-model', {
      workspace: dir,
      inputs: { report: 'eval-report.json', tags: 'latest' },
    });
    try {
      expect(result.exitCode, result.stdout).toBe(0);
      const layout = join(dir, '.slipway/oci');
      expect(result.outputs['reference']).toBe(`oci:${layout}@${result.outputs['digest']}`);
      const { text, json } = await skopeoRaw(`oci:${layout}:1.0.0`);
      expect(sha256Digest(text)).toBe(result.outputs['digest']);
      expect(json['artifactType']).toBe('application/vnd.cncf.model.manifest.v1+json');
      expect(sha256Digest((await skopeoRaw(`oci:${layout}:latest`)).text)).toBe(result.outputs['digest']);
      expect(JSON.parse(await readFile(join(layout, 'oci-layout'), 'utf8'))).toEqual({
        imageLayoutVersion: '1.0.0',
      });
      // Nothing half-written is left in the blob store.
      expect(
        (await readdir(join(layout, 'blobs/sha256'))).filter((name) => name.includes('.partial')),
      ).toEqual([]);
    } finally {
      await cleanupRun(result);
    }
  });

  it('gives the same digest in the layout as in a registry for the same files', async () => {
    const files = { 'model/weights.bin': Buffer.alloc(100_000, 9) };
    const inputs = { created: '2024-05-01T12:00:00Z' };
    const local = await runAction('publish-model', { workspace: await project({ files }), inputs });
    const remote = await runAction('publish-model', {
      workspace: await project({ files, registry, repository: uniqueRepository('same') }),
      inputs,
    });
    try {
      expect(local.exitCode, local.stdout).toBe(0);
      expect(remote.exitCode, remote.stdout).toBe(0);
      expect(local.outputs['digest']).toBe(remote.outputs['digest']);
    } finally {
      await cleanupRun(local);
      await cleanupRun(remote);
    }
  });
});

describe('slipway publish and slipway pull', () => {
  it('publishes from the command line and pulls the model and its report back by digest', async () => {
    const repository = uniqueRepository('cli');
    const dir = await project({ registry, repository });
    await writeFile(join(dir, 'eval-report.json'), evalReport());
    const published = await runCli(cli, [
      'publish',
      '--config',
      join(dir, 'slipway.yaml'),
      '--report',
      join(dir, 'eval-report.json'),
      '--json',
    ]);
    expect(published.code, published.stderr).toBe(0);
    const result = JSON.parse(published.stdout) as {
      reference: string;
      digest: string;
      reportDigest: string;
    };
    expect(result.reference).toBe(`${registry}/${repository}@${result.digest}`);

    const out = join(dir, 'pulled');
    const pulled = await runCli(cli, ['pull', result.reference, '--output', out, '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({
      digest: result.digest,
      report: { digest: result.reportDigest },
    });
    expect(await readFile(join(out, 'model/weights.bin'))).toEqual(
      await readFile(join(dir, 'model/weights.bin')),
    );
    expect(JSON.parse(await readFile(join(out, 'eval-report.json'), 'utf8'))).toEqual(
      JSON.parse(evalReport()),
    );
  });

  it('refuses a blob whose bytes do not match its digest and keeps none of it', async () => {
    const dir = await project();
    const published = await runCli(cli, ['publish', '--config', join(dir, 'slipway.yaml'), '--json']);
    expect(published.code, published.stderr).toBe(0);
    const { blobs } = JSON.parse(published.stdout) as {
      blobs: Array<{ path: string; digest: string; size: number }>;
    };
    const weights = blobs.find((blob) => blob.path === 'model/weights.bin')!;
    const blobPath = join(dir, '.slipway/oci/blobs/sha256', weights.digest.slice(7));
    const bytes = await readFile(blobPath);
    const flipped = bytes.length - 2000;
    bytes[flipped] = (bytes[flipped] ?? 0) ^ 0xff;
    await writeFile(blobPath, bytes);

    const out = join(dir, 'pulled');
    const pulled = await runCli(cli, ['pull', `oci:${join(dir, '.slipway/oci')}:1.0.0`, '--output', out]);
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toMatch(new RegExp(`blob ${weights.digest} arrived as sha256:[0-9a-f]{64}`));
    expect(pulled.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(out).catch(() => [])).not.toContain('model');
  });

  it('says what a malformed reference should look like', async () => {
    const pulled = await runCli(cli, ['pull', 'Not A Reference']);
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toContain("Invalid artifact reference 'Not A Reference'");
  });
});
