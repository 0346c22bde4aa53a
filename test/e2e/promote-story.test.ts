// The whole promotion story, each step the bundled action run as the runner runs it, against the GitHub
// simulator (held to GitHub's OpenAPI description) and a real OCI registry: publish → proposal to dev →
// auto-merge → promotion on push → verification from Argo CD's status → soak → a reviewer merges → prod
// as a draft → freeze → only the newest version proposed afterwards.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { cleanupRun, runAction } from '../harness/run-action.js';
import { commitsAhead, showFile } from './open-environment-pr.fixtures.js';
import {
  actingAs,
  argoCdReports,
  environmentRepository,
  fridayEvening,
  headOf,
  runPromote,
  skeleton,
  statusesOn,
} from './promote.helpers.js';
import { bundleCli, evalReport, makeProject, runCli, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const sim = useGitHubSim();
const envs = 'acme/story-envs';
const [owner, repo] = envs.split('/') as [string, string];
const hours = (n: number) => n * 3600_000;

let cliDir = '';
let cli = '';
beforeAll(async () => {
  cliDir = await mkdtemp(join(tmpdir(), 'slipway-promote-cli-'));
  cli = await bundleCli(cliDir);
});
afterAll(() => rm(cliDir, { recursive: true, force: true }));
const slipway = (args: string[]) =>
  runCli(cli, [...args, '--repository', envs, '--api-url', sim().url], { GITHUB_TOKEN: 'sim-as-carol' });

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
        'eval-report': 'eval-report.json',
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
    expect(stagingPr.body).toContain('All evaluation gates passed.');
    expect(stagingPr.body).toContain(`Carried from the upstream pull request #${v1.pr}`);
    const stagingHead = await headOf(sim(), envs, 'slipway/staging/iris');
    expect(statusesOn(sim(), envs, stagingHead)['slipway/verified']).toEqual({
      state: 'pending',
      description: 'Awaiting argocd/ml-dev to report success in dev.',
    });
    expect(stagingPr.requestedReviewers).toEqual(['alice']);

    // 4. Argo CD reports dev healthy on the commit it synced; the next scheduled run marks it verified.
    await argoCdReports(sim(), envs, 'ml-dev', 'success', devDeploy);
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
    await argoCdReports(sim(), envs, 'ml-staging', 'success', stagingDeploy);
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

    // 8. During the freeze 1.4.0 goes through dev and staging; the prod PR is replaced, not queued behind.
    const v2 = await publishAndProposeToDev('1.4.0', artifactRepository);
    expect((await runPromote(sim(), envs, 'schedule', { now: friday })).exitCode).toBe(0);
    expect(
      sim()
        .pulls(envs)
        .find((p) => p.number === v2.pr)?.mergedAt,
    ).not.toBeNull();
    await argoCdReports(sim(), envs, 'ml-dev', 'success');
    expect((await runPromote(sim(), envs, 'push', { now: friday })).exitCode).toBe(0);
    const staging2 = sim()
      .pulls(envs)
      .find((p) => p.head === 'slipway/staging/iris' && p.state === 'open')!;
    expect(staging2.number).not.toBe(stagingPr.number);
    expect(staging2.title).toBe('Deploy iris 1.3.0 → 1.4.0 to staging');
    const saturday = new Date(friday.getTime() + hours(20));
    expect((await runPromote(sim(), envs, 'schedule', { now: saturday })).exitCode).toBe(0);
    await alice.rest.pulls.createReview({ owner, repo, pull_number: staging2.number, event: 'APPROVE' });
    await alice.rest.pulls.merge({ owner, repo, pull_number: staging2.number, merge_method: 'squash' });
    await argoCdReports(sim(), envs, 'ml-staging', 'success');
    const stillFrozen = await runPromote(sim(), envs, 'push', { now: saturday });
    expect(stillFrozen.exitCode, stillFrozen.stdout + stillFrozen.stderr).toBe(0);
    expect(JSON.parse(stillFrozen.outputs.promotions!)).toEqual([
      expect.objectContaining({
        environment: 'prod',
        version: '1.4.0',
        outcome: 'updated',
        pullRequest: expect.objectContaining({ number: prodPr.number }),
      }),
    ]);

    // 9. After the freeze only the newest version is proposed: one PR, one commit, 1.4.0.
    const monday = new Date(friday.getTime() + hours(66));
    const thawed = await runPromote(sim(), envs, 'schedule', { now: monday });
    expect(thawed.exitCode, thawed.stdout + thawed.stderr).toBe(0);
    const prodHead2 = await headOf(sim(), envs, 'slipway/prod/iris');
    expect(statusesOn(sim(), envs, prodHead2)).toMatchObject({
      'slipway/verified': { state: 'success' },
      'slipway/soak': { state: 'success' },
      'slipway/freeze': { state: 'success', description: 'No freeze window in force.' },
      'slipway/hold': { state: 'success' },
    });
    const openProd = sim()
      .pulls(envs)
      .filter((p) => p.head === 'slipway/prod/iris' && p.state === 'open');
    expect(openProd.map((p) => p.number)).toEqual([prodPr.number]);
    expect(await commitsAhead(path, 'main', 'slipway/prod/iris')).toHaveLength(1);
    expect(await showFile(path, 'slipway/prod/iris', 'prod/iris/inferenceservice.yaml')).toContain(
      `@${v2.digest}`,
    );
    expect(openProd[0]).toMatchObject({ draft: true, autoMerge: null });

    // 10. Someone marks it ready, bob approves and merges: prod runs 1.4.0.
    const bob = actingAs(sim(), 'bob');
    const found = await bob.graphql<{ repository: { pullRequest: { id: string } } }>(
      'query($o: String!, $n: String!, $p: Int!) { repository(owner: $o, name: $n) { pullRequest(number: $p) { id } } }',
      { o: owner, n: repo, p: prodPr.number },
    );
    await bob.graphql(
      'mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { clientMutationId } }',
      { id: found.repository.pullRequest.id },
    );
    await bob.rest.pulls.createReview({ owner, repo, pull_number: prodPr.number, event: 'APPROVE' });
    await bob.rest.pulls.merge({ owner, repo, pull_number: prodPr.number, merge_method: 'squash' });
    await argoCdReports(sim(), envs, 'ml-prod', 'success');

    // 11. trace goes from the prod digest back to the source commit and forward to every environment.
    const traced = await slipway(['trace', 'prod/iris', '--plain-http', '--json']);
    expect(traced.code, traced.stderr).toBe(0);
    const t = JSON.parse(traced.stdout);
    expect(t).toMatchObject({
      artifactDigest: v2.digest,
      version: '1.4.0',
      source: { repository: 'acme/vision', commit: '0123456789abcdef0123456789abcdef01234567' },
      workflowRun: 'https://github.com/acme/vision/actions/runs/4242',
      evalReport: { digest: v2.reportDigest, matches: true, passed: true },
      runningIn: ['dev', 'staging', 'prod'],
    });
    type Deployment = {
      environment: string;
      pullRequest: { number: number; mergedBy: string; approvedBy: string[] };
    };
    expect(
      t.deployments.map((d: Deployment) => [
        d.environment,
        d.pullRequest.number,
        d.pullRequest.approvedBy,
        d.pullRequest.mergedBy,
      ]),
    ).toEqual([
      ['dev', v2.pr, [], 'slipway-sim[bot]'],
      ['staging', staging2.number, ['alice'], 'alice'],
      ['prod', prodPr.number, ['bob'], 'bob'],
    ]);
    const byDigest = await slipway(['trace', v2.digest, '--no-registry', '--json']);
    expect(JSON.parse(byDigest.stdout).runningIn).toEqual(['dev', 'staging', 'prod']);

    // 12. A rollback target never deployed there is refused, and nothing changes.
    const pullsBefore = sim().pulls(envs).length;
    const never = await slipway(['rollback', 'prod', 'iris', '--to', '1.3.0', '--reason', 'latency']);
    expect(never.code).toBe(2);
    expect(never.stderr).toContain("cannot roll back iris in prod: '1.3.0' was never deployed there");
    expect(sim().pulls(envs).length).toBe(pullsBefore);

    // 13. Rollback opens a PR restoring the earlier record byte for byte; merging it sets a hold.
    const rolled = await slipway(['rollback', 'prod', 'iris', '--reason', 'p99 latency doubled', '--json']);
    expect(rolled.code, rolled.stderr).toBe(0);
    const rb = JSON.parse(rolled.stdout);
    expect(rb).toMatchObject({
      outcome: 'opened',
      from: { version: '1.4.0' },
      to: { version: '0.0.0' },
      holds: true,
    });
    expect(await showFile(path, 'slipway/rollback/prod/iris', 'prod/iris/inferenceservice.yaml')).toBe(
      readFileSync(join(skeleton, 'prod/iris/inferenceservice.yaml'), 'utf8'),
    );
    expect((await runPromote(sim(), envs, 'schedule', { now: monday })).exitCode).toBe(0);
    await bob.rest.pulls.createReview({ owner, repo, pull_number: rb.pullRequest.number, event: 'APPROVE' });
    await bob.rest.pulls.merge({ owner, repo, pull_number: rb.pullRequest.number, merge_method: 'squash' });
    expect(await showFile(path, 'main', 'slipway.yaml')).toMatch(
      /holds:\n {2}- environment: prod\n {4}model: iris\n {4}reason: "rolled back to 0\.0\.0: p99 latency doubled"/,
    );

    // 14. The next auto-promotion into prod is skipped, with the reason.
    const skipped = await runPromote(sim(), envs, 'push', { now: monday });
    expect(skipped.exitCode, skipped.stdout + skipped.stderr).toBe(0);
    const reason =
      'iris is held in prod (rolled back to 0.0.0: p99 latency doubled); 1.4.0 from staging is not proposed until the hold is released.';
    expect(JSON.parse(skipped.outputs.promotions!)).toEqual([
      expect.objectContaining({ environment: 'prod', version: '1.4.0', outcome: 'held', message: reason }),
    ]);
    expect(skipped.annotations.map((a) => a.message)).toContain(reason);
    expect(
      sim()
        .pulls(envs)
        .filter((p) => p.head === 'slipway/prod/iris' && p.state === 'open'),
    ).toEqual([]);

    // 15. history lists every step in prod with its approvers.
    const listed = await slipway(['history', 'prod', 'iris', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    type Entry = {
      version: string;
      pullRequest?: { number: number; approvedBy: string[]; mergedBy: string };
    };
    const entries = JSON.parse(listed.stdout).entries as Entry[];
    expect(
      entries.map((e) => [
        e.version,
        e.pullRequest?.number,
        e.pullRequest?.approvedBy,
        e.pullRequest?.mergedBy,
      ]),
    ).toEqual([
      ['0.0.0', rb.pullRequest.number, ['bob'], 'bob'],
      ['1.4.0', prodPr.number, ['bob'], 'bob'],
      ['0.0.0', undefined, undefined, undefined],
    ]);
    const printed = await slipway(['history', 'prod', 'iris']);
    expect(printed.stdout).toMatch(
      /^WHEN +MODEL +VERSION +DIGEST +PR +AUTHOR +APPROVED BY +MERGED BY +VERIFICATION/,
    );
    expect(printed.stdout).toContain('argocd/ml-prod=success');

    // 16. status shows what runs where, and why prod waits.
    const shown = await slipway(['status', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    type Row = { environment: string; version: string; artifactDigest: string; since: string; held?: string };
    const rows = JSON.parse(shown.stdout).models as Row[];
    expect(rows.map((r) => [r.environment, r.version, r.held])).toEqual([
      ['dev', '1.4.0', undefined],
      ['staging', '1.4.0', undefined],
      ['prod', '0.0.0', 'rolled back to 0.0.0: p99 latency doubled'],
    ]);
    expect(rows[0]!.artifactDigest).toBe(v2.digest);
    expect(rows.every((r) => /^\d{4}-\d\d-\d\dT/.test(r.since))).toBe(true);
  }, 600_000);
});
