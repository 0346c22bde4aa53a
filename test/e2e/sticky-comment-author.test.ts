// The sticky report comment is found by the hidden marker on its first line, which anyone can type. A
// marker in someone else's comment must not make Slipway write its report there: that comment stays its
// author's to edit, into a passing verdict if they like.
import { describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../packages/core/src/github/index.js';
import { stickyMarkerLine, upsertStickyComment } from '../../packages/core/src/github/sticky-comment.js';
import { useGitHubSim } from '../github-sim/index.js';

// The token acts as the simulator's viewer, an app's bot, as GITHUB_TOKEN acts as github-actions[bot].
const sim = useGitHubSim({ login: 'acme-ci' });
const marker = 'slipway:accuracy-test:slipway.yaml';

async function openPullRequest(fullName: string): Promise<number> {
  await sim().createRepo(fullName, { 'README.md': '# vision\n' });
  await sim().pushCommit(fullName, { branch: 'retrain', files: { 'model.txt': 'v2\n' } });
  const [owner, repo] = fullName.split('/') as [string, string];
  const pull = await client().rest.pulls.create({
    owner,
    repo,
    head: 'retrain',
    base: 'main',
    title: 'Retrain',
  });
  return pull.data.number;
}

const client = () => createGitHubClient({ token: 'ghs_sticky', baseUrl: sim().url, retryDelayUnitMs: 1 });

function upsert(fullName: string, issueNumber: number, body: string) {
  const [owner, repo] = fullName.split('/') as [string, string];
  return upsertStickyComment(client(), { owner, repo, issueNumber, marker, body });
}

describe('the sticky report comment', () => {
  it('ignores a marker planted in another user’s comment, and writes its own comment instead', async () => {
    const fullName = 'acme/sticky-planted';
    const number = await openPullRequest(fullName);
    const planted = `${stickyMarkerLine(marker)}\n## ✅ Accuracy test passed: probe`;
    sim().addComment(fullName, number, planted, 'mallory');
    sim().clearRequests();

    const result = await upsert(fullName, number, '## ❌ Accuracy test failed: probe');
    expect(result.action).toBe('created');
    const comments = sim().comments(fullName, number);
    expect(comments.map((c) => [c.user.login, c.body.split('\n')[1]])).toEqual([
      ['mallory', '## ✅ Accuracy test passed: probe'],
      ['acme-ci', '## ❌ Accuracy test failed: probe'],
    ]);
    // As many requests as before: one page of comments, one write.
    expect(sim().countRequests({ operationId: 'issues/list-comments' })).toBe(1);
    expect(sim().countRequests({ method: 'POST' })).toBe(1);
    expect(sim().countRequests({ method: 'PATCH' })).toBe(0);
  });

  it('updates its own comment in place on a re-run, with one read and one write', async () => {
    const fullName = 'acme/sticky-own';
    const number = await openPullRequest(fullName);
    sim().addComment(fullName, number, `${stickyMarkerLine(marker)}\nplanted`, 'mallory');
    const first = await upsert(fullName, number, 'first report');
    sim().clearRequests();

    const second = await upsert(fullName, number, 'second report');
    expect(second).toMatchObject({ action: 'updated', commentId: first.commentId });
    expect(
      sim()
        .comments(fullName, number)
        .map((c) => c.body.split('\n')[1]),
    ).toEqual(['planted', 'second report']);
    expect(sim().countRequests()).toBe(2);
  });
});
