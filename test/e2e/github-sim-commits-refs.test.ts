// The simulator's commit reads (REST repos/get-commit) and compare-and-swap ref moves (GraphQL
// updateRefs), checked against what git itself says about the bare repository, and the request budget
// of a proposal that rests on them.
import { openEnvironmentPr } from '@slipway/core/environments';
import { createGitHubClient, type GitHubClient } from '@slipway/core/github';
import { describe, expect, it } from 'vitest';
import { roundTrips, traceRequests } from '../../bench/harness.js';
import { git, useGitHubSim } from '../github-sim/index.js';
import { environmentRepoFiles } from './open-environment-pr.fixtures.js';

const sim = useGitHubSim();
const ZERO = '0'.repeat(40);

function client(): GitHubClient {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  return createGitHubClient({ token: 'ghs_test', baseUrl: sim().url, retryDelayUnitMs: 1, log: silent });
}

let repoCount = 0;
async function newRepo(files: Record<string, string>) {
  repoCount += 1;
  const name = `commits-${repoCount}`;
  const { path } = await sim().createRepo(`acme/${name}`, files);
  sim().clearRequests();
  const text = async (args: string[]) => (await git(path, args)).toString('utf8').trim();
  return { where: { owner: 'acme', repo: name }, full: `acme/${name}`, path, text };
}

/** A second commit on main through the API (so its author is the token's user): one file changed, one removed, one added. */
async function secondCommit(octokit: GitHubClient, where: { owner: string; repo: string }) {
  const tip = await octokit.rest.repos.getCommit({ ...where, ref: 'main' });
  const tree = await octokit.rest.git.createTree({
    ...where,
    base_tree: tip.data.commit.tree.sha,
    tree: [
      { path: 'a.txt', mode: '100644', type: 'blob', content: 'one\ntwo changed\nthree\n' },
      { path: 'gone.txt', mode: '100644', type: 'blob', sha: null },
      { path: 'dir/new file.txt', mode: '100644', type: 'blob', content: 'x\ny\n' },
    ],
  });
  const commit = await octokit.rest.git.createCommit({
    ...where,
    message: 'Second',
    tree: tree.data.sha,
    parents: [tip.data.sha],
  });
  await octokit.rest.git.updateRef({ ...where, ref: 'heads/main', sha: commit.data.sha });
  return { first: tip.data.sha, second: commit.data.sha };
}

const updateRefs = `mutation($repositoryId: ID!, $refUpdates: [RefUpdate!]!) {
  updateRefs(input: { repositoryId: $repositoryId, refUpdates: $refUpdates }) { clientMutationId } }`;

