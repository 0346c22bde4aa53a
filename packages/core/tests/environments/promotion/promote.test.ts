import { renderMarker } from '@slipway/core/environments';
import { type ObservedStatus, promote } from '@slipway/core/environments/promotion';
import { describe, expect, it } from 'vitest';

// A promotion run against a recording fake of GitHub: the two reads of the snapshot and the statuses posted.

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const config = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
    policy:
      verify: ["argocd/ml-{environment}"]
  - name: staging
    policy:
      auto-promote: true
      verify: ["argocd/ml-{environment}"]
  - name: prod
    policy:
      auto-promote: true
      soak: 24h
      verify: ["argocd/ml-{environment}"]
      freeze:
        - rrule: FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0
          duration: 64h
          timezone: Europe/Berlin
          reason: weekend change freeze
models:
  - name: iris
`;
const manifest = (c: string, version?: string) => `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: iris
  annotations:
    slipway.dev/model: iris
${version ? `    slipway.dev/version: ${version}\n` : ''}    slipway.dev/artifact-digest: ${digest(c)}
spec:
  predictor:
    model:
      storageUri: oci://ghcr.io/acme/models/iris@${digest(c)}
`;
const ok = (context: string, description: string, createdAt: string): ObservedStatus => ({
  context,
  state: 'success',
  description,
  createdAt,
});

interface World {
  /** Each environment's manifest of iris on main. */
  readonly manifests: Record<string, string>;
  /** Argo CD's statuses on main's tip. */
  readonly main: readonly ObservedStatus[];
  /** The open promotion pull request into prod, proposing bbbb…, and the statuses on its head. */
  readonly prod: readonly ObservedStatus[];
}

/** Runs promote over the world; returns what it posted, in order, and how it ended. */
async function run(world: World, now: string) {
  const posted: { context: string; state: string }[] = [];
  const upper = (s: ObservedStatus) => ({ ...s, state: s.state.toUpperCase() });
  const octokit = {
    async graphql(query: string) {
      if (query.includes('SlipwayPromotionSnapshot'))
        return {
          repository: {
            id: 'R',
            ref: { target: { oid: 'main1', status: { contexts: world.main.map(upper) } } },
            config: { text: config },
            pullRequests: {
              nodes: [
                {
                  number: 7,
                  url: 'https://github.com/acme/envs/pull/7',
                  title: 'Promote iris 2.0.0 to prod',
                  body: renderMarker({
                    environment: 'prod',
                    model: 'iris',
                    version: '2.0.0',
                    artifactDigest: digest('b'),
                    content: 'x',
                    base: 'b',
                    commit: 'c',
                  }),
                  isDraft: false,
                  headRefName: 'slipway/prod/iris',
                  headRefOid: 'head7',
                  commits: { nodes: [{ commit: { status: { contexts: world.prod.map(upper) } } }] },
                },
              ],
              pageInfo: { hasNextPage: false, endCursor: null },
            },
          },
        };
      if (query.includes('SlipwayManifests')) {
        const files = [...query.matchAll(/(f\d+): object\(expression: "main1:([^/]+)\/[^"]+"/g)];
        return {
          repository: Object.fromEntries(
            files.map(([, field, env]) => [
              field,
              world.manifests[env!] ? { text: world.manifests[env!] } : null,
            ]),
          ),
        };
      }
      throw new Error(`unexpected query ${query.slice(0, 60)}`);
    },
    rest: {
      repos: {
        async createCommitStatus(status: { context: string; state: string }) {
          posted.push({ context: status.context, state: status.state });
        },
      },
    },
  } as unknown as Parameters<typeof promote>[0];
  const outcome = await promote(octokit, { repository: 'acme/envs', now: new Date(now) }).then(
    (result) => ({ result }),
    (error: Error) => ({ error }),
  );
  return { posted, ...outcome };
}

// Staging runs 2.0.0 (bbbb…), verified there Thursday 14:58 UTC; prod runs 1.0.0 (aaaa…).
const thursday = '2026-12-03T14:58:00Z';
const world: World = {
  manifests: { dev: manifest('b', '2.0.0'), staging: manifest('b', '2.0.0'), prod: manifest('a', '1.0.0') },
  main: [ok('argocd/ml-staging', 'Synced and Healthy', thursday)],
  prod: [
    ok('slipway/verified', 'Verified in staging at 2026-12-03T14:58:00.000Z', thursday),
    { context: 'slipway/soak', state: 'pending', description: 'Soaking.', createdAt: thursday },
    ok('slipway/freeze', 'No freeze window in force.', thursday),
    ok('slipway/hold', 'iris is not held in prod.', thursday),
  ],
};

describe('promote', () => {
  it('posts a gate that turns pending before one that turns green, so all four are never green in between', async () => {
    // Friday 15:05 UTC: the 24h soak ended at 14:58, and the weekend freeze began at 16:00 Berlin (15:00 UTC).
    const { posted, result } = await run(world, '2026-12-04T15:05:00Z');
    expect(result).toBeDefined();
    expect(posted).toEqual([
      { context: 'slipway/freeze', state: 'pending' },
      { context: 'slipway/soak', state: 'success' },
    ]);
    const live = new Map(world.prod.map((s) => [s.context, s.state as string]));
    for (const status of posted) {
      live.set(status.context, status.state);
      expect([...live.values()].every((state) => state === 'success')).toBe(false);
    }
  });

  it('withdraws verified from a promotion whose artifact staging was rolled back from', async () => {
    // Dev and staging went back to 1.0.0 (aaaa…) and Argo CD reports it healthy; the PR still proposes 2.0.0.
    const rolledBack = {
      ...world,
      manifests: { ...world.manifests, dev: manifest('a', '1.0.0'), staging: manifest('a', '1.0.0') },
      main: [ok('argocd/ml-staging', 'Synced and Healthy', '2026-12-04T09:00:00Z')],
    };
    const { posted, result, error } = await run(rolledBack, '2026-12-04T12:00:00Z');
    expect(error).toBeUndefined();
    expect(posted).toEqual([
      { context: 'slipway/verified', state: 'pending' },
      { context: 'slipway/soak', state: 'pending' },
    ]);
    expect(result?.gates[0]?.gates[0]?.description).toBe(
      'staging no longer runs bbbbbbbbbbbb (it runs aaaaaaaaaaaa); this PR waits until it does (or promote what runs there now, or close it).',
    );
  });

  it('still sets the gates of every pull request when one promotion fails, then fails with its error', async () => {
    // dev runs an iris deployed by hand (no slipway.dev/version): promoting it into staging cannot work.
    const broken = { ...world, manifests: { ...world.manifests, dev: manifest('c') } };
    const { posted, error } = await run(broken, '2026-12-04T15:05:00Z');
    expect(posted).toContainEqual({ context: 'slipway/freeze', state: 'pending' });
    expect(error?.message).toMatch(/\(dev\/iris\): the manifest has no slipway\.dev\/version annotation/);
  });
});
