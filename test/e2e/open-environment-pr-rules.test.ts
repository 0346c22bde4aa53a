// openEnvironmentPr (core, no bundle) against repository rules and leftovers of decided proposals:
// - a ruleset that blocks force pushes to slipway/** is a rule, not a race: the run stops at once and says
//   what to allow, instead of rebuilding the commit three times and blaming "another writer";
// - a branch that really moved is still a race, retried as before;
// - the branch of a closed pull request that proposed a newer version does not block a lower hotfix.
import { openEnvironmentPr, ProposalError, parseMarker } from '@slipway/core/environments';
import { createGitHubClient } from '@slipway/core/github';
import { describe, expect, it } from 'vitest';
import { git, useGitHubSim } from '../github-sim/index.js';
import { branch, environmentRepoFiles, manifestPath } from './open-environment-pr.fixtures.js';

const sim = useGitHubSim();
let repoCount = 0;

const release = (version: string, hex: string) => ({
  model: 'iris',
  version,
  artifactRepository: 'ghcr.io/acme/models/iris',
  artifactDigest: `sha256:${hex.repeat(64)}`,
});

function client() {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  return createGitHubClient({ token: 'ghs_test', baseUrl: sim().url, retryDelayUnitMs: 1, log: silent });
}

/** A server whose GraphQL schema predates updateRefs (GHES before 3.16): Slipway falls back to REST. */
function clientWithoutUpdateRefs() {
  const octokit = client();
  const graphql = octokit.graphql;
  const old = (query: string, variables?: Record<string, unknown>) => {
    if (query.includes('updateRefs')) {
      const message = "Field 'updateRefs' doesn't exist on type 'Mutation'";
      return Promise.reject(
        Object.assign(new Error(`Request failed due to following response errors:\n - ${message}`), {
          name: 'GraphqlResponseError',
          errors: [{ message }],
        }),
      );
    }
    return graphql(query, variables);
  };
  return Object.assign(octokit, { graphql: Object.assign(old, graphql) });
}

async function environment() {
  const name = `acme/rules-${++repoCount}`;
  const { path } = await sim().createRepo(name, environmentRepoFiles());
  const [owner, repo] = name.split('/') as [string, string];
  const logs: string[] = [];
  const propose = (version: string, hex: string, octokit = client()) =>
    openEnvironmentPr(octokit, {
      repository: name,
      environment: 'dev',
      release: release(version, hex),
      log: (line) => logs.push(line),
    });
  const head = async () => (await git(path, ['rev-parse', branch])).toString('utf8').trim();
  const manifest = async () => (await git(path, ['show', `${branch}:${manifestPath}`])).toString('utf8');
  const open = () =>
    sim()
      .pulls(name)
      .filter((p) => p.state === 'open');
  return { name, owner, repo, logs, propose, head, manifest, open };
}

describe('open-environment-pr when a ruleset blocks force pushes to slipway/**', () => {
  for (const [server, octokit, restUpdates] of [
    ['GraphQL updateRefs', client, 0],
    ['the REST fallback of older GHES', clientWithoutUpdateRefs, 2],
  ] as const) {
    it(`stops at the first refusal through ${server} and says what to allow`, async () => {
      const env = await environment();
      expect((await env.propose('1.3.0', '3')).outcome).toBe('opened');
      const before = await env.head();
      sim().blockForcePushes(env.name, 'slipway/**');
      sim().clearRequests();

      const failure = await env.propose('1.4.0', '4', octokit()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProposalError);
      const message = (failure as Error).message;
      expect(message).toContain(`${env.name}: GitHub refused to move ${branch}`);
      expect(message).toContain('Cannot force-push to this branch');
      expect(message).toContain('branch protection or a ruleset on slipway/**');
      expect(message).toContain('allow force pushes to slipway/** for the token Slipway uses');
      expect(message).not.toMatch(/another writer|gave up/);
      // One attempt: one tree and one commit, not three of each.
      expect(sim().countRequests({ operationId: 'git/create-tree' })).toBe(1);
      expect(sim().countRequests({ operationId: 'git/create-commit' })).toBe(1);
      expect(env.logs.filter((l) => l.includes('trying again'))).toEqual([]);
      expect(sim().countRequests({ operationId: 'git/update-ref' })).toBe(restUpdates);
      // Nothing half-made: the branch and the pull request still propose 1.3.0.
      expect(await env.head()).toBe(before);
      const [pull] = env.open();
      expect(parseMarker(pull!.body)?.version).toBe('1.3.0');
      expect(pull!.title).toMatch(/1\.3\.0 to dev$/);
    });
  }

  it('still treats a branch that really moved as a race and re-reads it', async () => {
    const env = await environment();
    expect((await env.propose('1.3.0', '3')).outcome).toBe('opened');
    // A person pushes to the branch just before Slipway's compare-and-swap lands.
    const conflict = sim().injectRefConflict({ repo: env.name, ref: `heads/${branch}` });
    const result = await env.propose('1.4.0', '4');
    expect(conflict.commits).toHaveLength(1);
    expect(result.attempts).toBe(2);
    expect(result.outcome).toBe('left-alone');
    expect(await env.head()).toBe(conflict.commits[0]);
  });
});

describe('open-environment-pr after a newer proposal was closed', () => {
  it('proposes a lower hotfix on the branch a closed pull request left behind', async () => {
    const env = await environment();
    const rejected = await env.propose('1.4.0', '4');
    expect(rejected.outcome).toBe('opened');
    // A reviewer rejects 1.4.0 and closes its pull request; GitHub leaves the branch.
    await client().rest.pulls.update({
      owner: env.owner,
      repo: env.repo,
      pull_number: rejected.pullRequest!.number,
      state: 'closed',
    });

    const hotfix = await env.propose('1.3.1', '5');
    expect(hotfix.outcome).toBe('opened');
    expect(hotfix.pullRequest?.number).not.toBe(rejected.pullRequest!.number);
    expect(await env.manifest()).toContain("slipway.dev/version: '1.3.1'");
    const [pull] = env.open();
    expect(env.open()).toHaveLength(1);
    expect(parseMarker(pull!.body)?.version).toBe('1.3.1');
    expect(env.logs.join('\n')).toContain(
      `carries iris 1.4.0 from PR #${rejected.pullRequest!.number}, which was closed; proposing 1.3.1`,
    );
  });

  it('still leaves a newer proposal that has no pull request yet, which may be a run in flight', async () => {
    const env = await environment();
    // A run that made its branch and could neither open its pull request nor clean up after itself.
    sim().inject({ path: 'pulls/create', status: 502, times: Number.POSITIVE_INFINITY });
    sim().inject({ path: 'git/delete-ref', status: 502, times: Number.POSITIVE_INFINITY });
    await expect(env.propose('1.4.0', '4')).rejects.toThrow();
    sim().clearFaults();
    const leftover = await env.head();

    const result = await env.propose('1.3.1', '5');
    expect(result.outcome).toBe('superseded');
    expect(result.message).toContain('already carries the newer iris 1.4.0');
    expect(await env.head()).toBe(leftover);
  });
});
