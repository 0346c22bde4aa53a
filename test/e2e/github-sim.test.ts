// The GitHub API simulator and Slipway's GitHub client, together: the simulator holds GitHub's own
// OpenAPI description to every request and response, keeps state in real bare git repositories, and
// injects the faults the client must survive.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createGitHubClient,
  describeGitHubFailure,
  type GitHubClient,
  isGitHubFailure,
  upsertStickyComment,
} from '@slipway/core/github';
import { afterAll, describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';

const run = promisify(execFile);
const sim = useGitHubSim();
const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** Retry waits of 1 ms per GitHub "second": the real retry code, without slow tests. */
function client(options: { baseUrl?: string; retryDelayUnitMs?: number } = {}): GitHubClient {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  return createGitHubClient({
    token: 'ghs_test',
    baseUrl: sim().url,
    retryDelayUnitMs: 1,
    log: silent,
    ...options,
  });
}

let repoCount = 0;
async function newRepo(files: Record<string, string> = { 'README.md': '# envs\n' }, options = {}) {
  repoCount += 1;
  const name = `envs-${repoCount}`;
  const created = await sim().createRepo(`acme/${name}`, files, options);
  sim().clearRequests();
  // `where` is what API calls take; the rest is for assertions.
  return { where: { owner: 'acme', repo: name }, full: `acme/${name}`, path: created.path };
}

async function cloneOf(bare: string, branch = 'main'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-sim-clone-'));
  cleanup.push(dir);
  await run('git', ['clone', '--quiet', '--branch', branch, bare, dir]);
  return dir;
}

/** One commit through the Git Data API: tree (base_tree + inline content) → commit → ref. */
async function commitThroughApi(
  octokit: GitHubClient,
  where: { owner: string; repo: string },
  branch: string,
  files: Record<string, string | null>,
): Promise<string> {
  const base = await octokit.rest.git.getRef({ ...where, ref: 'heads/main' });
  const parent = await octokit.rest.git.getCommit({ ...where, commit_sha: base.data.object.sha });
  const tree = await octokit.rest.git.createTree({
    ...where,
    base_tree: parent.data.tree.sha,
    tree: Object.entries(files).map(([path, content]) =>
      content === null
        ? { path, mode: '100644' as const, type: 'blob' as const, sha: null }
        : { path, mode: '100644' as const, type: 'blob' as const, content },
    ),
  });
  const commit = await octokit.rest.git.createCommit({
    ...where,
    message: `Deploy to ${branch}`,
    tree: tree.data.sha,
    parents: [parent.data.sha],
  });
  if (branch === 'main') {
    await octokit.rest.git.updateRef({ ...where, ref: 'heads/main', sha: commit.data.sha, force: false });
  } else {
    await octokit.rest.git.createRef({ ...where, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  }
  return commit.data.sha;
}

describe('the GitHub simulator holds requests and responses to GitHub’s OpenAPI description', () => {
  it('answers a request GitHub would refuse with 422, saying which field is wrong', async () => {
    const { where } = await newRepo();
    // Deliberately wrong for GitHub (and so for Octokit's types): `sha` missing, then a number.
    const attempt = client().request('POST /repos/{owner}/{repo}/git/refs', {
      ...where,
      ref: 'refs/heads/x',
    } as never);
    await expect(attempt).rejects.toMatchObject({ status: 422 });
    await expect(attempt).rejects.toThrow(/Invalid request[\s\S]*required property 'sha'/);
    const typed = client().request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
      ...where,
      ref: 'heads/main',
      sha: 42,
    } as never);
    await expect(typed).rejects.toThrow(/For 'sha', must be string/);
    expect(sim().requests.map((r) => [r.operationId, r.status])).toEqual([
      ['git/create-ref', 422],
      ['git/update-ref', 422],
    ]);
  });

  it('catches a response that does not match GitHub’s description and fails the test', async () => {
    const { where } = await newRepo();
    sim().tamper('git/get-ref', (body) => ({ ...(body as object), object: undefined, ref: 7 }));
    await client().rest.git.getRef({ ...where, ref: 'heads/main' });
    expect(sim().violations.join('\n')).toMatch(/git\/ref\/\{ref\} answered 200 .*'ref', must be string/);
    expect(() => sim().assertNoViolations()).toThrow(/GitHub simulator violations/);
    expect(sim().violations).toEqual([]);
  });

  it('refuses requests without a token, as GitHub does', async () => {
    const response = await fetch(`${sim().url}/repos/acme/none`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'Requires authentication' });
  });

  it('records a call to a route GitHub does not have as a violation', async () => {
    await newRepo();
    const response = await fetch(`${sim().url}/repos/acme/envs-1/no-such-thing`, {
      headers: { authorization: 'token t' },
    });
    expect(response.status).toBe(404);
    expect(sim().violations).toEqual([
      "GET /repos/acme/envs-1/no-such-thing: GitHub's API has no such route",
    ]);
    expect(() => sim().assertNoViolations()).toThrow(/no such route/);
  });
});

