// What other tools read from a published model: the ModelPack spec's own JSON Schema accepts the config,
// every layer carries the file name `oras pull` writes it under, and skopeo reads the layout.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import tar from 'tar-stream';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { cleanupRun, repoRoot, runAction } from '../harness/run-action.js';
import { makeProject, skopeoRaw, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const schema = JSON.parse(
  await readFile(join(repoRoot, 'test/fixtures/modelpack/config-schema.json'), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validateConfig = ajv.compile(schema);

interface Layer {
  mediaType: string;
  digest: string;
  annotations: Record<string, string>;
}

async function blob(repository: string, digest: string): Promise<Buffer> {
  const response = await fetch(`http://${registry}/v2/${repository}/blobs/${digest}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** The names of the entries of a tar. */
async function tarEntries(bytes: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(bytes);
  await done;
  return names;
}

async function publishedModel() {
  const repository = uniqueRepository('modelpack');
  const dir = await makeProject({
    registry,
    repository,
    files: {
      'model/weights.bin': Buffer.alloc(4096, 7),
      'model/config.json': '{}\n',
      'README.md': '# iris\n',
    },
    types: { 'README.md': 'doc' },
  });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const result = await runAction('publish-model', {
    workspace: dir,
    inputs: { created: '2026-01-02T03:04:05Z' },
  });
  cleanups.push(() => cleanupRun(result));
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  const { json } = await skopeoRaw(`docker://${registry}/${repository}@${result.outputs['digest']}`);
  return { repository, dir, manifest: json as { config: { digest: string }; layers: Layer[] } };
}

describe('a published model, as other ModelPack tools read it', () => {
  it("has a config the ModelPack spec's own JSON Schema accepts, with the layers' DiffIDs under modelfs.diffIds", async () => {
    const { repository, manifest } = await publishedModel();
    const config = JSON.parse((await blob(repository, manifest.config.digest)).toString('utf8'));
    expect(validateConfig(config), ajv.errorsText(validateConfig.errors)).toBe(true);
    expect(config.modelfs).toEqual({ type: 'layers', diffIds: manifest.layers.map((l) => l.digest) });
    expect(config.descriptor).toMatchObject({
      name: 'iris',
      version: '1.0.0',
      createdAt: '2026-01-02T03:04:05Z',
    });
  });

  it('the schema rejects the spelling Slipway used to write (modelfs.diff_ids)', () => {
    const old = {
      descriptor: { name: 'iris' },
      config: {},
      modelfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] },
    };
    expect(validateConfig(old)).toBe(false);
  });

  it('gives every layer a title naming the file oras pull writes: the tar of the file at its path', async () => {
    const { repository, manifest } = await publishedModel();
    const titles = manifest.layers.map((l) => l.annotations['org.opencontainers.image.title']);
    expect(titles).toEqual(['README.md.tar', 'model/config.json.tar', 'model/weights.bin.tar']);
    for (const layer of manifest.layers) {
      const path = layer.annotations['org.cncf.model.filepath']!;
      expect(layer.annotations['org.opencontainers.image.title']).toBe(`${path}.tar`);
      // What the title says is what the blob is: a tar holding the file at its path.
      expect(await tarEntries(await blob(repository, layer.digest))).toEqual([path]);
    }
  });

  it('is read by skopeo from an OCI layout with --raw, as the README says', async () => {
    const dir = await makeProject({ files: { 'model/weights.bin': Buffer.alloc(64, 1) } });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const result = await runAction('publish-model', { workspace: dir, inputs: {} });
    cleanups.push(() => cleanupRun(result));
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${join(dir, '.slipway/oci')}:1.0.0`]);
    const manifest = JSON.parse(stdout) as { layers: Layer[] };
    expect(manifest.layers[0]!.annotations['org.opencontainers.image.title']).toBe('model/weights.bin.tar');
  });
});
