// The simulator's commit statuses, branch protection, reviews and auto-merge, held to GitHub's OpenAPI
// description like every other route (useGitHubSim fails a test on any violation).
import { createGitHubClient } from '@slipway/core/github';
import { describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { actingAs } from './promote.helpers.js';

const sim = useGitHubSim();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('GitHub simulator: statuses, protection, reviews, auto-merge', () => {
  it('combines the newest status of each context, as GitHub does', async () => {
    await sim().createRepo('acme/statuses', { 'a.txt': 'a\n' });
    const octokit = createGitHubClient({ token: 't', baseUrl: sim().url, log: quiet });
    const at = { owner: 'acme', repo: 'statuses' };
    const sha = (await sim().repo('acme/statuses').git.readRef('refs/heads/main'))!;
    await octokit.rest.repos.createCommitStatus({ ...at, sha, state: 'pending', context: 'ci' });
    await octokit.rest.repos.createCommitStatus({ ...at, sha, state: 'success', context: 'ci' });
    await octokit.rest.repos.createCommitStatus({ ...at, sha, state: 'pending', context: 'argocd/iris-dev' });
    const combined = await octokit.rest.repos.getCombinedStatusForRef({ ...at, ref: 'main' });
    expect(combined.data).toMatchObject({ state: 'pending', sha, total_count: 2 });
    expect(combined.data.statuses.map((s) => [s.context, s.state])).toEqual([
      ['argocd/iris-dev', 'pending'],
      ['ci', 'success'],
    ]);
    const all = await octokit.rest.repos.listCommitStatusesForRef({ ...at, ref: sha });
    expect(all.data.map((s) => s.state)).toEqual(['pending', 'success', 'pending']);
  });

  it('auto-merges when the last required check turns green, and not before', async () => {
    await sim().createRepo('acme/protected', { 'a.txt': 'a\n' });
    const octokit = createGitHubClient({ token: 't', baseUrl: sim().url, log: quiet });
    const at = { owner: 'acme', repo: 'protected' };
    await octokit.rest.repos.updateBranchProtection({
      ...at,
      branch: 'main',
      required_status_checks: { strict: false, contexts: ['slipway/verified', 'slipway/soak'] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 1 },
      restrictions: null,
    });
    const protection = await octokit.rest.repos.getBranchProtection({ ...at, branch: 'main' });
    expect(protection.data.required_status_checks?.contexts).toEqual(['slipway/verified', 'slipway/soak']);
    const head = await sim().pushCommit('acme/protected', { branch: 'feature', files: { 'b.txt': 'b\n' } });
    const pr = await octokit.rest.pulls.create({ ...at, head: 'feature', base: 'main', title: 'Add b' });
    await octokit.graphql(
      'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { clientMutationId } }',
      {
        id: (
          await octokit.graphql<{ repository: { pullRequest: { id: string } } }>(
            'query { repository(owner: "acme", name: "protected") { pullRequest(number: 1) { id } } }',
          )
        ).repository.pullRequest.id,
      },
    );
    await octokit.rest.repos.createCommitStatus({
      ...at,
      sha: head,
      state: 'success',
      context: 'slipway/verified',
    });
    await octokit.rest.repos.createCommitStatus({
      ...at,
      sha: head,
      state: 'success',
      context: 'slipway/soak',
    });
    expect(sim().pulls('acme/protected')[0]!.mergedAt).toBeNull(); // still needs an approval
    await expect(
      actingAs(sim(), 'grace').rest.pulls.merge({ ...at, pull_number: pr.data.number }),
    ).rejects.toMatchObject({
      status: 405,
      message: expect.stringContaining('approving review'),
    });
    await actingAs(sim(), 'grace').rest.pulls.createReview({
      ...at,
      pull_number: pr.data.number,
      event: 'APPROVE',
    });
    const merged = sim().pulls('acme/protected')[0]!;
    expect(merged.mergedAt).not.toBeNull();
    expect(merged.mergedBy?.login).toBe('slipway-sim[bot]');
    const reviews = await octokit.rest.pulls.listReviews({ ...at, pull_number: pr.data.number });
    expect(reviews.data.map((r) => [r.user?.login, r.state])).toEqual([['grace', 'APPROVED']]);
  });

  it('lists the commits that changed a path and the pull requests that merged them', async () => {
    await sim().createRepo('acme/history', { 'dev/iris.yaml': 'v: 1\n', 'README.md': 'r\n' });
    const octokit = createGitHubClient({ token: 't', baseUrl: sim().url, log: quiet });
    const at = { owner: 'acme', repo: 'history' };
    await sim().pushCommit('acme/history', { branch: 'main', files: { 'README.md': 'r2\n' } });
    await sim().pushCommit('acme/history', { branch: 'deploy', files: { 'dev/iris.yaml': 'v: 2\n' } });
    const pr = await octokit.rest.pulls.create({ ...at, head: 'deploy', base: 'main', title: 'Deploy v2' });
    const merged = await octokit.rest.pulls.merge({
      ...at,
      pull_number: pr.data.number,
      merge_method: 'squash',
    });
    const commits = await octokit.rest.repos.listCommits({ ...at, path: 'dev/iris.yaml' });
    expect(commits.data.map((c) => c.commit.message.split('\n')[0])).toEqual([
      'Deploy v2 (#1)',
      'Initial commit',
    ]);
    const all = await octokit.paginate(octokit.rest.repos.listCommits, { ...at, per_page: 1 });
    expect(all).toHaveLength(3);
    const pulls = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...at,
      commit_sha: merged.data.sha,
    });
    expect(pulls.data.map((p) => p.number)).toEqual([pr.data.number]);
  });
});
