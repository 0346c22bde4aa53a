// `slipway propose`, the same proposal from a terminal, against the GitHub simulator.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { digest, environmentRepoFiles, showFile } from './open-environment-pr.fixtures.js';
import { bundleCli, runCli } from './publish-model.helpers.js';

const sim = useGitHubSim();
let dir = '';
let cli = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-propose-cli-'));
  cli = await bundleCli(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const slipway = (args: string[], env: Record<string, string>) => runCli(cli, args, env);

describe('slipway propose', () => {
  it('opens the pull request and prints the outcome as JSON', async () => {
    await sim().createRepo('acme/cli-envs', environmentRepoFiles());
    const args = [
      'propose',
      '--repository',
      'acme/cli-envs',
      '--environment',
      'staging',
      '--model',
      'iris',
      '--model-version',
      '2.0.0',
    ];
    const reference = `ghcr.io/acme/models/iris@${digest('7')}`;
    const result = await slipway([...args, '--reference', reference, '--api-url', sim().url, '--json'], {
      GITHUB_TOKEN: 't0ken',
    });
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({
      outcome: 'opened',
      environment: 'staging',
      branch: 'slipway/staging/iris',
      pullRequest: { number: 1 },
    });
    const pr = sim().pulls('acme/cli-envs')[0]!;
    expect(pr.requestedReviewers).toEqual(['alice']);
    const manifest = await showFile(
      sim().repoPath('acme/cli-envs'),
      'slipway/staging/iris',
      'staging/iris/inferenceservice.yaml',
    );
    expect(manifest).toContain(`@${digest('7')}"`);
  });

  it('says which token to set when there is none', async () => {
    const result = await slipway(['propose', '--reference', `r@${digest('7')}`], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'slipway: No token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can write to the environment repository.\n',
    );
  });
});