describe('the simulator is backed by real git repositories', () => {
  it('makes a commit through the Git Data API that git clone sees byte for byte', async () => {
    const { where, path } = await newRepo({
      'README.md': '# envs\n',
      'envs/prod/fraud.yaml': 'old: 1\n',
      'envs/dev/keep.yaml': 'k: v\n',
    });
    const manifest = '# prod\nspec:\n  storageUri: "oci://registry/fraud@sha256:ab"\n';
    const sha = await commitThroughApi(client(), where, 'main', {
      'envs/prod/fraud.yaml': manifest,
      'envs/prod/new/deep/file.txt': 'nested ✓\n',
      'README.md': null,
    });
    const clone = await cloneOf(path);
    expect(await readFile(join(clone, 'envs/prod/fraud.yaml'), 'utf8')).toBe(manifest);
    expect(await readFile(join(clone, 'envs/prod/new/deep/file.txt'), 'utf8')).toBe('nested ✓\n');
    expect(await readFile(join(clone, 'envs/dev/keep.yaml'), 'utf8')).toBe('k: v\n');
    await expect(readFile(join(clone, 'README.md'))).rejects.toThrow(/ENOENT/);
    const log = (await run('git', ['-C', clone, 'log', '--format=%H %P %s'])).stdout.trim().split('\n');
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(new RegExp(`^${sha} [0-9a-f]{40} Deploy to main$`));
  });

  it('serves file contents from any branch through the contents API', async () => {
    const { where } = await newRepo({ 'envs/prod/fraud.yaml': 'a: 1\n' });
    await commitThroughApi(client(), where, 'slipway/prod/fraud', { 'envs/prod/fraud.yaml': 'a: 2\n' });
    const read = async (ref: string) => {
      const { data } = await client().rest.repos.getContent({ ...where, path: 'envs/prod/fraud.yaml', ref });
      return Buffer.from((data as { content: string }).content, 'base64').toString('utf8');
    };
    expect(await read('main')).toBe('a: 1\n');
    expect(await read('slipway/prod/fraud')).toBe('a: 2\n');
    await expect(
      client().rest.repos.getContent({ ...where, path: 'envs/missing.yaml' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a ref update that is not a fast forward, after a concurrent writer moved the branch', async () => {
    const { where, full, path } = await newRepo({ 'envs/prod/fraud.yaml': 'a: 1\n' });
    const octokit = client();
    const base = await octokit.rest.git.getRef({ ...where, ref: 'heads/main' });
    const parent = await octokit.rest.git.getCommit({ ...where, commit_sha: base.data.object.sha });
    const tree = await octokit.rest.git.createTree({
      ...where,
      base_tree: parent.data.tree.sha,
      tree: [{ path: 'envs/prod/fraud.yaml', mode: '100644', type: 'blob', content: 'a: 2\n' }],
    });
    const commit = await octokit.rest.git.createCommit({
      ...where,
      message: 'm',
      tree: tree.data.sha,
      parents: [parent.data.sha],
    });
    const conflict = sim().injectRefConflict({
      repo: full,
      ref: 'heads/main',
      files: { 'other.txt': 'theirs\n' },
    });
    const update = octokit.rest.git.updateRef({
      ...where,
      ref: 'heads/main',
      sha: commit.data.sha,
      force: false,
    });
    const error = await update.catch((e: unknown) => e);
    expect(isGitHubFailure(error, 'notFastForward')).toBe(true);
    expect(conflict.commits).toHaveLength(1);
    const clone = await cloneOf(path);
    expect(await readFile(join(clone, 'other.txt'), 'utf8')).toBe('theirs\n');
    expect(await readFile(join(clone, 'envs/prod/fraud.yaml'), 'utf8')).toBe('a: 1\n');
  });
});

describe('pull requests, comments, labels, reviewers and auto-merge', () => {
  it('opens a pull request, refuses a duplicate, and merges it into the base branch', async () => {
    const { where, full, path } = await newRepo(
      { 'envs/prod/fraud.yaml': 'v: 1\n' },
      { collaborators: ['grace'], teams: ['ml-platform'] },
    );
    const octokit = client();
    await commitThroughApi(octokit, where, 'slipway/prod/fraud', { 'envs/prod/fraud.yaml': 'v: 2\n' });
    const pr = await octokit.rest.pulls.create({
      ...where,
      title: 'Deploy fraud v2 to prod',
      head: 'slipway/prod/fraud',
      base: 'main',
      body: 'b',
    });
    expect(pr.data).toMatchObject({
      number: 1,
      state: 'open',
      mergeable: true,
      changed_files: 1,
      commits: 1,
    });
    const again = await octokit.rest.pulls
      .create({ ...where, title: 'x', head: 'slipway/prod/fraud', base: 'main' })
      .catch((e: unknown) => e);
    expect(isGitHubFailure(again, 'pullRequestAlreadyExists')).toBe(true);

    await octokit.rest.issues.addLabels({ ...where, issue_number: 1, labels: ['slipway', 'env:prod'] });
    await octokit.rest.pulls.requestReviewers({
      ...where,
      pull_number: 1,
      reviewers: ['grace'],
      team_reviewers: ['ml-platform'],
    });
    const stranger = await octokit.rest.pulls
      .requestReviewers({ ...where, pull_number: 1, reviewers: ['mallory'] })
      .catch((e: unknown) => e);
    expect(stranger).toMatchObject({ status: 422 });
    const listed = await octokit.rest.pulls.list({
      ...where,
      head: 'acme:slipway/prod/fraud',
      state: 'open',
    });
    expect(
      listed.data.map((p) => [
        p.number,
        p.labels.map((l) => l.name),
        p.requested_reviewers?.map((u) => u.login),
      ]),
    ).toEqual([[1, ['slipway', 'env:prod'], ['grace']]]);

    const merged = await octokit.rest.pulls.merge({ ...where, pull_number: 1, merge_method: 'squash' });
    expect(merged.data.merged).toBe(true);
    expect(sim().pulls(full)[0]).toMatchObject({ state: 'closed', mergeCommitSha: merged.data.sha });
    const clone = await cloneOf(path);
    expect(await readFile(join(clone, 'envs/prod/fraud.yaml'), 'utf8')).toBe('v: 2\n');
  });

  it('enables auto-merge through GraphQL after checking the query against GitHub’s schema', async () => {
    const { where, full } = await newRepo({ 'a.txt': '1\n' });
    const octokit = client();
    await commitThroughApi(octokit, where, 'slipway/dev/a', { 'a.txt': '2\n' });
    const pr = await octokit.rest.pulls.create({ ...where, title: 't', head: 'slipway/dev/a', base: 'main' });
    const mutation = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) {
      pullRequest { number autoMergeRequest { mergeMethod enabledBy { login } } } } }`;
    const result = await octokit.graphql<{ enablePullRequestAutoMerge: { pullRequest: unknown } }>(mutation, {
      id: pr.data.node_id,
    });
    expect(result.enablePullRequestAutoMerge.pullRequest).toEqual({
      number: pr.data.number,
      autoMergeRequest: { mergeMethod: 'SQUASH', enabledBy: { login: sim().viewer.login } },
    });
    expect(sim().pulls(full)[0]?.autoMerge?.mergeMethod).toBe('squash');
    const rest = await octokit.rest.pulls.get({ ...where, pull_number: pr.data.number });
    expect(rest.data.auto_merge?.merge_method).toBe('squash');

    const wrong = octokit.graphql(
      'mutation { enablePullRequestAutoMerge(input: { pullRequestId: "x" }) { noSuchField } }',
    );
    await expect(wrong).rejects.toThrow(/Cannot query field "noSuchField"/);
    expect(sim().requests.at(-1)?.rejected?.[0]).toMatch(/noSuchField/);
  });

  it('reports auto-merge switched off in the repository as GitHub does', async () => {
    const { where } = await newRepo({ 'a.txt': '1\n' }, { allowAutoMerge: false });
    const octokit = client();
    await commitThroughApi(octokit, where, 'slipway/dev/a', { 'a.txt': '2\n' });
    const pr = await octokit.rest.pulls.create({ ...where, title: 't', head: 'slipway/dev/a', base: 'main' });
    const error = await octokit
      .graphql(
        'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }',
        { id: pr.data.node_id },
      )
      .catch((e: unknown) => e);
    expect(isGitHubFailure(error, 'autoMergeNotAllowed')).toBe(true);
  });

  it('keeps one sticky comment over three runs, updating it in place and skipping an identical write', async () => {
    const { where, full } = await newRepo({ 'a.txt': '1\n' });
    const octokit = client();
    await commitThroughApi(octokit, where, 'feature', { 'a.txt': '2\n' });
    await octokit.rest.pulls.create({ ...where, title: 't', head: 'feature', base: 'main' });
    // 150 comments by people first: the sticky one lands on the second page of 100.
    for (let i = 0; i < 150; i++) sim().addComment(full, 1, `comment ${i}`);
    sim().clearRequests();
    const target = { ...where, issueNumber: 1, marker: 'slipway:accuracy-test' };
    const first = await upsertStickyComment(octokit, { ...target, body: 'accuracy 0.91' });
    const second = await upsertStickyComment(octokit, { ...target, body: 'accuracy 0.93' });
    const third = await upsertStickyComment(octokit, { ...target, body: 'accuracy 0.93' });
    expect([first.action, second.action, third.action]).toEqual(['created', 'updated', 'unchanged']);
    expect(new Set([first.commentId, second.commentId, third.commentId]).size).toBe(1);
    const mine = sim()
      .comments(full, 1)
      .filter((c) => c.body.includes('slipway-sticky'));
    expect(mine.map((c) => c.body)).toEqual([
      '<!-- slipway-sticky: slipway:accuracy-test -->\naccuracy 0.93',
    ]);
    expect(sim().countRequests({ operationId: 'issues/create-comment' })).toBe(1);
    expect(sim().countRequests({ operationId: 'issues/update-comment' })).toBe(1);
  });
});

describe('createGitHubClient survives the faults GitHub really produces', () => {
  const getMain = (octokit: GitHubClient, where: { owner: string; repo: string }) =>
    octokit.rest.git.getRef({ ...where, ref: 'heads/main' });

  it('retries a 502 and gets the answer', async () => {
    const { where } = await newRepo();
    sim().inject({ path: 'git/get-ref', status: 502, times: 2 });
    const { data } = await getMain(client(), where);
    expect(data.ref).toBe('refs/heads/main');
    expect(sim().requests.map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('waits out a 429 for as long as retry-after says, then retries', async () => {
    const { where } = await newRepo();
    sim().inject({ path: 'git/get-ref', status: 429, retryAfter: 3 });
    await getMain(client({ retryDelayUnitMs: 20 }), where);
    const [limited, retried] = sim().requests;
    expect([limited?.status, retried?.status]).toEqual([429, 200]);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(3 * 20);
  });

  it('waits out GitHub’s secondary rate limit (403) and a primary limit, then retries', async () => {
    const { where } = await newRepo();
    sim().inject({ path: 'git/get-ref', status: 403, secondaryRateLimit: true, retryAfter: 1 });
    sim().inject({ path: 'git/get-ref', status: 403, secondaryRateLimit: false, retryAfter: 1 });
    await getMain(client(), where);
    expect(sim().requests.map((r) => r.status)).toEqual([403, 403, 200]);
  });

  it('retries a write whose answer was lost after GitHub applied it, without doubling it', async () => {
    const { where, path } = await newRepo();
    sim().inject({ path: 'git/create-blob', status: 502, when: 'after' });
    const blob = await client().rest.git.createBlob({ ...where, content: 'same bytes\n' });
    expect(sim().requests.map((r) => r.status)).toEqual([502, 201]);
    const expected = createHash('sha1').update('blob 11\0same bytes\n').digest('hex');
    expect(blob.data.sha).toBe(expected);
    const stored = await run('git', ['-C', path, 'cat-file', 'blob', expected]);
    expect(stored.stdout).toBe('same bytes\n');
  });

  it('gives up on a 502 that does not go away, with a clear message after a bounded number of attempts', async () => {
    const { where } = await newRepo();
    sim().inject({ path: 'git/get-ref', status: 502, times: Number.POSITIVE_INFINITY });
    const error = await getMain(client(), where).catch((e: unknown) => e);
    expect(sim().requests).toHaveLength(4);
    expect(describeGitHubFailure(error)).toMatch(
      new RegExp(
        `^GitHub API GET ${sim().url}/repos/acme/${where.repo}/git/ref/heads%2Fmain failed with 502: Server Error after 4 attempts\\.$`,
      ),
    );
    expect(describeGitHubFailure(error)).not.toContain('ghs_test');
  });

  it('talks to GitHub Enterprise Server through its /api/v3 base URL', async () => {
    const { where, full } = await newRepo();
    const { data } = await client({ baseUrl: sim().enterpriseUrl }).rest.repos.get(where);
    expect(data).toMatchObject({ full_name: full, default_branch: 'main', allow_auto_merge: true });
  });
});