describe('reading a commit by branch, tag or sha (GET /repos/{owner}/{repo}/commits/{ref})', () => {
  it('answers the same commit for a branch name, heads/…, refs/heads/…, a tag, a full and a short sha', async () => {
    const { where, path, text } = await newRepo({ 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'bye\n' });
    const octokit = client();
    const { first, second } = await secondCommit(octokit, where);
    await git(path, ['tag', 'plain', second]);
    const tagEnv = { GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
    await git(path, ['tag', '-a', '-m', 'Release', 'v1', second], { env: tagEnv });
    for (const ref of [
      'main',
      'heads/main',
      'refs/heads/main',
      'plain',
      'tags/v1',
      second,
      second.slice(0, 10),
    ]) {
      const { data } = await octokit.rest.repos.getCommit({ ...where, ref });
      expect(data.sha, ref).toBe(second);
    }

    const { data } = await octokit.rest.repos.getCommit({ ...where, ref: 'main' });
    expect(data.commit.tree.sha).toBe(await text(['rev-parse', `${second}^{tree}`]));
    expect(data.commit.message).toBe('Second');
    expect(data.parents.map((p) => p.sha)).toEqual([first]);
    expect(data.author?.login).toBe(sim().viewer.login);
    expect(data.commit.verification?.verified).toBe(false);
    const files = Object.fromEntries(
      data.files!.map((f) => [f.filename, [f.status, f.additions, f.deletions]]),
    );
    expect(files).toEqual({
      'a.txt': ['modified', 1, 1],
      'gone.txt': ['removed', 0, 1],
      'dir/new file.txt': ['added', 2, 0],
    });
    expect(data.stats).toEqual({ additions: 3, deletions: 2, total: 5 });
    const numstat = await text(['diff', '--numstat', first, second]);
    expect(numstat.split('\n')).toHaveLength(data.files!.length);

    // The seed commit was made by a person no GitHub user stands for, and has no parent: it lists every file.
    const root = await octokit.rest.repos.getCommit({ ...where, ref: first });
    expect(root.data.author).toBeNull();
    expect(root.data.commit.author?.email).toBe('ada@example.com');
    expect(root.data.parents).toEqual([]);
    expect(root.data.files!.map((f) => f.filename).sort()).toEqual(['a.txt', 'gone.txt']);
  });

  it('answers 422 “No commit found” for an unknown ref or revision syntax, and 404 for an unknown repository', async () => {
    const { where } = await newRepo({ 'a.txt': '1\n' });
    const octokit = client();
    for (const ref of ['nope', 'heads/nope', 'main~1', 'b'.repeat(40)]) {
      const error = await octokit.rest.repos.getCommit({ ...where, ref }).catch((e: unknown) => e);
      expect(error, ref).toMatchObject({
        status: 422,
        message: expect.stringContaining(`No commit found for SHA: ${ref}`),
      });
    }
    const missing = await octokit.rest.repos
      .getCommit({ owner: 'acme', repo: 'absent', ref: 'main' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404 });
  });
});

describe('moving refs with compare-and-swap (GraphQL updateRefs)', () => {
  it('moves a branch by force only while it is still where the caller saw it', async () => {
    const { where, text } = await newRepo({ 'a.txt': 'one\ntwo\nthree\n', 'gone.txt': 'bye\n' });
    const octokit = client();
    const { first, second } = await secondCommit(octokit, where);
    const repositoryId = (await octokit.rest.repos.get(where)).data.node_id;
    await octokit.rest.git.createRef({ ...where, ref: 'refs/heads/work', sha: second });

    const moved = await octokit.graphql<{ updateRefs: { clientMutationId: null } }>(updateRefs, {
      repositoryId,
      refUpdates: [{ name: 'refs/heads/work', beforeOid: second, afterOid: first, force: true }],
    });
    expect(moved).toEqual({ updateRefs: { clientMutationId: null } });
    expect(await text(['rev-parse', 'refs/heads/work'])).toBe(first);

    // The caller's view is stale now: nothing moves, and the answer says which ref and why.
    const stale = await octokit
      .graphql(updateRefs, {
        repositoryId,
        refUpdates: [{ name: 'refs/heads/work', beforeOid: second, afterOid: second, force: true }],
      })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({
      errors: [
        { type: 'UNPROCESSABLE', path: ['updateRefs'], message: expect.stringContaining(`is at ${first}`) },
      ],
    });
    expect(await text(['rev-parse', 'refs/heads/work'])).toBe(first);

    // Without force, only a fast-forward moves the ref.
    const backwards = octokit.graphql(updateRefs, {
      repositoryId,
      refUpdates: [{ name: 'refs/heads/main', beforeOid: second, afterOid: first }],
    });
    await expect(backwards).rejects.toThrow(/not a fast forward/);
    expect(await text(['rev-parse', 'refs/heads/main'])).toBe(second);
  });

  it('loses to a person who pushes between the check and the move, keeping their commit', async () => {
    const { where, full, text } = await newRepo({ 'a.txt': '1\n' });
    const octokit = client();
    const tip = await text(['rev-parse', 'main']);
    await octokit.rest.git.createRef({ ...where, ref: 'refs/heads/slipway/dev/a', sha: tip });
    const repositoryId = (await octokit.rest.repos.get(where)).data.node_id;
    const writer = sim().injectRefConflict({ repo: full, ref: 'heads/slipway/dev/a' });
    const replacement = await sim().pushCommit(full, { branch: 'scratch', files: { 'a.txt': '2\n' } });

    const move = octokit.graphql(updateRefs, {
      repositoryId,
      refUpdates: [{ name: 'refs/heads/slipway/dev/a', beforeOid: tip, afterOid: replacement, force: true }],
    });
    await expect(move).rejects.toThrow(/not at the expected/);
    expect(writer.commits).toHaveLength(1);
    expect(await text(['rev-parse', 'refs/heads/slipway/dev/a'])).toBe(writer.commits[0]);
  });

  it('applies all updates or none, and creates a ref only where it does not exist', async () => {
    const { where, text } = await newRepo({ 'a.txt': '1\n' });
    const octokit = client();
    const tip = await text(['rev-parse', 'main']);
    const repositoryId = (await octokit.rest.repos.get(where)).data.node_id;
    const both = octokit.graphql(updateRefs, {
      repositoryId,
      refUpdates: [
        { name: 'refs/heads/fresh', beforeOid: ZERO, afterOid: tip },
        { name: 'refs/heads/main', beforeOid: 'c'.repeat(40), afterOid: tip },
      ],
    });
    await expect(both).rejects.toThrow(/refs\/heads\/main is at/);
    expect(await text(['for-each-ref', 'refs/heads/fresh'])).toBe('');

    await octokit.graphql(updateRefs, {
      repositoryId,
      refUpdates: [{ name: 'refs/heads/fresh', beforeOid: ZERO, afterOid: tip }],
    });
    expect(await text(['rev-parse', 'refs/heads/fresh'])).toBe(tip);
    const again = octokit.graphql(updateRefs, {
      repositoryId,
      refUpdates: [{ name: 'refs/heads/fresh', beforeOid: ZERO, afterOid: tip }],
    });
    await expect(again).rejects.toThrow(/not at the expected/);
  });

  it('answers an error, never a silent null, for a mutation the simulator does not implement', async () => {
    const { where } = await newRepo({ 'a.txt': '1\n' });
    const octokit = client();
    const repositoryId = (await octokit.rest.repos.get(where)).data.node_id;
    const archive = octokit.graphql(
      'mutation($id: ID!) { archiveRepository(input: { repositoryId: $id }) { clientMutationId } }',
      {
        id: repositoryId,
      },
    );
    await expect(archive).rejects.toThrow(/does not implement archiveRepository/);
    expect(() => sim().assertNoViolations()).toThrow(/Mutation\.archiveRepository is not simulated/);
  });
});

const release = {
  model: 'iris',
  version: '1.3.0',
  artifactRepository: 'ghcr.io/acme/models/iris',
  artifactDigest: `sha256:${'3'.repeat(64)}`,
};

describe('the request budget of a proposal', () => {
  it('opens a proposal with labels and reviewers in at most 10 requests, and re-runs it in at most 4', async () => {
    await sim().createRepo('acme/budget', environmentRepoFiles());
    const octokit = client();
    const request = { repository: 'acme/budget', environment: 'staging', release };
    sim().clearRequests();
    expect((await openEnvironmentPr(octokit, request)).outcome).toBe('opened');
    const first = sim().requests.map((r) => r.operationId);
    expect(first.length, first.join(', ')).toBeLessThanOrEqual(10);
    // The base tip, its tree, slipway.yaml and the manifest come in one GraphQL query from one commit.
    expect(first).toContain('graphql');
    expect(first).not.toContain('git/get-commit');
    expect(first).not.toContain('repos/get-content');
    expect(sim().pulls('acme/budget')[0]).toMatchObject({
      labels: ['deploy'],
      requestedReviewers: ['alice'],
    });

    sim().clearRequests();
    expect((await openEnvironmentPr(octokit, request)).outcome).toBe('unchanged');
    expect(sim().requests.length).toBeLessThanOrEqual(4);
  });

  it('opens a proposal in at most 6 round trips on the critical path, and re-runs it in 1', async () => {
    await sim().createRepo('acme/trips', environmentRepoFiles());
    const octokit = client();
    const trace = traceRequests(octokit);
    const request = { repository: 'acme/trips', environment: 'staging', release };
    expect((await openEnvironmentPr(octokit, request)).outcome).toBe('opened');
    expect(roundTrips(trace)).toBeLessThanOrEqual(6);
    trace.length = 0;
    expect((await openEnvironmentPr(octokit, request)).outcome).toBe('unchanged');
    expect(roundTrips(trace)).toBe(1);
  });

  it('reads a manifest that slipway.yaml puts elsewhere at the same base commit, with one more read', async () => {
    const files = environmentRepoFiles();
    const { path } = await sim().createRepo('acme/elsewhere', {
      'slipway.yaml': files['slipway.yaml']!.replace(
        '  - name: iris\n',
        '  - name: iris\n    manifest: apps/iris.yaml\n',
      ),
      'staging/apps/iris.yaml': files['staging/iris/inferenceservice.yaml']!,
    });
    const octokit = client();
    sim().clearRequests();
    const result = await openEnvironmentPr(octokit, {
      repository: 'acme/elsewhere',
      environment: 'staging',
      release,
    });
    expect(result.outcome).toBe('opened');
    expect(result.manifestPath).toBe('staging/apps/iris.yaml');
    expect(sim().countRequests({ operationId: 'repos/get-content' })).toBe(1);
    const proposed = (await git(path, ['show', `${result.branch}:staging/apps/iris.yaml`])).toString('utf8');
    expect(proposed).toContain(release.artifactDigest);
  });

  it('says a repository it cannot see is not found, never that its branch is missing', async () => {
    const proposal = openEnvironmentPr(client(), {
      repository: 'acme/nowhere',
      environment: 'staging',
      release,
    });
    await expect(proposal).rejects.toThrow(
      /acme\/nowhere: repository not found, or the token cannot read it/,
    );
  });
});
