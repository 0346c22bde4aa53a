// The whole record, end to end: publish-model pushes the ModelPack artifact (eval report attached) and its
// KServe modelcar to the real test registry; open-environment-pr, given both references, proposes them to
// prod in the GitHub simulator; once that pull request's manifest is on main, accuracy-test with
// `baseline: environment:prod` finds the eval report on the artifact the record names (the modelcar the
// cluster pulls has no referrers), verifies it and compares with it.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RegistryStore } from '@slipway/core/oci';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeBusyboxBase } from '../../scripts/busybox-base.ts';
import { git, useGitHubSim } from '../github-sim/index.js';
import { cleanupRun, runAction } from '../harness/run-action.js';
import {
  cleanupAll,
  failureOf,
  fixtures,
  irisWorkspace,
  readJson,
  runAccuracyTest,
} from './accuracy-test.helpers.js';
import { uniqueRepository } from './publish-model.helpers.js';

const sim = useGitHubSim({ login: 'acme-ci' });
afterAll(cleanupAll);
const registry = inject('registry');

const environmentsYaml = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
  - name: prod
models:
  - name: iris-classifier
`;

const placeholder = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: iris-classifier
  annotations:
    slipway.dev/model: iris-classifier
    slipway.dev/version: 0.0.0
spec:
  predictor:
    model:
      modelFormat: { name: sklearn }
      storageUri: oci://${registry}/acme/models/iris-classifier@sha256:${'0'.repeat(64)}
`;

const manifestPath = 'prod/iris-classifier/inferenceservice.yaml';

describe('the deployed baseline of a model KServe serves from its modelcar', () => {
  it('finds and verifies the eval report on the ModelPack artifact prod records beside the modelcar it pulls', async () => {
    // What prod will run: evaluated by an eval command right on every example, published with that report.
    const workspace = await irisWorkspace();
    const evaluated = await runAccuracyTest(workspace, {
      command: `python3 ${join(fixtures, 'oracle_eval.py')}`,
      baseline: 'none',
    });
    expect(failureOf(evaluated)).toBe('');
    const baseRepository = uniqueRepository('busybox');
    await writeBusyboxBase(
      new RegistryStore({ registry, repository: baseRepository, actions: 'pull,push' }),
      'static',
    );
    const repository = `acme/models/iris-classifier-${randomBytes(4).toString('hex')}`;
    const published = await runAction('publish-model', {
      workspace,
      inputs: {
        registry,
        repository,
        report: evaluated.outputs['report-path']!,
        'modelcar-base': `${registry}/${baseRepository}:static`,
        created: '2026-01-02T03:04:05Z',
      },
    });
    await cleanupRun(published);
    expect(published.exitCode, published.stdout + published.stderr).toBe(0);
    const {
      reference,
      'serving-reference': serving,
      digest,
      'modelcar-digest': modelcar,
    } = published.outputs;
    expect(serving).toBe(`${registry}/${repository}@${modelcar}`);
    expect(serving).not.toBe(reference);

    // Proposed to prod with both references, the way the templates' main workflow passes them.
    const environments = 'acme/ml-environments-modelcar';
    const { path: gitDir } = await sim().createRepo(environments, {
      'slipway.yaml': environmentsYaml,
      [manifestPath]: placeholder,
    });
    const proposed = await runAction('open-environment-pr', {
      inputs: {
        repository: environments,
        environment: 'prod',
        reference: reference!,
        'serving-reference': serving!,
        model: 'iris-classifier',
        version: '1.0.0',
        'eval-report-digest': published.outputs['report-digest']!,
        token: 'ghs_simulatedInstallationToken123',
        'base-url': sim().url,
      },
      env: { GITHUB_SHA: 'b'.repeat(40), GITHUB_REPOSITORY: 'acme/iris', GITHUB_RUN_ID: '7' },
    });
    await cleanupRun(proposed);
    expect(proposed.exitCode, proposed.stdout + proposed.stderr).toBe(0);
    expect(proposed.outputs.outcome).toBe('opened');
    const manifest = (await git(gitDir, ['show', `slipway/prod/iris-classifier:${manifestPath}`])).toString();
    expect(manifest).toContain(`storageUri: oci://${serving}\n`);
    expect(manifest).toContain(`slipway.dev/artifact: ${reference}\n`);
    expect(manifest).toContain(`slipway.dev/artifact-digest: ${digest}\n`);

    // Merging the pull request is the deployment.
    await sim().pushCommit(environments, { branch: 'main', files: { [manifestPath]: manifest } });

    const result = await runAccuracyTest(
      await irisWorkspace(),
      {
        command: `python3 ${join(fixtures, 'oracle_eval.py')}`,
        baseline: 'environment:prod',
        'environment-repository': environments,
        'environment-token': 'ghs_readToken123',
      },
      { env: { GITHUB_API_URL: sim().url } },
    );
    expect(failureOf(result)).toBe('');
    expect(result.exitCode).toBe(0);
    const report = await readJson<{
      gates: Array<{ kind: string; passed: boolean }>;
      baseline: Record<string, unknown>;
    }>(result.outputs['report-path']!);
    expect(report.baseline).toEqual({
      source: 'environment',
      environment: 'prod',
      repository: `${environments}@main`,
      deployed: true,
      version: '1.0.0',
      artifact: reference,
      reportDigest: published.outputs['report-digest'],
      commit: expect.any(String),
    });
    expect(report.gates.filter((g) => g.kind === 'baseline').length).toBeGreaterThan(0);
    expect(report.gates.every((g) => g.passed)).toBe(true);
  });
});
