// The whole loop: publish-model pushes a model to a real registry, then open-environment-pr proposes
// exactly that artifact to dev in the environment repository — each action bundled and run as the runner
// runs it, the second one fed the first one's outputs.
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { cleanupRun, repoRoot, runAction } from '../harness/run-action.js';
import { commitsAhead, showFile } from './open-environment-pr.fixtures.js';
import { evalReport, makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const sim = useGitHubSim();
const skeleton = join(repoRoot, 'environments');
const devManifest = readFileSync(join(skeleton, 'dev/iris/inferenceservice.yaml'), 'utf8');

describe('publish-model then open-environment-pr', () => {
  it('proposes the artifact publish-model pushed, and the PR branch holds exactly the expected manifest', async () => {
    const envs = await sim().createRepo('acme/ml-environments', {
      'slipway.yaml': readFileSync(join(skeleton, 'slipway.yaml'), 'utf8'),
      'dev/iris/inferenceservice.yaml': devManifest,
      'staging/iris/inferenceservice.yaml': readFileSync(
        join(skeleton, 'staging/iris/inferenceservice.yaml'),
        'utf8',
      ),
    });
    const repository = uniqueRepository('iris');
    const project = await makeProject({ registry, repository, version: '1.3.0' });
    try {
      await writeFile(
        join(project, 'slipway.yaml'),
        `${readFileSync(join(project, 'slipway.yaml'), 'utf8')}deploy:\n  repository: acme/ml-environments\n  environment: dev\n`,
      );
      await writeFile(join(project, 'eval-report.json'), evalReport());
      const published = await runAction('publish-model', {
        workspace: project,
        inputs: { report: 'eval-report.json' },
      });
      expect(published.exitCode, published.stdout + published.stderr).toBe(0);
      const { reference = '', digest = '', 'report-digest': reportDigest = '' } = published.outputs;
      expect(reference).toBe(`${registry}/${repository}@${digest}`);

      // Model, version, repository and environment come from the project's slipway.yaml.
      const proposed = await runAction('open-environment-pr', {
        workspace: project,
        inputs: {
          reference,
          'eval-report-digest': reportDigest,
          'eval-report': 'eval-report.json',
          token: 'ghs_chain',
          'base-url': sim().url,
        },
      });
      await Promise.all([cleanupRun(published), cleanupRun(proposed)]);
      expect(proposed.exitCode, proposed.stdout + proposed.stderr).toBe(0);
      expect(proposed.outputs.outcome).toBe('opened');

      const expected = devManifest
        .replace('slipway.dev/version: 0.0.0', 'slipway.dev/version: 1.3.0')
        .replace(/storageUri: oci:\/\/\S+/, `storageUri: oci://${reference}`)
        .replace(
          'slipway.dev/version: 1.3.0\n',
          [
            'slipway.dev/version: 1.3.0',
            `    slipway.dev/artifact-digest: ${digest}`,
            `    slipway.dev/eval-report-digest: ${reportDigest}`,
            '    slipway.dev/source-repository: acme/vision',
            '    slipway.dev/source-commit: 0123456789abcdef0123456789abcdef01234567',
            '    slipway.dev/workflow-run: https://github.com/acme/vision/actions/runs/4242',
            '',
          ].join('\n'),
        );
      expect(await showFile(envs.path, 'slipway/dev/iris', 'dev/iris/inferenceservice.yaml')).toBe(expected);
      expect(await commitsAhead(envs.path, 'main', 'slipway/dev/iris')).toEqual([proposed.outputs.commit]);
      const pr = sim().pulls('acme/ml-environments')[0]!;
      expect(pr.title).toBe('Deploy iris 0.0.0 → 1.3.0 to dev');
      expect(pr.body).toContain(`\`oci://${reference}\``);
      // The report sets no gates: the PR says nothing was checked rather than that all gates passed.
      expect(pr.body).toContain('No evaluation gates: the project sets none, so nothing was checked.');
      expect(pr.body).not.toContain('gates passed');
      expect(pr.autoMerge?.mergeMethod).toBe('squash');
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
