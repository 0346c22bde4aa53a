// The whole promotion story, each step the bundled action run as the runner runs it, against the GitHub
// simulator (held to GitHub's OpenAPI description) and a real OCI registry: publish → proposal to dev →
// auto-merge → promotion on push → verification from Argo CD's status → soak → a reviewer merges → prod
// as a draft → freeze → only the newest version proposed afterwards.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { cleanupRun, runAction } from '../harness/run-action.js';
import { showFile } from './open-environment-pr.fixtures.js';
import {
  actingAs,
  argoCdReports,
  environmentRepository,
  fridayEvening,
  headOf,
  runPromote,
  statusesOn,
} from './promote.helpers.js';
import { evalReport, makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const sim = useGitHubSim();
const envs = 'acme/story-envs';
const [owner, repo] = envs.split('/') as [string, string];
const hours = (n: number) => n * 3600_000;

/** publish-model to the real registry, then open-environment-pr to dev: the project's own workflow. */
async function publishAndProposeToDev(version: string, artifactRepository: string) {
  const project = await makeProject({ registry, repository: artifactRepository, version });
  try {
    await writeFile(join(project, 'eval-report.json'), evalReport());
    const published = await runAction('publish-model', {
      workspace: project,
      inputs: { report: 'eval-report.json' },
    });
    expect(published.exitCode, published.stdout + published.stderr).toBe(0);
    const proposed = await runAction('open-environment-pr', {
      workspace: project,
      inputs: {
        repository: envs,
        environment: 'dev',
        reference: published.outputs.reference!,
        'eval-report-digest': published.outputs['report-digest']!,
        token: 'ghs_projectInstallationToken',
        'base-url': sim().url,
      },
    });
    await Promise.all([cleanupRun(published), cleanupRun(proposed)]);
    expect(proposed.exitCode, proposed.stdout + proposed.stderr).toBe(0);
    return {
      digest: published.outputs.digest!,
      reportDigest: published.outputs['report-digest']!,
      pr: Number(proposed.outputs['pull-request-number']),
    };
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

describe('promotion by merging pull requests', () => {
  it('takes a model from dev through staging to a prod draft, gated by verification, soak and freeze', async () => {
    const { path } = await environmentRepository(sim(), envs);
    const artifactRepository = uniqueRepository('iris');

    // 1. publish → proposal to dev, with auto-merge on; nothing merges before the gates are set.
    const v1 = await publishAndProposeToDev('1.3.0', artifactRepository);
    expect(sim().pulls(envs)[0]).toMatchObject({ state: 'open', autoMerge: { mergeMethod: 'squash' } });

    // 2. The scheduled promoter sets the dev PR's gates; the last one green fires auto-merge.
    const scheduled = await runPromote(sim(), envs, 'schedule');
    expect(scheduled.exitCode, scheduled.stdout + scheduled.stderr).toBe(0);
    const devPr = sim()
      .pulls(envs)
      .find((p) => p.number === v1.pr)!;
    expect(devPr.mergedAt).not.toBeNull();
    expect(devPr.mergedBy?.login).toBe('slipway-sim[bot]');
    const devDeploy = (await sim().repo(envs).git.readRef('refs/heads/main'))!;

    // 3. The push of that merge: the promoter opens the staging PR with the exact dev record.
    const pushed = await runPromote(sim(), envs, 'push');
    expect(pushed.exitCode, pushed.stdout + pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.outputs.promotions!)).toEqual([
      expect.objectContaining({
        environment: 'staging',
        model: 'iris',
        from: ['dev'],
        version: '1.3.0',
        outcome: 'opened',
      }),
      expect.objectContaining({ environment: 'prod', outcome: 'nothing-upstream' }),
    ]);
    const stagingPr = sim()
      .pulls(envs)
      .find((p) => p.head === 'slipway/staging/iris')!;
    const devManifest = await showFile(path, 'main', 'dev/iris/inferenceservice.yaml');
    const stagingManifest = await showFile(
      path,
      'slipway/staging/iris',
      'staging/iris/inferenceservice.yaml',
    );
    const annotations = (text: string) =>
      text.split('\n').filter((l) => /^\s*(slipway\.dev\/[a-z-]+|storageUri):/.test(l));
    expect(annotations(stagingManifest)).toEqual(annotations(devManifest));
    expect(stagingManifest).toContain(`slipway.dev/eval-report-digest: ${v1.reportDigest}`);
    expect(stagingPr.body).toContain(`Deployed to dev by [#${v1.pr}]`);
    expect(stagingPr.body).toContain('Merged by: @slipway-sim[bot]');
    expect(stagingPr.body).toContain('"from": "dev"');
    const stagingHead = await headOf(sim(), envs, 'slipway/staging/iris');
    expect(statusesOn(sim(), envs, stagingHead)['slipway/verified']).toEqual({
      state: 'pending',
      description: 'Awaiting argocd/iris-dev to report success in dev.',
    });
    expect(stagingPr.requestedReviewers).toEqual(['alice']);

    // 4. Argo CD reports dev healthy on the commit it synced; the next scheduled run marks it verified.
    await argoCdReports(sim(), envs, 'iris-dev', 'success', devDeploy);
    const verifiedAt = Date.now();
    const verifying = await runPromote(sim(), envs, 'schedule');
    expect(verifying.exitCode, verifying.stdout + verifying.stderr).toBe(0);
    const afterVerify = statusesOn(sim(), envs, stagingHead);
    expect(afterVerify['slipway/verified']?.state).toBe('success');
    expect(afterVerify['slipway/soak']?.state).toBe('pending');
    expect(afterVerify['slipway/soak']?.description).toMatch(
      /^Soaking until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(2h after verified upstream\)\.$/,
    );

    // Nothing merges early, whoever clicks.
    const alice = actingAs(sim(), 'alice');
    await alice.rest.pulls.createReview({ owner, repo, pull_number: stagingPr.number, event: 'APPROVE' });
    await expect(
      alice.rest.pulls.merge({ owner, repo, pull_number: stagingPr.number, merge_method: 'squash' }),
    ).rejects.toMatchObject({
      status: 405,
      message: expect.stringContaining('Required status check "slipway/soak" is expected.'),
    });

    // 5. The clock passes the soak; the scheduled run turns it green and the reviewer merges.
    const later = new Date(verifiedAt + hours(3));
    const soaked = await runPromote(sim(), envs, 'schedule', { now: later });
    expect(soaked.exitCode, soaked.stdout + soaked.stderr).toBe(0);
    expect(statusesOn(sim(), envs, stagingHead)['slipway/soak']?.state).toBe('success');
    await alice.rest.pulls.merge({ owner, repo, pull_number: stagingPr.number, merge_method: 'squash' });
    const stagingDeploy = (await sim().repo(envs).git.readRef('refs/heads/main'))!;

    // 6. The push of the staging merge: prod is proposed as a draft and auto-merge stays off.
    const toProd = await runPromote(sim(), envs, 'push', { now: later });
    expect(toProd.exitCode, toProd.stdout + toProd.stderr).toBe(0);
    const prodPr = sim()
      .pulls(envs)
      .find((p) => p.head === 'slipway/prod/iris')!;
    expect(prodPr).toMatchObject({ draft: true, autoMerge: null, state: 'open' });
    expect(prodPr.body).toContain(`Deployed to staging by [#${stagingPr.number}]`);
    expect(prodPr.body).toContain('Approved by: @alice');
    expect(prodPr.body).toContain('Merged by: @alice');
    expect(await showFile(path, 'slipway/prod/iris', 'prod/iris/inferenceservice.yaml')).toContain(
      `@${v1.digest}`,
    );

    // 7. A weekend freeze keeps prod pending, saying until when, even once staging is verified.
    await argoCdReports(sim(), envs, 'iris-staging', 'success', stagingDeploy);
    const friday = fridayEvening(new Date(later.getTime() + hours(24)));
    const frozen = await runPromote(sim(), envs, 'repository_dispatch', { now: friday });
    expect(frozen.exitCode, frozen.stdout + frozen.stderr).toBe(0);
    const prodHead = await headOf(sim(), envs, 'slipway/prod/iris');
    const prodGates = statusesOn(sim(), envs, prodHead);
    expect(prodGates['slipway/verified']?.state).toBe('success');
    expect(prodGates['slipway/freeze']).toMatchObject({ state: 'pending' });
    expect(prodGates['slipway/freeze']?.description).toMatch(
      /^Frozen until \d{4}-\d\d-\d\d 0[67]:00 UTC: weekend change freeze/,
    );
    expect(
      sim()
        .pulls(envs)
        .find((p) => p.number === prodPr.number)?.mergedAt,
    ).toBeNull();
  });
});
