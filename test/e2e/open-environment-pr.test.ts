// open-environment-pr through the runner harness against the GitHub simulator: what lands in the
// environment repository (git objects in a real bare repo) and what the pull request says.
import { describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import {
  branch,
  branchExists,
  commitsAhead,
  digest,
  environmentRepoFiles,
  manifestAfter,
  manifestPath,
  propose,
  revParse,
  showFile,
} from './open-environment-pr.fixtures.js';

const sim = useGitHubSim();
let repoCount = 0;
async function environmentRepo(files = environmentRepoFiles()) {
  const repository = `acme/envs-${++repoCount}`;
  const { path } = await sim().createRepo(repository, files);
  return { repository, gitDir: path, apiUrl: sim().url };
}

describe('open-environment-pr', () => {
  it('opens one pull request whose branch holds exactly the expected manifest bytes in one commit on main', async () => {
    const env = await environmentRepo();
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.outcome).toBe('opened');
    expect(result.outputs.branch).toBe(branch);

    expect(await showFile(env.gitDir, branch, manifestPath)).toBe(manifestAfter);
    const ahead = await commitsAhead(env.gitDir, 'main', branch);
    expect(ahead).toEqual([result.outputs.commit]);
    expect(await revParse(env.gitDir, `${branch}^`)).toBe(await revParse(env.gitDir, 'main'));
    // Only the manifest changed.
    const changed = (await import('./open-environment-pr.fixtures.js')).gitText;
    expect((await changed(env.gitDir, ['diff', '--name-only', 'main', branch])).trim()).toBe(manifestPath);

    const pulls = sim().pulls(env.repository);
    expect(pulls).toHaveLength(1);
    const pr = pulls[0]!;
    expect(result.outputs['pull-request-number']).toBe(String(pr.number));
    expect(pr.title).toBe('Deploy iris 1.2.0 → 1.3.0 to dev');
    expect(pr.body).toContain('<!-- slipway:proposal ');
    expect(pr.body).toContain('Machine-readable proposal');
    expect(pr.labels.sort()).toEqual(['deploy', 'env/dev']);
    expect(pr.requestedReviewers).toEqual(['alice']);
    expect(pr.requestedTeams).toEqual(['ml-platform']);
    expect(pr.autoMerge?.mergeMethod).toBe('squash');
    expect(result.masks).toContain('ghs_simulatedInstallationToken123');
    const lines = (result.stdout + result.stderr)
      .split('\n')
      .filter((line) => line.includes('ghs_simulatedInstallationToken123'));
    expect(lines).toEqual(['::add-mask::ghs_simulatedInstallationToken123']);
  });

  it('leaves one pull request and one commit after five re-runs, each of them reads only', async () => {
    const env = await environmentRepo();
    const first = await propose(env);
    expect(first.outputs.outcome).toBe('opened');
    const tip = await revParse(env.gitDir, branch);
    for (let run = 0; run < 5; run++) {
      sim().clearRequests();
      const again = await propose(env);
      expect(again.exitCode, again.stdout).toBe(0);
      expect(again.outputs.outcome).toBe('unchanged');
      // Reads only: REST GETs and GraphQL queries, no mutation.
      expect(sim().requests.every((r) => r.method === 'GET' || r.graphql === 'query')).toBe(true);
      expect(sim().requests.length).toBeLessThanOrEqual(4);
    }
    expect(sim().pulls(env.repository)).toHaveLength(1);
    expect(await revParse(env.gitDir, branch)).toBe(tip);
    expect(await commitsAhead(env.gitDir, 'main', branch)).toHaveLength(1);
  });

  it('replaces an older proposed version with a newer one on the same branch and pull request', async () => {
    const env = await environmentRepo();
    await propose(env);
    const newer = await propose({ ...env, version: '1.4.0', digestHex: '5' });
    expect(newer.outputs.outcome).toBe('updated');
    const manifest = await showFile(env.gitDir, branch, manifestPath);
    expect(manifest).toContain(`slipway.dev/version: '1.4.0'`);
    expect(manifest).toContain(`@${digest('5')}"`);
    expect(await commitsAhead(env.gitDir, 'main', branch)).toEqual([newer.outputs.commit]);
    const pulls = sim().pulls(env.repository);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.title).toBe('Deploy iris 1.2.0 → 1.4.0 to dev');

    const older = await propose({ ...env, version: '1.3.5', digestHex: '6' });
    expect(older.outputs.outcome).toBe('superseded');
    expect(await revParse(env.gitDir, branch)).toBe(newer.outputs.commit);
  });

  it('rebuilds the proposal on the new base when main moved, still as a single commit', async () => {
    const env = await environmentRepo();
    await propose(env);
    const merged = await sim().pushCommit(env.repository, {
      branch: 'main',
      files: { 'dev/other/app.yaml': 'x: 1\n' },
    });
    const again = await propose(env);
    expect(again.outputs.outcome).toBe('updated');
    expect(await revParse(env.gitDir, `${branch}^`)).toBe(merged);
    expect(await commitsAhead(env.gitDir, 'main', branch)).toEqual([again.outputs.commit]);
    expect(await showFile(env.gitDir, branch, manifestPath)).toBe(manifestAfter);
  });

  it("leaves a branch carrying someone else's commit alone and says why on the pull request", async () => {
    const env = await environmentRepo();
    const first = await propose(env);
    const theirs = await sim().pushCommit(env.repository, {
      branch,
      files: { [manifestPath]: `${manifestAfter}# tuned by a reviewer\n` },
      message: 'Bump replicas',
    });
    const again = await propose({ ...env, version: '1.4.0', digestHex: '5' });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs.outcome).toBe('left-alone');
    expect(again.annotations.some((a) => a.command === 'warning' && /left alone/.test(a.message))).toBe(true);
    expect(await revParse(env.gitDir, branch)).toBe(theirs);
    const pr = sim().pulls(env.repository)[0]!;
    const comments = sim().comments(env.repository, pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('never force-pushes');
    // A second run does not pile up comments.
    await propose({ ...env, version: '1.4.0', digestHex: '5' });
    expect(sim().comments(env.repository, pr.number)).toHaveLength(1);
    expect(first.outputs.commit).not.toBe(theirs);
  });

  it('opens nothing when the environment already runs the artifact', async () => {
    const env = await environmentRepo({ ...environmentRepoFiles(), [manifestPath]: manifestAfter });
    const result = await propose(env);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.outcome).toBe('already-deployed');
    expect(sim().pulls(env.repository)).toHaveLength(0);
    expect(await branchExists(env.gitDir, branch)).toBe(false);
  });

  it('closes its open pull request with a comment once main already deploys that version', async () => {
    const env = await environmentRepo();
    await propose(env);
    await sim().pushCommit(env.repository, {
      branch: 'main',
      files: { [manifestPath]: manifestAfter },
      message: 'Deploy by hand',
    });
    const result = await propose(env);
    expect(result.outputs.outcome).toBe('closed-empty');
    const pr = sim().pulls(env.repository)[0]!;
    expect(pr.state).toBe('closed');
    expect(sim().comments(env.repository, pr.number)[0]!.body).toMatch(/no longer changes anything/);
  });

  it('fails clearly when the environment is not in the repository, changing nothing', async () => {
    const env = await environmentRepo();
    const result = await propose({ ...env, environment: 'stagin' });
    expect(result.exitCode).toBe(1);
    const error = result.annotations.find((a) => a.command === 'error');
    expect(error?.message).toBe(
      `${env.repository}@main:slipway.yaml: environment 'stagin' is not in environments (known: dev, staging, prod). Did you mean 'staging'?`,
    );
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
    expect(sim().pulls(env.repository)).toHaveLength(0);
  });

  it('fails clearly on an artifact reference that is not pinned by digest', async () => {
    const env = await environmentRepo();
    const result = await propose({ ...env, inputs: { reference: 'ghcr.io/acme/models/iris:1.3.0' } });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /Invalid artifact reference 'ghcr.io\/acme\/models\/iris:1.3.0'. Expected registry\/repository@sha256:/,
    );
  });

  it('works against GitHub Enterprise Server through its /api/v3 base URL, GraphQL included', async () => {
    const env = await environmentRepo();
    const result = await propose({ ...env, apiUrl: sim().enterpriseUrl });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.outcome).toBe('opened');
    expect(sim().pulls(env.repository)[0]!.autoMerge?.mergeMethod).toBe('squash');
    expect(sim().requests.some((r) => r.operationId === 'graphql')).toBe(true);
  });

  it('opens a draft without auto-merge where the policy asks for a draft', async () => {
    const env = await environmentRepo();
    const result = await propose({ ...env, environment: 'prod' });
    expect(result.outputs.outcome).toBe('opened');
    const pr = sim().pulls(env.repository)[0]!;
    expect(pr.draft).toBe(true);
    expect(pr.autoMerge).toBeNull();
    expect(pr.requestedTeams).toEqual(['ml-platform']);
    expect(pr.head).toBe('slipway/prod/iris');
  });
});
