// accuracy-test against the version deployed in prod: the environment repository in the GitHub API
// simulator records the deployed artifact and its eval report digest, the artifact and report are in the
// real test registry, and the bundled action finds, verifies and compares with that report by itself.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openStore, publishModel, readPublishPlan } from '../../packages/core/src/oci/index.js';
import { useGitHubSim } from '../github-sim/index.js';
import {
  cleanupAll,
  failureOf,
  fixtures,
  irisWorkspace,
  readJson,
  runAccuracyTest,
} from './accuracy-test.helpers.js';

const sim = useGitHubSim({ login: 'acme-ci' });
afterAll(cleanupAll);

const environmentsYaml = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
  - name: staging
  - name: prod
models:
  - name: iris-classifier
`;

const inferenceService = (
  storageUri: string,
  annotations: Record<string, string>,
) => `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: iris-classifier
  annotations:
    serving.kserve.io/deploymentMode: RawDeployment
${Object.entries(annotations)
  .map(([key, value]) => `    ${key}: "${value}"`)
  .join('\n')}
spec:
  predictor:
    model:
      modelFormat: { name: sklearn }
      storageUri: ${storageUri}
`;

interface Deployed {
  readonly repository: string;
  readonly artifact: string;
  readonly digest: string;
  readonly reportDigest: string;
}

/**
 * What prod runs: iris-classifier 1.0.0 evaluated with an eval command that is right on every example,
 * published with that report to the test registry.
 */
async function publishDeployedVersion(): Promise<Deployed> {
  const workspace = await irisWorkspace();
  const evaluated = await runAccuracyTest(workspace, {
    command: `python3 ${join(fixtures, 'oracle_eval.py')}`,
    baseline: 'none',
  });
  expect(failureOf(evaluated)).toBe('');
  const repository = `acme/models/iris-classifier-${randomBytes(4).toString('hex')}`;
  const plan = await readPublishPlan(join(workspace, 'slipway.yaml'), {
    registry: inject('registry'),
    repository,
  });
  const result = await publishModel({
    store: openStore(plan.target),
    files: plan.files,
    metadata: { name: plan.name, version: plan.version, created: '2026-01-01T00:00:00Z' },
    report: await readFile(evaluated.outputs['report-path']!),
  });
  return {
    repository,
    artifact: `${inject('registry')}/${repository}`,
    digest: result.digest,
    reportDigest: result.reportDigest!,
  };
}

async function environmentRepository(name: string, prodManifest?: string): Promise<string> {
  const fullName = `acme/${name}`;
  await sim().createRepo(fullName, {
    'slipway.yaml': environmentsYaml,
    ...(prodManifest ? { 'prod/iris-classifier/inferenceservice.yaml': prodManifest } : {}),
  });
  return fullName;
}

async function openPullRequest(fullName: string): Promise<number> {
  await sim().createRepo(fullName, { 'README.md': '# iris\n' });
  await sim().pushCommit(fullName, { branch: 'fewer-epochs', files: { 'train.py': '# changed\n' } });
  const { createGitHubClient } = await import('../../packages/core/src/github/index.js');
  const octokit = createGitHubClient({ token: 'setup-token', baseUrl: sim().url, retryDelayUnitMs: 1 });
  const [owner, repo] = fullName.split('/') as [string, string];
  const pull = await octokit.rest.pulls.create({
    owner,
    repo,
    head: 'fewer-epochs',
    base: 'main',
    title: 'Retrain',
  });
  return pull.data.number;
}

const onPullRequest = (fullName: string, number: number) =>
  ({
    eventName: 'pull_request',
    event: { action: 'synchronize', number, pull_request: { number } },
    env: { GITHUB_REPOSITORY: fullName, GITHUB_API_URL: sim().url },
  }) as const;

describe('accuracy-test against the version deployed in prod', () => {
  it('fails a change that is worse than prod on the hard cases though it passes its thresholds, and the comment names the deployed version and digest', async () => {
    const deployed = await publishDeployedVersion();
    const environments = await environmentRepository(
      'ml-environments-worse',
      inferenceService(`oci://${deployed.artifact}@${deployed.digest}`, {
        'slipway.dev/model': 'iris-classifier',
        'slipway.dev/version': '1.0.0',
        'slipway.dev/artifact-digest': deployed.digest,
        'slipway.dev/eval-report-digest': deployed.reportDigest,
      }),
    );
    const project = 'acme/iris-worse';
    const number = await openPullRequest(project);
    sim().clearRequests();

    const result = await runAccuracyTest(
      await irisWorkspace(),
      {
        baseline: 'environment:prod',
        'environment-repository': environments,
        'github-token': 'ghs_ciToken123',
      },
      onPullRequest(project, number),
    );

    expect(result.exitCode).toBe(1);
    const failure = failureOf(result);
    expect(failure).toMatch(/gates failed/);
    expect(failure).toMatch(/hard-cases: 0\.6154 vs baseline 1: worse by more than 0\.02000, significant/);
    expect(failure).not.toMatch(/holdout/);
    const report = await readJson<{
      gates: Array<{ kind: string; passed: boolean; testSet: string }>;
      baseline: Record<string, unknown>;
    }>(result.outputs['report-path']!);
    expect(report.gates.filter((g) => g.kind === 'threshold').every((g) => g.passed)).toBe(true);
    expect(report.gates.some((g) => g.kind === 'baseline' && g.testSet === 'hard-cases' && !g.passed)).toBe(
      true,
    );
    expect(report.baseline).toEqual({
      source: 'environment',
      environment: 'prod',
      repository: `${environments}@main`,
      deployed: true,
      version: '1.0.0',
      artifact: `${deployed.artifact}@${deployed.digest}`,
      reportDigest: deployed.reportDigest,
      commit: expect.any(String),
    });
    const comment = sim().comments(project, number)[0]!.body;
    expect(comment).toContain('## ❌ Accuracy test failed');
    expect(comment).toContain(
      `Baseline: iris-classifier 1.0.0 deployed in **prod**, \`${deployed.artifact}@${deployed.digest}\`, eval report \`${deployed.reportDigest}\``,
    );
    expect(result.summary).toContain(`eval report \`${deployed.reportDigest}\``);
    // The budget: the environment record costs two Contents API reads.
    expect(sim().countRequests({ operationId: 'repos/get-content' })).toBe(2);
  });

  it('passes on its thresholds and says so when nothing is deployed to prod yet', async () => {
    const environments = await environmentRepository('ml-environments-empty');
    const result = await runAccuracyTest(
      await irisWorkspace(),
      {
        'environment-repository': environments,
        'environment-token': 'ghs_readToken123',
      },
      { env: { GITHUB_API_URL: sim().url } },
    );
    expect(failureOf(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.summary).toContain(
      `Baseline \`prod\`: ${environments}@main has no prod/iris-classifier/inferenceservice.yaml: nothing is deployed to prod yet; the gates are the thresholds alone.`,
    );
    const report = await readJson<{ baseline: { deployed: boolean } }>(result.outputs['report-path']!);
    expect(report.baseline.deployed).toBe(false);
    expect(result.masks).toContain('ghs_readToken123');
  });

  it('fails clearly, naming prod, the digest and the registry, when the record points at a report that is missing', async () => {
    const deployed = await publishDeployedVersion();
    const missing = `sha256:${'5'.repeat(64)}`;
    const environments = await environmentRepository(
      'ml-environments-missing',
      inferenceService(`oci://${deployed.artifact}@${deployed.digest}`, {
        'slipway.dev/version': '1.0.0',
        'slipway.dev/eval-report-digest': missing,
      }),
    );
    const result = await runAccuracyTest(
      await irisWorkspace(),
      {
        baseline: 'environment:prod',
        'environment-repository': environments,
        'environment-token': 'ghs_readToken123',
      },
      { env: { GITHUB_API_URL: sim().url } },
    );
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toBe(
      `The eval report ${missing} that prod records for iris-classifier 1.0.0 (${deployed.artifact}@${deployed.digest}) is missing from ${deployed.artifact}: the registry has no manifest ${missing}. ` +
        `Re-publish the deployed version with its eval report, or fix slipway.dev/eval-report-digest in ${environments}@main:prod/iris-classifier/inferenceservice.yaml.`,
    );
    expect(result.outputs['report-path']).toBeUndefined();
  });
});
