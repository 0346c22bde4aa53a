// Shared setup for the open-environment-pr end-to-end tests: an environment repository in the GitHub
// simulator, the action run through the runner harness against it, and reads of the bare repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../github-sim/index.js';
import { type ActionResult, cleanupRun, repoRoot, runAction } from '../harness/run-action.js';

export const goldenDir = join(repoRoot, 'packages/core/tests/environments/fixtures/kserve-existing');
/** The dev manifest as people wrote it, and what Slipway must turn it into (the reviewed golden file). */
export const manifestBefore = readFileSync(join(goldenDir, 'input.yaml'), 'utf8');
export const manifestAfter = readFileSync(join(goldenDir, 'expected.yaml'), 'utf8');
export const manifestPath = 'dev/iris/inferenceservice.yaml';
export const branch = 'slipway/dev/iris';

export const digest = (hex: string) => `sha256:${hex.repeat(64)}`;

export const environmentsYaml = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
    policy: { auto-merge: true, merge-method: squash, labels: [deploy, env/dev], reviewers: [alice], team-reviewers: [ml-platform] }
  - name: staging
    policy: { labels: [deploy], reviewers: [alice] }
  - name: prod
    policy: { draft: true, team-reviewers: [ml-platform] }
models:
  - name: iris
`;

export const environmentRepoFiles = (): Record<string, string> => ({
  'slipway.yaml': environmentsYaml,
  'README.md': '# acme environments\n',
  [manifestPath]: manifestBefore,
  'staging/iris/inferenceservice.yaml': manifestBefore.replace(/ml-staging/g, 'ml-staging'),
  'prod/iris/inferenceservice.yaml': manifestBefore.replace(/ml-staging/g, 'ml-prod'),
});

export interface Proposal {
  readonly repository: string;
  readonly apiUrl: string;
  readonly version?: string;
  readonly digestHex?: string;
  readonly environment?: string;
  readonly inputs?: Record<string, string>;
  readonly env?: Record<string, string>;
}

/**
 * Runs the bundled action as the runner would, with the lineage values the golden file expects
 * (source acme/vision@bbbb…, run 4242, eval report digest 4444…).
 */
export async function propose(p: Proposal): Promise<ActionResult> {
  const result = await runAction('open-environment-pr', {
    inputs: {
      repository: p.repository,
      environment: p.environment ?? 'dev',
      reference: `ghcr.io/acme/models/iris@${digest(p.digestHex ?? '3')}`,
      model: 'iris',
      version: p.version ?? '1.3.0',
      'eval-report-digest': digest('4'),
      token: 'ghs_simulatedInstallationToken123',
      'base-url': p.apiUrl,
      ...p.inputs,
    },
    env: { GITHUB_SHA: 'b'.repeat(40), GITHUB_REPOSITORY: 'acme/vision', GITHUB_RUN_ID: '4242', ...p.env },
  });
  await cleanupRun(result);
  return result;
}

export const gitText = async (gitDir: string, args: string[]) => (await git(gitDir, args)).toString('utf8');

/** The file's bytes on a branch of the bare repository, exactly as `git show` prints them. */
export const showFile = (gitDir: string, ref: string, path: string) =>
  gitText(gitDir, ['show', `${ref}:${path}`]);

export const revParse = async (gitDir: string, ref: string) =>
  (await gitText(gitDir, ['rev-parse', ref])).trim();

/** Commits on `ref` that `base` lacks. */
export const commitsAhead = async (gitDir: string, base: string, ref: string) =>
  (await gitText(gitDir, ['rev-list', `${base}..${ref}`])).split('\n').filter(Boolean);

export async function branchExists(gitDir: string, name: string): Promise<boolean> {
  return (await gitText(gitDir, ['for-each-ref', `refs/heads/${name}`])).trim() !== '';
}
