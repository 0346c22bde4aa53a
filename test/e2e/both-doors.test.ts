// One project through both doors: each bundled action run as the runner runs it, and the bundled `slipway`
// CLI run as a person runs it on a checkout of the same commit. Validate, eval, publish and propose must
// find the same things, write the same report, land the same manifest digest in the real registry and
// leave the same pull request in the GitHub simulator; train must leave the same training record: each
// operation is one core function behind both.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import {
  actionDefaults,
  cleanupAll,
  failureOf,
  irisWorkspace,
  runAccuracyTest,
} from './accuracy-test.helpers.js';
import { manifestBefore, showFile } from './open-environment-pr.fixtures.js';
import { bundleCli, runCli, skopeoRaw } from './publish-model.helpers.js';

const registry = inject('registry');
const sim = useGitHubSim();
const run = promisify(execFile);
const model = 'iris-classifier';
const environmentRepository = 'acme/ml-environments';

let dir = '';
let cli = '';
let workspace = '';
let head = '';
/** What the runner knows about the run; the CLI in the same job sees the same variables. */
let githubContext: Record<string, string> = {};
const runs: ActionResult[] = [];

async function action(name: string, inputs: Record<string, string>): Promise<ActionResult> {
  const result = await runAction(name, {
    workspace,
    inputs: { ...(await actionDefaults(name)), ...inputs },
    env: githubContext,
  });
  runs.push(result);
  return result;
}

const git = (args: string[], cwd: string) => run('git', args, { cwd });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-both-doors-'));
  cli = await bundleCli(dir);
  // The iris example with no artifact.repository, so both doors must pick the same default (<owner>/<model>),
  // and one gate that cannot pass, so both must say the same thing about a failed gate.
  workspace = await irisWorkspace((config) => {
    config.deleteIn(['artifact', 'repository']);
    config.setIn(['test-sets', 1, 'thresholds', 0, 'value'], 0.999);
  });
  // A checkout of one commit, as actions/checkout leaves it: origin is the GitHub repository.
  await git(['init', '-q', '-b', 'main'], workspace);
  await git(['add', '-A'], workspace);
  await run(
    'git',
    ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', 'commit', '-q', '-m', 'iris'],
    {
      cwd: workspace,
      env: {
        ...process.env,
        GIT_COMMITTER_DATE: '2024-05-01T12:00:00Z',
        GIT_AUTHOR_DATE: '2024-05-01T12:00:00Z',
      },
    },
  );
  await git(['remote', 'add', 'origin', 'https://github.com/acme/vision.git'], workspace);
  head = (await git(['rev-parse', 'HEAD'], workspace)).stdout.trim();
  githubContext = {
    GITHUB_REPOSITORY: 'acme/vision',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: head,
    GITHUB_RUN_ID: '4242',
    RUNNER_NAME: 'slipway-harness',
    RUNNER_OS: 'Linux',
  };
});

afterAll(async () => {
  for (const result of runs.splice(0)) await cleanupRun(result);
  await cleanupAll();
  await rm(dir, { recursive: true, force: true });
});

const slipway = (args: string[], env: Record<string, string> = {}) => runCli(cli, args, env);

/** A report without what differs between two runs of the same evaluation: when, and on which machine. */
function comparable(report: Record<string, unknown>): Record<string, unknown> {
  const { createdAt: _createdAt, runner: _runner, ...rest } = report;
  return rest;
}

