// accuracy-test on a pull request: one sticky comment with the report, edited in place on re-runs, against
// the GitHub API simulator. The iris example compares with prod by default; these runs compare with nothing
// (accuracy-test-deployed-baseline.test.ts covers the deployed baseline).

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../packages/core/src/github/index.js';
import { useGitHubSim } from '../github-sim/index.js';
import { cleanupAll, failureOf, fixtures, irisWorkspace, runAccuracyTest } from './accuracy-test.helpers.js';

// The token's user; the default `slipway-sim[bot]` login yields user URLs the simulator's own check rejects.
const sim = useGitHubSim({ login: 'acme-ci' });
afterAll(cleanupAll);

/** A repository with an open pull request, as the pull_request event describes it. */
async function openPullRequest(fullName: string): Promise<number> {
  await sim().createRepo(fullName, { 'README.md': '# vision\n' });
  await sim().pushCommit(fullName, { branch: 'retrain', files: { 'model.txt': 'v2\n' } });
  const [owner, repo] = fullName.split('/') as [string, string];
  const octokit = createGitHubClient({ token: 'setup-token', baseUrl: sim().url, retryDelayUnitMs: 1 });
  const pull = await octokit.rest.pulls.create({
    owner,
    repo,
    head: 'retrain',
    base: 'main',
    title: 'Retrain the model',
  });
  return pull.data.number;
}

function pullRequestRun(fullName: string, number: number) {
  return {
    eventName: 'pull_request',
    event: { action: 'synchronize', number, pull_request: { number } },
    env: { GITHUB_REPOSITORY: fullName, GITHUB_API_URL: sim().url },
  } as const;
}

describe('accuracy-test on a pull request', () => {
  it('keeps one report comment on the pull request, updated in place on every re-run', async () => {
    const fullName = 'acme/vision-sticky';
    const number = await openPullRequest(fullName);
    sim().addComment(fullName, number, 'Looks good to me');
    const token = 'ghs_accuracySecret123';

    const workspace = await irisWorkspace();
    const first = await runAccuracyTest(
      workspace,
      { 'github-token': token, baseline: 'none' },
      pullRequestRun(fullName, number),
    );
    expect(failureOf(first)).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.masks).toContain(token);
    const logged = first.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(logged.join('\n')).not.toContain(token.slice(4));
    let comments = sim().comments(fullName, number);
    expect(comments).toHaveLength(2);
    expect(comments[1]!.body).toContain('<!-- slipway-sticky: slipway:accuracy-test:slipway.yaml -->');
    expect(comments[1]!.body).toContain('## ✅ Accuracy test passed: iris-classifier 1.0.0');
    expect(first.stdout).toMatch(/Report comment created/);

    // A re-run after a change that fails a gate edits the same comment.
    const failing = await irisWorkspace((config) =>
      config.setIn(['test-sets', 1, 'thresholds', 0, 'value'], 0.99),
    );
    const second = await runAccuracyTest(
      failing,
      { 'github-token': token, baseline: 'none' },
      pullRequestRun(fullName, number),
    );
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toMatch(/Report comment updated/);
    comments = sim().comments(fullName, number);
    expect(comments).toHaveLength(2);
    expect(comments[0]!.body).toBe('Looks good to me');
    expect(comments[1]!.body).toContain('## ❌ Accuracy test failed');
  });

  it('shows a slice name from the predictions as text, so it cannot fake a verdict or hide the comment', async () => {
    const fullName = 'acme/vision-hostile';
    const number = await openPullRequest(fullName);
    // The slice, as slipway.yaml names it and the predictions tag it (see bad_predictions.py).
    const hostile = 'x\n\n## ✅ Accuracy test passed\n\n<!-- ';
    const workspace = await irisWorkspace((config) =>
      config.setIn(['test-sets', 0, 'slices'], config.createNode([{ name: hostile }])),
    );
    const result = await runAccuracyTest(
      workspace,
      {
        'github-token': 'ghs_hostile123',
        baseline: 'none',
        command: `python3 ${join(fixtures, 'bad_predictions.py')} hostile-slice`,
        'test-sets': 'holdout',
      },
      pullRequestRun(fullName, number),
    );
    expect(failureOf(result)).toBe('');
    const body = sim().comments(fullName, number)[0]!.body;
    // Slipway's own marker is the only HTML comment; the one heading is Slipway's verdict.
    expect(body.match(/<!--/g)).toHaveLength(1);
    expect(body.split('\n').filter((line) => line.startsWith('## '))).toEqual([
      '## ✅ Accuracy test passed: iris-classifier 1.0.0',
    ]);
    // Inside a table cell '##' starts no heading, so it stays as typed; the HTML comment opener is shown, not used.
    expect(body).toContain('| x  ## ✅ Accuracy test passed  &lt;\\!--  | 3 |');
  });

  it('does not fail a passing evaluation when the comment cannot be written', async () => {
    const fullName = 'acme/vision-forked';
    const number = await openPullRequest(fullName);
    // GitHub refuses the write for an hour (a primary rate limit): the client gives up instead of waiting.
    sim().inject({
      path: 'issues/create-comment',
      status: 403,
      secondaryRateLimit: false,
      retryAfter: 3600,
      times: Infinity,
    });
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(
      workspace,
      { 'github-token': 'ghs_readOnly', baseline: 'none' },
      pullRequestRun(fullName, number),
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputs.passed).toBe('true');
    expect(
      result.annotations.some(
        (a) => a.command === 'warning' && /Could not post the report comment/.test(a.message),
      ),
    ).toBe(true);
    expect(sim().comments(fullName, number)).toHaveLength(0);
  });

  it('posts no comment outside pull requests', async () => {
    const fullName = 'acme/vision-push';
    const number = await openPullRequest(fullName);
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(
      workspace,
      { 'github-token': 'ghs_x', baseline: 'none' },
      { env: { GITHUB_REPOSITORY: fullName, GITHUB_API_URL: sim().url } },
    );
    expect(result.exitCode).toBe(0);
    expect(sim().comments(fullName, number)).toHaveLength(0);
  });
});
