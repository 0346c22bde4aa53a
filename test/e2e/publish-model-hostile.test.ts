// publish-model against a hostile project and a misbehaving registry (issue 10): every run either
// publishes what it says or fails saying why; nothing from outside the project reaches the registry.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryStore } from '@slipway/core/oci';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import { makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function publish(
  project: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionResult> {
  const result = await runAction('publish-model', { workspace: project, inputs, env });
  cleanups.push(() => cleanupRun(result));
  return result;
}

async function project(options: Parameters<typeof makeProject>[0] = {}): Promise<string> {
  const dir = await makeProject(options);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const failureOf = (result: ActionResult) =>
  result.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');

const published = (repository: string, tag: string) =>
  new RegistryStore({ registry, repository, actions: 'pull' }).getManifest(tag);

describe('publish-model with model files that leave the project', () => {
  it('refuses a model file that is a symlink to a host file, naming the link and its target', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await rm(join(dir, 'model/weights.bin'));
    await symlink('/etc/passwd', join(dir, 'model/weights.bin'));
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      /slipway\.yaml:\d+:\d+: Artifact file 'model\/weights\.bin' goes through the symlink 'model\/weights\.bin', which points to \/etc\/passwd, outside the project directory/,
    );
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });

  it('refuses a model folder that is a symlink to a folder outside the project', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    const outside = await mkdtemp(join(tmpdir(), 'slipway-outside-'));
    cleanups.push(() => rm(outside, { recursive: true, force: true }));
    await writeFile(join(outside, 'weights.bin'), 'host secrets');
    await writeFile(join(outside, 'config.json'), '{}');
    await rm(join(dir, 'model'), { recursive: true });
    await symlink(outside, join(dir, 'model'));
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(`goes through the symlink 'model', which points to ${outside}`);
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });

  it('publishes a symlink that stays inside the project as the file it points to', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await mkdir(join(dir, 'checkpoints'));
    await writeFile(join(dir, 'checkpoints/best.bin'), 'weights inside the project');
    await rm(join(dir, 'model/weights.bin'));
    await symlink('../checkpoints/best.bin', join(dir, 'model/weights.bin'));
    const result = await publish(dir);
    expect(result.exitCode, failureOf(result)).toBe(0);
    expect(await published(repository, '1.0.0')).toBeDefined();
  });

  it('refuses a FIFO as a model file at once instead of waiting on it', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await rm(join(dir, 'model/weights.bin'));
    execFileSync('mkfifo', [join(dir, 'model/weights.bin')]);
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      /slipway\.yaml:\d+:\d+: Artifact file 'model\/weights\.bin' is a FIFO \(named pipe\), not a regular file/,
    );
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });
});