describe('the action and the CLI are two doors to the same operation', () => {
  it('validate finds the same problems at the same places', async () => {
    const broken = join(workspace, 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(
      join(broken, 'slipway.yaml'),
      (await readFile(join(workspace, 'slipway.yaml'), 'utf8')).replace(
        'task: classification',
        'tsak: classification',
      ),
    );
    try {
      const fromAction = await action('validate-config', {});
      const fromCli = await slipway(['validate', '-C', workspace, '--json']);
      expect(fromAction.exitCode).toBe(1);
      expect(fromCli.code).toBe(1);
      const cliReport = JSON.parse(fromCli.stdout) as {
        errorCount: number;
        warningCount: number;
        files: Array<{
          findings: Array<{ file: string; line: number; column: number; message: string; severity: string }>;
        }>;
      };
      expect(fromAction.outputs['error-count']).toBe(String(cliReport.errorCount));
      expect(fromAction.outputs['warning-count']).toBe(String(cliReport.warningCount));
      expect(cliReport.errorCount).toBeGreaterThan(0);
      const cliFindings = cliReport.files
        .flatMap((file) => file.findings)
        .map((f) => `${f.severity} ${f.file}:${f.line} ${f.message}`)
        .sort();
      const actionFindings = fromAction.annotations
        .filter((a) => a.properties['file'])
        .map((a) => `${a.command} ${a.properties['file']}:${a.properties['line']} ${a.message}`)
        .sort();
      expect(actionFindings).toEqual(cliFindings);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  let report = '';
  it('eval writes the same report to the same place and fails the same gate with the same sentence', async () => {
    const fromAction = await runAccuracyTest(workspace, {}, { env: githubContext });
    expect(fromAction.exitCode, fromAction.stdout).toBe(1);
    report = fromAction.outputs['report-path'] ?? '';
    expect(report).toBe(join(workspace, '.slipway/eval/report.json'));
    const actionReport = JSON.parse(await readFile(report, 'utf8')) as Record<string, unknown>;

    const fromCli = await slipway(['eval', '--config', join(workspace, 'slipway.yaml')], githubContext);
    expect(fromCli.code, fromCli.stderr).toBe(1);
    const cliReport = JSON.parse(await readFile(report, 'utf8')) as Record<string, unknown>;

    expect(actionReport['commit']).toBe(head);
    expect(actionReport['passed']).toBe(false);
    expect(comparable(cliReport)).toEqual(comparable(actionReport));
    const sentence = failureOf(fromAction);
    expect(sentence).toMatch(/^1 of \d+ gates failed:\n {2}hard-cases: accuracy/);
    expect(fromCli.stdout).toContain(sentence);
  });

  let reference = '';
  it('publish lands one manifest digest in the registry, whichever door publishes the commit', async () => {
    const fromAction = await action('publish-model', { registry, report });
    expect(fromAction.exitCode, fromAction.stdout + fromAction.stderr).toBe(0);
    reference = fromAction.outputs['reference'] ?? '';
    expect(reference).toBe(`${registry}/acme/${model}@${fromAction.outputs['digest']}`);

    // The same commit from a laptop: no GitHub variables, the checkout says where the source lives.
    const fromCli = await slipway([
      'publish',
      '--config',
      join(workspace, 'slipway.yaml'),
      '--registry',
      registry,
      '--report',
      report,
      '--json',
    ]);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const published = JSON.parse(fromCli.stdout) as { reference: string; alreadyPublished: boolean };
    expect(published.reference).toBe(reference);
    expect(published.alreadyPublished).toBe(true);

    const { json } = await skopeoRaw(`docker://${registry}/acme/${model}:1.0.0`);
    const annotations = (json['annotations'] ?? {}) as Record<string, string>;
    expect(annotations['org.opencontainers.image.source']).toBe('https://github.com/acme/vision');
    expect(annotations['org.opencontainers.image.revision']).toBe(head);
    expect(annotations['org.opencontainers.image.created']).toBe('2024-05-01T12:00:00Z');
  });

  it('propose leaves the same pull request, so the second door changes nothing', async () => {
    await sim().createRepo(environmentRepository, {
      'slipway.yaml': `apiVersion: slipway.dev/v1\nkind: Environments\nenvironments:\n  - name: dev\n    policy: { labels: [deploy], reviewers: [alice] }\nmodels:\n  - name: ${model}\n`,
      [`dev/${model}/inferenceservice.yaml`]: manifestBefore,
    });
    const fromAction = await action('open-environment-pr', {
      reference,
      'eval-report': report,
      token: 'ghs_simulatedInstallationToken123',
      'base-url': sim().url,
    });
    expect(fromAction.exitCode, fromAction.stdout + fromAction.stderr).toBe(0);
    expect(fromAction.outputs['outcome']).toBe('opened');
    const [opened] = sim().pulls(environmentRepository);
    const manifest = await showFile(
      sim().repoPath(environmentRepository),
      `slipway/dev/${model}`,
      `dev/${model}/inferenceservice.yaml`,
    );

    const fromCli = await slipway(
      [
        'propose',
        '--config',
        join(workspace, 'slipway.yaml'),
        '--reference',
        reference,
        '--eval-report',
        report,
        '--api-url',
        sim().url,
        '--json',
      ],
      { ...githubContext, GITHUB_TOKEN: 'ghs_simulatedInstallationToken123' },
    );
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const result = JSON.parse(fromCli.stdout) as { outcome: string; pullRequest: { number: number } };
    expect(result.outcome).toBe('unchanged');
    expect(result.pullRequest.number).toBe(Number(fromAction.outputs['pull-request-number']));
    expect(result).toMatchObject({
      commit: fromAction.outputs['commit'],
      branch: fromAction.outputs['branch'],
    });
    const pulls = sim().pulls(environmentRepository);
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.title).toBe(opened?.title);
    expect(pulls[0]?.body).toBe(opened?.body);
    expect(manifest).toContain(reference.slice(reference.indexOf('@')));
    expect(
      await showFile(
        sim().repoPath(environmentRepository),
        `slipway/dev/${model}`,
        `dev/${model}/inferenceservice.yaml`,
      ),
    ).toBe(manifest);
  });

  // Last: training rewrites the model files the steps above evaluated and published.
  it('train leaves the same training record in the same place, whichever door trains', async () => {
    const fromAction = await action('train-model', {});
    expect(fromAction.exitCode, fromAction.stdout).toBe(0);
    const recordPath = fromAction.outputs['record-path'] ?? '';
    expect(recordPath).toBe(join(workspace, '.slipway/train/record.json'));
    const actionRecord = JSON.parse(await readFile(recordPath, 'utf8')) as Record<string, unknown>;

    const fromCli = await slipway(['train', '--config', join(workspace, 'slipway.yaml')], githubContext);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    const cliRecord = JSON.parse(await readFile(recordPath, 'utf8')) as Record<string, unknown>;

    expect(actionRecord['commit']).toBe(head);
    expect(actionRecord['runner']).toEqual({ name: 'slipway-harness', os: 'Linux' });
    const { startedAt: _a, wallTimeSeconds: _b, ...fromActionRest } = actionRecord;
    const { startedAt: _c, wallTimeSeconds: _d, ...fromCliRest } = cliRecord;
    expect(fromCliRest).toEqual(fromActionRest);
  });
});
