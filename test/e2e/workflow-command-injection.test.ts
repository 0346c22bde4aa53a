// Hostile strings in every input (issue 10): a value holding a newline and `::error::` or `::add-mask::`
// must never become a workflow command. The only commands in the log are the ones the action means.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import { propose } from './open-environment-pr.fixtures.js';
import { makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const sim = useGitHubSim();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const injected = '\n::error::pwned by input\n::add-mask::1\n';

/** Lines the runner would read as workflow commands that the action did not mean to write. */
function smuggled(result: ActionResult): string[] {
  return (result.stdout + result.stderr)
    .split(/\r?\n/)
    .filter((line) => /^\s*::error::pwned|^\s*::add-mask::1\s*$/.test(line));
}

describe('inputs that try to write workflow commands', () => {
  it('publish-model logs a hostile version and file path as text', async () => {
    const dir = await makeProject({
      registry,
      repository: uniqueRepository('inject'),
      files: { [`model/w${'\u2028'}.bin`]: 'weights' },
    });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const result = await runAction('publish-model', {
      workspace: dir,
      inputs: { version: `1.0.0${injected}` },
    });
    cleanups.push(() => cleanupRun(result));
    expect(result.exitCode).toBe(1);
    expect(smuggled(result)).toEqual([]);
    expect(result.masks).not.toContain('1');
  });

  it('open-environment-pr logs a hostile environment and model as text', async () => {
    const repository = 'acme/envs-inject';
    const { environmentRepoFiles } = await import('./open-environment-pr.fixtures.js');
    await sim().createRepo(repository, environmentRepoFiles());
    const result = await propose({
      repository,
      apiUrl: sim().url,
      environment: `dev${injected}`,
      inputs: { model: `iris${injected}` },
    });
    expect(result.exitCode).toBe(1);
    expect(smuggled(result)).toEqual([]);
    expect(result.masks).not.toContain('1');
  });

  it('validate-config shows a hostile YAML key as text', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'slipway-inject-'));
    cleanups.push(() => rm(workspace, { recursive: true, force: true }));
    await writeFile(
      join(workspace, 'slipway.yaml'),
      [
        'apiVersion: slipway.dev/v1',
        'kind: Project',
        'model: { name: iris, owner: "@acme/ml" }',
        'task: classification',
        'eval: { command: [python3, eval.py] }',
        'test-sets: [{ name: holdout, path: data.csv }]',
        `${JSON.stringify(`extra${injected}`)}: 1`,
        '',
      ].join('\n'),
    );
    const result = await runAction('validate-config', {
      workspace,
      inputs: { files: 'slipway.yaml', 'fail-on-warning': 'false', 'working-directory': '' },
    });
    expect(result.exitCode).toBe(1);
    expect(smuggled(result)).toEqual([]);
    expect(result.masks).not.toContain('1');
  });
});
