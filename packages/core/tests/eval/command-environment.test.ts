// The eval and train commands are the project's code (a pull request's, in CI): they must never see the
// action's inputs (tokens, passwords) or the runner's credentials, only what a script legitimately needs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandEnvironment, isWithheldVariable } from '../../src/eval/command-environment.js';
import { evaluateProject } from '../../src/eval/evaluate-project.js';
import { trainProject } from '../../src/eval/train.js';
import { probeProject } from './probe-project.js';

/** What an action's process.env holds on a runner, secrets included. */
const actionEnv = {
  ...process.env,
  'INPUT_GITHUB-TOKEN': 'ghs_input_token',
  'INPUT_ENVIRONMENT-TOKEN': 'ghp_environment_token',
  'INPUT_REGISTRY-PASSWORD': 'registry-password',
  INPUT_COMMAND: '',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/oidc',
  GITHUB_TOKEN: 'ghs_env_token',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_REPOSITORY: 'acme/iris',
  RUNNER_NAME: 'gpu-runner-1',
  CUDA_HOME: '/usr/local/cuda',
  HF_TOKEN: 'set-by-the-workflow-for-the-script',
};
const secrets = [
  'INPUT_GITHUB-TOKEN',
  'INPUT_ENVIRONMENT-TOKEN',
  'INPUT_REGISTRY-PASSWORD',
  'INPUT_COMMAND',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'GITHUB_TOKEN',
];

// Writes its whole environment beside the project, then does its job.
const dumpEnv = `import json, os, shutil
json.dump(dict(os.environ), open(os.path.join(os.environ.get("SLIPWAY_PROJECT_DIR", "."), "env.json"), "w"))
if "SLIPWAY_OUTPUT" in os.environ:
    shutil.copy(os.environ["SLIPWAY_TEST_SET_PATH"], os.environ["SLIPWAY_OUTPUT"])
`;

function project(): Promise<string> {
  return probeProject({
    label: 'command-env',
    script: { name: 'dump_env.py', text: dumpEnv },
    train: true,
    rows: ['{"id": 1, "label": "a", "prediction": "a"}'],
  });
}

async function seenBy(dir: string): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(dir, 'env.json'), 'utf8')) as Record<string, string>;
}

function expectNoSecrets(seen: Record<string, string>): void {
  for (const name of secrets) expect(seen, name).not.toHaveProperty([name]);
  const values = Object.values(seen).join('\n');
  for (const secret of ['ghs_input_token', 'ghp_environment_token', 'registry-password', 'runtime-token'])
    expect(values).not.toContain(secret);
}

describe("the eval and train commands' environment", () => {
  it('an eval script that dumps its environment sees no action input and no runner credential', async () => {
    const dir = await project();
    await evaluateProject({
      config: 'slipway.yaml',
      root: dir,
      env: actionEnv,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
    });
    const seen = await seenBy(dir);
    expectNoSecrets(seen);
    // What a script needs is still there: the context, its own variables, and Slipway's.
    // (pyenv's python3 puts its own directories in front of PATH.)
    expect(seen.PATH).toContain(process.env.PATH);
    expect(seen).toMatchObject({
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_REPOSITORY: 'acme/iris',
      RUNNER_NAME: 'gpu-runner-1',
      CUDA_HOME: '/usr/local/cuda',
      HF_TOKEN: 'set-by-the-workflow-for-the-script',
      SLIPWAY_TEST_SET: 't',
      SLIPWAY_SHARD_INDEX: '0',
      SLIPWAY_SHARD_COUNT: '1',
    });
    if (process.env.HOME) expect(seen.HOME).toBe(process.env.HOME);
  });

  it('a train script that dumps its environment sees no action input and no runner credential', async () => {
    const dir = await project();
    await trainProject({
      config: 'slipway.yaml',
      root: dir,
      env: actionEnv,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
    });
    const seen = await seenBy(dir);
    expectNoSecrets(seen);
    expect(seen).toMatchObject({
      GITHUB_SHA: 'a'.repeat(40),
      HF_TOKEN: 'set-by-the-workflow-for-the-script',
      SLIPWAY_PROJECT_DIR: dir,
    });
  });

  it('withholds inputs whatever their case, and keeps Slipway’s own variables on top', () => {
    expect(isWithheldVariable('input_github-token')).toBe(true);
    expect(isWithheldVariable('GITHUB_SHA')).toBe(false);
    expect(isWithheldVariable('SLIPWAY_OUTPUT')).toBe(false);
    expect(
      commandEnvironment({ INPUT_X: '1', PATH: '/bin', SLIPWAY_OUTPUT: 'old' }, { SLIPWAY_OUTPUT: 'new' }),
    ).toEqual({ PATH: '/bin', SLIPWAY_OUTPUT: 'new' });
  });
});
