// Promotion pull requests whose upstream moved away, and the upstream record a promotion carries, through
// core's promote (not the bundled action) against the GitHub simulator, held to GitHub's descriptions.
import { openEnvironmentPr } from '@slipway/core/environments';
import { type PromoteResult, promote } from '@slipway/core/environments/promotion';
import { createGitHubClient } from '@slipway/core/github';
import { describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { actingAs, skeletonFiles } from './promote.helpers.js';

const sim = useGitHubSim();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const promoter = () =>
  createGitHubClient({ token: 't', baseUrl: sim().url, retryDelayUnitMs: 1, log: quiet });
const digest = (c: string) => `sha256:${c.repeat(64)}`;
// A Tuesday: no weekend freeze in the skeleton's prod.
const now = new Date('2026-12-01T10:00:00Z');

/** The skeleton's iris manifest in `env`, running `version` of artifact `c…`. */
function manifest(env: string, version: string, c: string): string {
  return skeletonFiles()
    [`${env}/iris/inferenceservice.yaml`]!.replace(
      'slipway.dev/version: 0.0.0',
      `slipway.dev/version: ${version}\n    slipway.dev/artifact-digest: ${digest(c)}`,
    )
    .replace(/iris@sha256:0{64}/, `iris@${digest(c)}`);
}

/** An environment repository where staging and prod run the given versions; main is not protected. */
async function repository(name: string, staging: [string, string], prod: [string, string]) {
  await sim().createRepo(name, {
    ...skeletonFiles(),
    'staging/iris/inferenceservice.yaml': manifest('staging', ...staging),
    'prod/iris/inferenceservice.yaml': manifest('prod', ...prod),
  });
}

const run = (name: string) => promote(promoter(), { repository: name, now, environments: ['prod'] });
const staging = (name: string, version: string, c: string) =>
  sim().pushCommit(name, {
    branch: 'main',
    files: { 'staging/iris/inferenceservice.yaml': manifest('staging', version, c) },
    message: `staging runs iris ${version}`,
  });
const prodPulls = (name: string) =>
  sim()
    .pulls(name)
    .filter((p) => p.head === 'slipway/prod/iris');
const steps = (result: PromoteResult) =>
  result.promotions.map((p) => [p.outcome, p.version, p.pullRequest?.number]);

describe('a promotion whose upstream no longer runs it', () => {
  it('is closed, saying what the upstream runs now, when staging rolls back to what prod runs', async () => {
    const name = 'acme/stale-rolled-back';
    await repository(name, ['2.0.0', 'b'], ['1.0.0', 'a']);
    const opened = await run(name);
    expect(steps(opened)).toEqual([['opened', '2.0.0', 1]]);

    await staging(name, '1.0.0', 'a');
    sim().clearRequests();
    const result = await run(name);
    expect(steps(result)).toEqual([['closed-stale', '2.0.0', 1]]);
    expect(result.promotions[0]!.message).toBe(
      `Closed PR #1 (iris 2.0.0 to prod): no upstream runs iris 2.0.0 (\`${digest('b')}\`) any more (staging runs iris 1.0.0 (\`${digest('a')}\`)), so its \`slipway/verified\` gate cannot pass.`,
    );
    expect(prodPulls(name).map((p) => p.state)).toEqual(['closed']);
    expect(
      sim()
        .comments(name, 1)
        .map((c) => c.body),
    ).toEqual([
      `Closing: no upstream runs iris 2.0.0 (\`${digest('b')}\`) any more (staging runs iris 1.0.0 (\`${digest('a')}\`)), so its \`slipway/verified\` gate cannot pass. prod already runs what staging runs.`,
    ]);
    // No gate is posted on a closed pull request; the close is a comment and one update.
    expect(result.gates).toEqual([]);
    expect(sim().countRequests({ method: 'POST' }) - sim().countRequests({ operationId: 'graphql' })).toBe(1);
    expect(sim().countRequests({ method: 'PATCH' })).toBe(1);
  });

  it('is closed and the older version staging rolled back to is proposed in a new pull request', async () => {
    const name = 'acme/stale-older';
    await repository(name, ['2.0.0', 'b'], ['0.9.0', '9']);
    await run(name);
    await staging(name, '1.0.0', 'a');
    const result = await run(name);
    expect(steps(result)).toEqual([
      ['closed-stale', '2.0.0', 1],
      ['opened', '1.0.0', 2],
    ]);
    expect(sim().comments(name, 1)[0]!.body).toMatch(
      /Slipway proposes what staging runs now \(iris 1\.0\.0\) in a new pull request\.$/,
    );
    expect(prodPulls(name).map((p) => [p.number, p.state])).toEqual([
      [1, 'closed'],
      [2, 'open'],
    ]);
    expect(result.gates.map((g) => g.pullRequest.number)).toEqual([2]);
  });

  it('is replaced in place when staging moves on to a newer version', async () => {
    const name = 'acme/stale-newer';
    await repository(name, ['2.0.0', 'b'], ['1.0.0', 'a']);
    await run(name);
    await staging(name, '3.0.0', 'c');
    const result = await run(name);
    expect(steps(result)).toEqual([['updated', '3.0.0', 1]]);
    expect(prodPulls(name).map((p) => p.state)).toEqual(['open']);
  });

  it('is left open, with a comment saying why, when someone pushed to its branch', async () => {
    const name = 'acme/stale-pushed';
    await repository(name, ['2.0.0', 'b'], ['1.0.0', 'a']);
    await run(name);
    await sim().pushCommit(name, { branch: 'slipway/prod/iris', files: { 'NOTES.md': 'rollout notes\n' } });
    await staging(name, '1.0.0', 'a');
    const result = await run(name);
    expect(steps(result)).toEqual([['stale-left-open', '2.0.0', 1]]);
    expect(prodPulls(name).map((p) => p.state)).toEqual(['open']);
    const [comment] = sim().comments(name, 1);
    expect(comment!.body).toContain('This promotion to prod is stale: no upstream runs iris 2.0.0');
    expect(comment!.body).toContain('which Slipway did not make, so it was left open.');
    // The next run says it again in the same comment, not a new one.
    await run(name);
    expect(sim().comments(name, 1)).toHaveLength(1);
  });
});

describe('the upstream record a promotion carries', () => {
  it('is found from the upstream manifest history when the upstream pull request lost its marker', async () => {
    const name = 'acme/upstream-unmarked';
    await repository(name, ['1.0.0', 'a'], ['1.0.0', 'a']);
    const octokit = promoter();
    const proposed = await openEnvironmentPr(octokit, {
      repository: name,
      environment: 'staging',
      release: {
        model: 'iris',
        version: '2.0.0',
        artifactRepository: 'ghcr.io/acme/models/iris',
        artifactDigest: digest('b'),
      },
    });
    const number = proposed.pullRequest!.number;
    const alice = actingAs(sim(), 'alice');
    const [owner, repo] = name.split('/') as [string, string];
    await alice.rest.pulls.createReview({ owner, repo, pull_number: number, event: 'APPROVE' });
    await alice.rest.pulls.merge({ owner, repo, pull_number: number, merge_method: 'squash' });
    // Someone rewrites the description: the hidden record that matched it by digest is gone.
    await alice.rest.pulls.update({ owner, repo, pull_number: number, body: 'Ships 2.0.0.' });

    const result = await run(name);
    expect(steps(result)).toEqual([['opened', '2.0.0', number + 1]]);
    expect(result.promotions[0]!.warnings).toBeUndefined();
    const body = sim()
      .pulls(name)
      .find((p) => p.number === number + 1)!.body!;
    expect(body).toContain(`Deployed to staging by [#${number}]`);
    expect(body).toContain('Approved by: @alice');
  });

  it('is said to be missing, in the result and the pull request, when no pull request deployed it', async () => {
    const name = 'acme/upstream-pushed';
    await repository(name, ['1.0.0', 'a'], ['1.0.0', 'a']);
    await staging(name, '2.0.0', 'b');
    const result = await run(name);
    expect(steps(result)).toEqual([['opened', '2.0.0', 1]]);
    const warning = `The pull request that deployed ${digest('b')} to staging was not found: none of the last merged pull requests on slipway/staging/iris records it, and commit `;
    expect(result.promotions[0]!.warnings).toEqual([
      expect.stringMatching(
        /, which put it into staging\/iris\/inferenceservice\.yaml, was not merged through a pull request\. Its approvals and evaluation are not carried; check them in staging's history \(slipway history staging\)\.$/,
      ),
    ]);
    expect(result.promotions[0]!.warnings![0]).toContain(warning);
    const body = prodPulls(name)[0]!.body!;
    expect(body).toContain(warning);
    expect(body).toContain('was not merged through a pull request');
  });
});
