// Two runs proposing different versions of one model to one environment at the same time, while GitHub
// loses the answer to one of their writes: whatever the order, the run ends with one pull request whose
// title, machine-readable block and branch all name the same, newer version. Twenty rounds per lost
// answer, each on a fresh repository, and no round may end inconsistent.
import { openEnvironmentPr, parseMarker } from '@slipway/core/environments';
import { createGitHubClient } from '@slipway/core/github';
import { describe, expect, it } from 'vitest';
import { git, useGitHubSim } from '../github-sim/index.js';
import { branch, environmentRepoFiles, manifestPath } from './open-environment-pr.fixtures.js';

const sim = useGitHubSim();
const rounds = 20;
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

/** Proposes 1.3.0 and 1.4.0 together (after 1.2.5 already, when `existing`), losing one answer. */
async function race(lostAnswerTo: string, existing: boolean) {
  const repository = `acme/races-${++repoCount}`;
  const { path } = await sim().createRepo(repository, environmentRepoFiles());
  const propose = (version: string, hex: string) =>
    openEnvironmentPr(client(), { repository, environment: 'dev', release: release(version, hex) });
  if (existing) expect((await propose('1.2.5', '2')).outcome).toBe('opened');
  sim().inject({ path: lostAnswerTo, status: 502, when: 'after' });
  const outcomes = await Promise.allSettled([propose('1.3.0', '3'), propose('1.4.0', '4')]);
  const pulls = sim()
    .pulls(repository)
    .filter((p) => p.state === 'open');
  const manifest = (await git(path, ['show', `${branch}:${manifestPath}`])).toString('utf8');
  return { outcomes, pulls, manifest };
}

describe('open-environment-pr when two runs race and an answer is lost', () => {
  for (const lostAnswerTo of ['pulls/create', 'graphql']) {
    it(`keeps title, record and branch on the newer version when the answer to ${lostAnswerTo} is lost`, async () => {
      const inconsistent: string[] = [];
      for (let round = 0; round < rounds; round++) {
        const { outcomes, pulls, manifest } = await race(lostAnswerTo, round % 2 === 1);
        const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
        expect(failed, `round ${round}`).toEqual([]);
        expect(pulls, `round ${round}`).toHaveLength(1);
        const [pull] = pulls;
        const marker = parseMarker(pull!.body);
        const state = `title "${pull!.title}", record ${marker?.version}, branch ${/slipway\.dev\/version: '([^']+)'/.exec(manifest)?.[1]}`;
        if (
          !pull!.title.endsWith('1.4.0 to dev') ||
          marker?.version !== '1.4.0' ||
          !manifest.includes("slipway.dev/version: '1.4.0'")
        )
          inconsistent.push(`round ${round}: ${state}`);
      }
      expect(inconsistent).toEqual([]);
    }, 120_000);
  }
});

describe('open-environment-pr after a run that stopped half-way', () => {
  async function repository() {
    const name = `acme/half-way-${++repoCount}`;
    const { path } = await sim().createRepo(name, environmentRepoFiles());
    const propose = (version: string, hex: string) =>
      openEnvironmentPr(client(), { repository: name, environment: 'dev', release: release(version, hex) });
    const head = async () => (await git(path, ['rev-parse', branch])).toString('utf8').trim();
    const manifest = async () => (await git(path, ['show', `${branch}:${manifestPath}`])).toString('utf8');
    return { name, propose, head, manifest };
  }

  it('does not take an older version back over a newer commit whose record a stopped run never wrote', async () => {
    const env = await repository();
    expect((await env.propose('1.3.0', '3')).outcome).toBe('opened');
    const [pull] = sim().pulls(env.name);
    const older = { title: pull!.title, body: pull!.body ?? '' };
    expect((await env.propose('1.4.0', '4')).outcome).toBe('updated');
    const newer = await env.head();
    // What a run cancelled between moving the branch and rewriting the text leaves: 1.4.0's commit under
    // 1.3.0's title and record.
    const [owner, repo] = env.name.split('/') as [string, string];
    await client().rest.pulls.update({ owner, repo, pull_number: pull!.number, ...older });

    const again = await env.propose('1.3.0', '3');
    expect(again.outcome).toBe('superseded');
    expect(again.message).toContain('newer iris 1.4.0');
    expect(await env.head()).toBe(newer);

    // The newer version's next run brings the text back in line with its branch.
    expect((await env.propose('1.4.0', '4')).outcome).toBe('updated');
    const [fixed] = sim().pulls(env.name);
    expect(fixed!.title).toMatch(/1\.4\.0 to dev$/);
    expect(parseMarker(fixed!.body)?.version).toBe('1.4.0');
    expect(await env.manifest()).toContain("slipway.dev/version: '1.4.0'");
  });

  it('moves its branch back when GitHub keeps refusing to rewrite the pull request that describes it', async () => {
    const env = await repository();
    expect((await env.propose('1.3.0', '3')).outcome).toBe('opened');
    const before = await env.head();
    sim().inject({ path: 'pulls/update', status: 502, times: Number.POSITIVE_INFINITY });
    await expect(env.propose('1.4.0', '4')).rejects.toThrow();
    const [pull] = sim().pulls(env.name);
    expect(pull!.title).toMatch(/1\.3\.0 to dev$/);
    expect(parseMarker(pull!.body)?.version).toBe('1.3.0');
    expect(await env.head()).toBe(before);
    expect(await env.manifest()).toContain("slipway.dev/version: '1.3.0'");
  });
});
