// open-environment-pr when GitHub misbehaves or someone else writes at the same time: every injected fault
// ends in exactly one pull request, or in a clear failure that leaves nothing half-made.
import { describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import {
  branch,
  branchExists,
  commitsAhead,
  environmentRepoFiles,
  manifestAfter,
  manifestPath,
  propose,
  revParse,
  showFile,
} from './open-environment-pr.fixtures.js';

const sim = useGitHubSim();
let repoCount = 0;
async function environmentRepo() {
  const repository = `acme/faulty-envs-${++repoCount}`;
  const { path } = await sim().createRepo(repository, environmentRepoFiles());
  return { repository, gitDir: path, apiUrl: sim().url };
}

async function expectOneGoodPullRequest(env: { repository: string; gitDir: string }) {
  const pulls = sim().pulls(env.repository);
  expect(pulls).toHaveLength(1);
  expect(pulls[0]!.labels.sort()).toEqual(['deploy', 'env/dev']);
  expect(await showFile(env.gitDir, branch, manifestPath)).toBe(manifestAfter);
  expect(await commitsAhead(env.gitDir, 'main', branch)).toHaveLength(1);
}

describe('open-environment-pr under faults', () => {
  it('retries a 502 from GitHub and opens one pull request', async () => {
    const env = await environmentRepo();
    const fault = sim().inject({ path: 'git/create-tree', status: 502 });
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(fault.hits).toBe(1);
    await expectOneGoodPullRequest(env);
  });

  it('waits out a 429 with retry-after and opens one pull request', async () => {
    const env = await environmentRepo();
    const fault = sim().inject({ path: 'pulls/create', status: 429, retryAfter: 1 });
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(fault.hits).toBe(1);
    await expectOneGoodPullRequest(env);
  });

  it('waits out the secondary rate limit (403) and opens one pull request with its labels', async () => {
    const env = await environmentRepo();
    const fault = sim().inject({ path: 'issues/add-labels', status: 403, retryAfter: 1 });
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(fault.hits).toBe(1);
    await expectOneGoodPullRequest(env);
  });

  it('recovers when the answer to creating its branch was lost after GitHub made it', async () => {
    const env = await environmentRepo();
    sim().inject({ path: 'git/create-ref', status: 502, when: 'after' });
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.outcome).toBe('opened');
    await expectOneGoodPullRequest(env);
  });

  it('recovers when the answer to opening the pull request was lost after GitHub opened it', async () => {
    const env = await environmentRepo();
    sim().inject({ path: 'pulls/create', status: 502, when: 'after' });
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    await expectOneGoodPullRequest(env);
  });

  it('fails clearly and removes its branch when GitHub keeps failing to open the pull request', async () => {
    const env = await environmentRepo();
    sim().inject({ path: 'pulls/create', status: 502, times: Number.POSITIVE_INFINITY });
    const result = await propose(env);
    expect(result.exitCode).toBe(1);
    const error = result.annotations.find((a) => a.command === 'error')?.message ?? '';
    expect(error).toMatch(/^GitHub API POST .*\/pulls failed with 502: Server Error after 4 attempts\.$/);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(sim().pulls(env.repository)).toHaveLength(0);
    expect(await branchExists(env.gitDir, branch)).toBe(false);
  });

  it('never overwrites a commit someone pushes to the branch while Slipway is updating it', async () => {
    const env = await environmentRepo();
    await propose(env);
    const writer = sim().injectRefConflict({ repo: env.repository, ref: `heads/${branch}` });
    const result = await propose({ ...env, version: '1.4.0', digestHex: '5' });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(writer.commits).toHaveLength(1);
    expect(result.outputs.outcome).toBe('left-alone');
    expect(await revParse(env.gitDir, branch)).toBe(writer.commits[0]);
    const pr = sim().pulls(env.repository)[0]!;
    expect(
      sim()
        .comments(env.repository, pr.number)
        .map((c) => c.body)
        .join('\n'),
    ).toMatch(/never force-pushes/);
  });

  it('keeps a merge that lands on main while it creates its branch, and builds on it at the next run', async () => {
    const env = await environmentRepo();
    const writer = sim().injectRefConflict({
      repo: env.repository,
      ref: `heads/${branch}`,
      moveRef: 'heads/main',
    });
    const first = await propose(env);
    expect(first.exitCode, first.stdout).toBe(0);
    expect(writer.commits).toHaveLength(1);
    expect(await revParse(env.gitDir, 'main')).toBe(writer.commits[0]);
    const again = await propose(env);
    expect(again.outputs.outcome).toBe('updated');
    expect(await revParse(env.gitDir, `${branch}^`)).toBe(writer.commits[0]);
    await expectOneGoodPullRequest(env);
  });

  it('ends with one pull request for the newer version when two runs propose at the same time', async () => {
    const env = await environmentRepo();
    const [older, newer] = await Promise.all([
      propose(env),
      propose({ ...env, version: '1.4.0', digestHex: '5' }),
    ]);
    expect(older.exitCode, older.stdout).toBe(0);
    expect(newer.exitCode, newer.stdout).toBe(0);
    const pulls = sim().pulls(env.repository);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.title).toBe('Deploy iris 1.2.0 → 1.4.0 to dev');
    expect(pulls[0]!.body).toContain('"version":"1.4.0"');
    expect(await showFile(env.gitDir, branch, manifestPath)).toContain("slipway.dev/version: '1.4.0'");
    expect(await commitsAhead(env.gitDir, 'main', branch)).toHaveLength(1);
  });
});
