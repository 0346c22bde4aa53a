// The model as KServe serves it: publish-model builds a modelcar image (the model's files under /models on a
// base image the user names) beside the ModelPack artifact. It is read back the way a container runtime reads
// it: skopeo copies it out of the real registry into a `dir:`, every layer is unpacked in order into one root
// filesystem, and the model's files and the base's shell are there. The environment manifest that pins it
// validates against KServe's own InferenceService schema.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  parseEnvironmentsConfig,
  planManifestChange,
  readDeployedModel,
  resolveTarget,
} from '@slipway/core/environments';
import { RegistryStore, sha256Digest } from '@slipway/core/oci';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeBusyboxBase } from '../../scripts/busybox-base.ts';
import { kserveValidator } from '../contract/kserve-schema.js';
import { cleanupRun, repoRoot, runAction } from '../harness/run-action.js';
import { bundleCli, makeProject, runCli, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function temporary(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-${label}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The base the user names: built from Debian's static busybox (no network to pull one), in the test registry. */
async function pushBusyboxBase(): Promise<string> {
  const repository = uniqueRepository('busybox');
  await writeBusyboxBase(new RegistryStore({ registry, repository, actions: 'pull,push' }), 'static');
  return `${registry}/${repository}:static`;
}

/** What a container runtime does with an image: each layer unpacked, in order, into one root filesystem. */
async function unpackImage(imageDir: string, root: string): Promise<Record<string, unknown>> {
  const manifest = JSON.parse(await readFile(join(imageDir, 'manifest.json'), 'utf8')) as {
    config: { digest: string };
    layers: Array<{ digest: string; mediaType: string }>;
  };
  await mkdir(root, { recursive: true });
  for (const layer of manifest.layers) {
    // GNU tar detects gzip by itself; skopeo has already checked every blob against its digest.
    await run('tar', ['-xf', join(imageDir, layer.digest.replace('sha256:', '')), '-C', root]);
  }
  return JSON.parse(await readFile(join(imageDir, manifest.config.digest.replace('sha256:', '')), 'utf8'));
}

let base: string;
beforeAll(async () => {
  base = await pushBusyboxBase();
});

async function publishWithModelcar(repository: string, files: Record<string, Buffer | string>) {
  const dir = await makeProject({ registry, repository, files });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const result = await runAction('publish-model', {
    workspace: dir,
    inputs: { 'modelcar-base': base, created: '2026-01-02T03:04:05Z' },
  });
  cleanups.push(() => cleanupRun(result));
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return result;
}

describe('the KServe modelcar publish-model builds beside the artifact', () => {
  it('is an image a runtime unpacks into the model under /models next to the base shell', async () => {
    const repository = uniqueRepository('iris');
    const weights = Buffer.alloc(300_000, 5);
    const result = await publishWithModelcar(repository, {
      'model/weights.bin': weights,
      'model/config.json': '{"k":3}\n',
    });
    const digest = result.outputs['modelcar-digest']!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest).not.toBe(result.outputs['digest']);
    expect(result.outputs['serving-reference']).toBe(`${registry}/${repository}@${digest}`);

    const imageDir = join(await temporary('modelcar'), 'image');
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${registry}/${repository}@${digest}`,
      `dir:${imageDir}`,
    ]);
    const root = join(await temporary('rootfs'), 'root');
    const config = (await unpackImage(imageDir, root)) as {
      os: string;
      architecture: string;
      rootfs: { diff_ids: string[] };
    };

    expect(await readFile(join(root, 'models/model/weights.bin'))).toEqual(weights);
    expect(await readFile(join(root, 'models/model/config.json'), 'utf8')).toBe('{"k":3}\n');
    expect((await stat(join(root, 'bin/busybox'))).mode & 0o111).not.toBe(0);
    // The base's shell runs, and finds the model where KServe's sidecar links it from.
    const { stdout } = await run(join(root, 'bin/sh'), ['-c', `ls ${root}/models/model`]);
    expect(stdout.split(/\s+/).filter(Boolean)).toEqual(['config.json', 'weights.bin']);
    expect(config).toMatchObject({ os: 'linux', architecture: 'amd64' });
    expect(config.rootfs.diff_ids).toHaveLength(3);

    // skopeo reads it as an image (no --raw needed), tagged beside the artifact's version.
    const { stdout: inspected } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry}/${repository}:1.0.0-modelcar`,
    ]);
    const info = JSON.parse(inspected) as { Digest: string; Os: string; Labels: unknown };
    expect(info.Digest).toBe(digest);
  });

  it('records the base and the ModelPack artifact it was built beside, and is the same image when republished', async () => {
    const repository = uniqueRepository('iris');
    const files = { 'model/weights.bin': Buffer.alloc(1000, 9) };
    const first = await publishWithModelcar(repository, files);
    const again = await publishWithModelcar(repository, files);
    expect(again.outputs['modelcar-digest']).toBe(first.outputs['modelcar-digest']);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry}/${repository}@${first.outputs['modelcar-digest']}`,
    ]);
    expect(sha256Digest(stdout)).toBe(first.outputs['modelcar-digest']);
    const manifest = JSON.parse(stdout) as { annotations: Record<string, string> };
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.base.name': base,
      'dev.slipway.model.artifact-digest': first.outputs['digest'],
      'org.opencontainers.image.version': '1.0.0',
    });
  });

  it('slipway publish --modelcar-base writes the modelcar into an OCI layout too, as an image skopeo inspects', async () => {
    const dir = await makeProject({ files: { 'model/weights.bin': Buffer.alloc(128, 3) } });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const cli = await bundleCli(await temporary('cli'));
    const published = await runCli(cli, [
      'publish',
      '--config',
      join(dir, 'slipway.yaml'),
      '--modelcar-base',
      base,
      '--created',
      '2026-01-02T03:04:05Z',
      '--json',
    ]);
    expect(published.code, published.stderr).toBe(0);
    const result = JSON.parse(published.stdout) as { servingReference: string; modelcar: { digest: string } };
    const layout = join(dir, '.slipway/oci');
    expect(result.servingReference).toBe(`oci:${layout}@${result.modelcar.digest}`);
    const { stdout } = await run('skopeo', ['inspect', `oci:${layout}:1.0.0-modelcar`]);
    expect(JSON.parse(stdout)).toMatchObject({
      Digest: result.modelcar.digest,
      Os: 'linux',
      Architecture: 'amd64',
    });
    const root = join(await temporary('rootfs'), 'root');
    const imageDir = join(await temporary('modelcar'), 'image');
    await run('skopeo', ['copy', `oci:${layout}:1.0.0-modelcar`, `dir:${imageDir}`]);
    await unpackImage(imageDir, root);
    expect(await readFile(join(root, 'models/model/weights.bin'))).toEqual(Buffer.alloc(128, 3));
  });

  it('says which base image is missing and publishes nothing', async () => {
    const repository = uniqueRepository('iris');
    const dir = await makeProject({ registry, repository, files: { 'model/weights.bin': 'w' } });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const missing = `${registry}/acme/no-such-base:1`;
    const result = await runAction('publish-model', { workspace: dir, inputs: { 'modelcar-base': missing } });
    cleanups.push(() => cleanupRun(result));
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toContain(`The base image ${missing} was not found`);
    const response = await fetch(`http://${registry}/v2/${repository}/manifests/1.0.0`, { method: 'HEAD' });
    expect(response.status).toBe(404);
  });

  it('refuses a single-platform base built for another architecture, before anything is published', async () => {
    const repository = uniqueRepository('busybox-arm');
    await writeBusyboxBase(
      new RegistryStore({ registry, repository, actions: 'pull,push' }),
      'arm',
      '/bin/busybox',
      'arm64',
    );
    const armBase = `${registry}/${repository}:arm`;
    const target = uniqueRepository('iris');
    const dir = await makeProject({ registry, repository: target, files: { 'model/weights.bin': 'w' } });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const result = await runAction('publish-model', { workspace: dir, inputs: { 'modelcar-base': armBase } });
    cleanups.push(() => cleanupRun(result));
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      `The base image ${armBase} is a linux/arm64 image; the modelcar is for linux/amd64.`,
    );
    const response = await fetch(`http://${registry}/v2/${target}/manifests/1.0.0`, { method: 'HEAD' });
    expect(response.status).toBe(404);
  });

  it('refuses a ModelPack artifact as the base: it has no shell for KServe to run', async () => {
    const repository = uniqueRepository('iris');
    const model = await publishWithModelcar(repository, { 'model/weights.bin': 'w' });
    const dir = await makeProject({
      registry,
      repository: uniqueRepository('other'),
      files: { 'w.bin': 'x' },
    });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const artifact = `${registry}/${repository}@${model.outputs['digest']}`;
    const result = await runAction('publish-model', {
      workspace: dir,
      inputs: { 'modelcar-base': artifact },
    });
    cleanups.push(() => cleanupRun(result));
    expect(result.exitCode).toBe(1);
    expect(result.stdout + result.stderr).toContain(
      `The base image ${artifact} is an artifact, not a runnable image: name an image that has sh.`,
    );
  });

  it('is what the environment repository deploys, pinned by digest, in a manifest KServe accepts', async () => {
    const repository = uniqueRepository('iris');
    const result = await publishWithModelcar(repository, { 'model/model.joblib': Buffer.alloc(64, 1) });
    const digest = result.outputs['modelcar-digest']!;
    const skeleton = join(repoRoot, 'environments');
    const config = parseEnvironmentsConfig(
      await readFile(join(skeleton, 'slipway.yaml'), 'utf8'),
      'environments/slipway.yaml',
    );
    const validate = await kserveValidator();
    for (const environment of ['dev', 'staging', 'prod']) {
      const target = resolveTarget(config, environment, 'iris');
      const text = await readFile(join(skeleton, target.manifestPath), 'utf8');
      const change = planManifestChange(text, target, {
        model: 'iris',
        version: '1.0.0',
        artifactRepository: `${registry}/${repository}`,
        artifactDigest: digest,
        ...(result.outputs['report-digest'] ? { evalReportDigest: result.outputs['report-digest'] } : {}),
      });
      expect(change.text).toContain(`storageUri: oci://${registry}/${repository}@${digest}`);
      expect(readDeployedModel(change.text, target)).toMatchObject({ artifactDigest: digest });
      expect(validate(change.text)).toEqual([]);
    }
  });
});
