import { renderMarker } from '@slipway/core/environments';
import { describe, expect, it } from 'vitest';
import { readUpstreamPull, recordedEvaluation } from '../../../src/environments/promotion/snapshot.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const merged = (number: number, c: string, approver: string) => ({
  number,
  url: `https://github.com/acme/envs/pull/${number}`,
  body: renderMarker({
    environment: 'staging',
    model: 'iris',
    version: `${number}.0.0`,
    artifactDigest: digest(c),
    content: 'x',
    base: 'b',
    commit: 'c',
  }),
  mergedAt: `2026-12-0${number}T10:00:00Z`,
  mergedBy: { login: 'slipway[bot]' },
  mergeCommit: { oid: `merge${number}` },
  reviews: { nodes: [{ author: { login: approver } }] },
});

describe('the upstream pull request a promotion carries', () => {
  it('is the one that deployed the promoted artifact, not a later one since rolled back', async () => {
    // #2 deployed bbbb… (approved by alice); #3 deployed cccc… (approved by bob) and was rolled back.
    const octokit = {
      graphql: async () => ({
        repository: {
          pullRequests: { nodes: [merged(1, 'a', 'carol'), merged(2, 'b', 'alice'), merged(3, 'c', 'bob')] },
        },
      }),
    } as unknown as Parameters<typeof readUpstreamPull>[0];
    const at = { owner: 'acme', repo: 'envs' };
    const pull = await readUpstreamPull(octokit, at, 'slipway/staging/iris', digest('b'));
    expect(pull).toMatchObject({ number: 2, approvedBy: ['alice'], mergeCommit: 'merge2' });
    expect(await readUpstreamPull(octokit, at, 'slipway/staging/iris', digest('d'))).toBeUndefined();
  });
});

describe('the evaluation a promotion carries', () => {
  const block = (evaluation: unknown) =>
    `<details><summary>Machine-readable proposal</summary>\n\n\`\`\`json\n${JSON.stringify({ evaluation })}\n\`\`\`\n</details>`;

  it('is none when the upstream recorded no verdict and no metrics, so no hop claims an evaluation', () => {
    // A promotion whose upstream pull request was not found records only a note, which is no evaluation.
    expect(recordedEvaluation(block({ passed: null, metrics: [] }), 4)).toBeUndefined();
    expect(recordedEvaluation(block({ passed: true, metrics: [] }), 4)).toMatchObject({
      passed: true,
      notes: ['Carried from the upstream pull request #4, which evaluated this exact artifact.'],
    });
  });
});
