// publish-model end to end: the bundled action publishes to a real docker-registry (distribution 2.8);
// what landed is checked with skopeo and by pulling it back.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArtifactStore,
  BlobRejectedError,
  pullModel,
  RegistryStore,
  sha256Digest,
} from '@slipway/core/oci';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import { evalReport, makeProject, skopeoRaw, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function publish(project: string, inputs: Record<string, string> = {}): Promise<ActionResult> {
  const result = await runAction('publish-model', {
    workspace: project,
    inputs: inputs,
  });
  cleanups.push(() => cleanupRun(result));
  return result;
}

async function project(options: Parameters<typeof makeProject>[0] = {}): Promise<string> {
  const dir = await makeProject(options);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function storeFor(repository: string): ArtifactStore {
  return new RegistryStore({ registry, repository, actions: 'pull' });
}

describe('publish-model to a registry', () => {
  it('publishes a ModelPack artifact that skopeo reads back, one uncompressed tar layer per file', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    const result = await publish(dir, { created: '2024-05-01T12:00:00Z' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const { text, json } = await skopeoRaw(`docker://${registry}/${repository}:1.0.0`);
    expect(sha256Digest(text)).toBe(result.outputs['digest']);
    expect(result.outputs['reference']).toBe(`${registry}/${repository}@${result.outputs['digest']}`);
    expect(json['artifactType']).toBe('application/vnd.cncf.model.manifest.v1+json');
    expect((json['config'] as { mediaType: string }).mediaType).toBe(
      'application/vnd.cncf.model.config.v1+json',
    );
    const layers = json['layers'] as Array<{ mediaType: string; annotations: Record<string, string> }>;
    expect(layers.map((l) => [l.mediaType, l.annotations['org.cncf.model.filepath']])).toEqual([
      ['application/vnd.cncf.model.weight.config.v1.tar', 'model/config.json'],
      ['application/vnd.cncf.model.weight.v1.tar', 'model/weights.bin'],
    ]);
    const annotations = json['annotations'] as Record<string, string>;
    expect(annotations['org.opencontainers.image.created']).toBe('2024-05-01T12:00:00Z');
    expect(annotations['org.opencontainers.image.source']).toBe('https://github.com/acme/vision');
    expect(annotations['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(annotations['org.opencontainers.image.version']).toBe('1.0.0');
    expect(Number(result.outputs['bytes-uploaded'])).toBeGreaterThan(2 * 1024 * 1024);
    expect(result.outputs['bytes-skipped']).toBe('0');
    expect(result.summary).toContain(result.outputs['reference']);

    const out = join(dir, 'pulled');
    const pulled = await pullModel({
      store: storeFor(repository),
      ref: result.outputs['digest']!,
      outputDir: out,
    });
    expect(pulled.files.map((f) => f.path)).toEqual(['model/config.json', 'model/weights.bin']);
  });

  it('republishing the unchanged model uploads nothing and gives the same digest', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    const first = await publish(dir, { created: '2024-05-01T12:00:00Z' });
    expect(first.exitCode, first.stdout).toBe(0);
    const second = await publish(dir, { created: '2024-05-01T12:00:00Z' });
    expect(second.exitCode, second.stdout).toBe(0);
    expect(second.outputs['digest']).toBe(first.outputs['digest']);
    expect(second.outputs['bytes-uploaded']).toBe('0');
    expect(second.outputs['bytes-skipped']).toBe(first.outputs['bytes-uploaded']);
    expect(second.stdout).toContain('Already published');
  });

  it('refuses to move an existing version to a different model, and the version keeps its digest', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    const first = await publish(dir);
    expect(first.exitCode, first.stdout).toBe(0);
    await writeFile(join(dir, 'model/config.json'), '{"layers": 4}\n');
    const second = await publish(dir);
    expect(second.exitCode).not.toBe(0);
    const error = second.annotations.find((a) => a.command === 'error');
    expect(error?.message).toMatch(/1\.0\.0 already names sha256:[0-9a-f]{64}.*Versions are immutable/s);
    expect(second.stdout).not.toMatch(/\n\s+at /);
    const { text } = await skopeoRaw(`docker://${registry}/${repository}:1.0.0`);
    expect(sha256Digest(text)).toBe(first.outputs['digest']);
  });

  it('moves the latest tag to each new version while every version tag stays put', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository, tags: ['latest'] });
    const v1 = await publish(dir);
    expect(v1.exitCode, v1.stdout).toBe(0);
    await writeFile(join(dir, 'model/config.json'), '{"layers": 5}\n');
    const v2 = await publish(dir, { version: '1.1.0', tags: 'stable' });
    expect(v2.exitCode, v2.stdout).toBe(0);
    expect(v2.outputs['version-tag']).toBe('1.1.0');
    // Only the changed file was uploaded; the 2 MB weights were already there.
    expect(Number(v2.outputs['bytes-skipped'])).toBeGreaterThan(2 * 1024 * 1024);
    const digestOf = async (tag: string) =>
      sha256Digest((await skopeoRaw(`docker://${registry}/${repository}:${tag}`)).text);
    expect(await digestOf('1.0.0')).toBe(v1.outputs['digest']);
    expect(await digestOf('latest')).toBe(v2.outputs['digest']);
    expect(await digestOf('stable')).toBe(v2.outputs['digest']);
  });

  it('attaches the eval report as a referrer through the sha256-<hex> fallback tag, and pull finds it', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await writeFile(join(dir, 'eval-report.json'), evalReport());
    const result = await publish(dir, { report: 'eval-report.json' });
    expect(result.exitCode, result.stdout).toBe(0);
    const digest = result.outputs['digest']!;
    expect(result.outputs['report-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);

    const fallback = await skopeoRaw(`docker://${registry}/${repository}:sha256-${digest.slice(7)}`);
    const entries = fallback.json['manifests'] as Array<{ digest: string; artifactType: string }>;
    expect(entries).toEqual([
      expect.objectContaining({
        digest: result.outputs['report-digest'],
        artifactType: 'application/vnd.slipway.eval-report.v1+json',
      }),
    ]);
    const referrer = await skopeoRaw(`docker://${registry}/${repository}@${result.outputs['report-digest']}`);
    expect(referrer.json['subject']).toMatchObject({ digest });
    expect(referrer.json['config']).toMatchObject({
      mediaType: 'application/vnd.oci.empty.v1+json',
      size: 2,
    });

    const pulled = await pullModel({
      store: storeFor(repository),
      ref: digest,
      outputDir: join(dir, 'pulled'),
    });
    expect(JSON.parse(pulled.report!.bytes.toString('utf8'))).toEqual(JSON.parse(evalReport()));
  });

  it('uploads in chunks when chunk-size is set, with the same digest as a streamed PUT', async () => {
    // Longer than two read buffers, and random: a reused buffer sent twice would not go unnoticed.
    const files = { 'model/weights.bin': randomBytes(9 * 1024 * 1024 + 5), 'model/config.json': '{}' };
    const streamed = await publish(await project({ registry, repository: uniqueRepository('iris'), files }), {
      created: '2024-05-01T12:00:00Z',
    });
    const chunked = await publish(await project({ registry, repository: uniqueRepository('iris'), files }), {
      'chunk-size': String(1024 * 1024),
      created: '2024-05-01T12:00:00Z',
    });
    expect(chunked.exitCode, chunked.stdout).toBe(0);
    expect(chunked.outputs['digest']).toBe(streamed.outputs['digest']);
  });

  it('refuses a blob whose bytes do not match its digest, streamed or in chunks, and keeps none of it', async () => {
    // Blobs are not hashed again while sent: the registry's own check on PUT ?digest= is what catches
    // a model file that changed during its upload, and it must surface as a digest error, never retried.
    const sent = randomBytes(5 * 1024 * 1024);
    const claimed = {
      mediaType: 'application/octet-stream',
      digest: sha256Digest(randomBytes(16)),
      size: sent.length,
    };
    for (const chunkSize of [undefined, 1024 * 1024]) {
      const store = new RegistryStore({
        registry,
        repository: uniqueRepository('iris'),
        actions: 'pull,push',
        ...(chunkSize ? { chunkSize } : {}),
      });
      const upload = store.putBlob(claimed, async function* () {
        yield sent;
      });
      await expect(upload).rejects.toBeInstanceOf(BlobRejectedError);
      await expect(upload).rejects.toThrow(/DIGEST_INVALID/);
      expect(await store.hasBlob(claimed)).toBe(false);
    }
  });

  it('mounts blobs from a sibling repository instead of uploading them again', async () => {
    const files = { 'model/weights.bin': Buffer.alloc(1024 * 1024, 3) };
    const source = uniqueRepository('iris');
    const first = await publish(await project({ registry, repository: source, files }));
    expect(first.exitCode, first.stdout).toBe(0);
    const sibling = await publish(await project({ registry, repository: uniqueRepository('iris'), files }), {
      'mount-from': source,
    });
    expect(sibling.exitCode, sibling.stdout).toBe(0);
    expect(sibling.stdout).toContain('mounted from a sibling repository');
    expect(Number(sibling.outputs['bytes-skipped'])).toBeGreaterThanOrEqual(1024 * 1024);
  });
});

describe('publish-model input errors', () => {
  it('says which model file is missing and publishes nothing', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await rm(join(dir, 'model/weights.bin'));
    const result = await publish(dir);
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /Model file 'model\/weights\.bin' not found at .*weights\.bin/,
    );
    expect(await storeFor(repository).getManifest('1.0.0')).toBeUndefined();
  });

  it('rejects an eval report that does not match the schema before uploading anything', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await writeFile(join(dir, 'eval-report.json'), JSON.stringify({ kind: 'EvalReport' }));
    const result = await publish(dir, { report: 'eval-report.json' });
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /eval-report\.json does not match schemas\/eval-report\.schema\.json: .*required/,
    );
    expect(await storeFor(repository).getManifest('1.0.0')).toBeUndefined();
  });

  it('points at the line of slipway.yaml when the artifact section is wrong', async () => {
    const dir = await project({
      registry,
      repository: uniqueRepository('iris'),
      types: { 'model/weights.bin': 'weights' },
    });
    const result = await publish(dir);
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /slipway\.yaml:\d+:\d+: 'artifact\.files\[0\]\.type' is 'weights'/,
    );
  });

  it('rejects a chunk-size that is not a number of bytes', async () => {
    const result = await publish(await project({ registry }), { 'chunk-size': '4MB' });
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toContain(
      "Input 'chunk-size' must be a whole number",
    );
  });
});
