// `slipway update` and `slipway template check` on a project with local edits, against a template source
// with history: a git repository holding the classification template at 1.0.0, then at 1.1.0.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDoors, type Doors, git, runIn, templatesRoot } from './templates.helpers.js';

let dir: string;
let doors: Doors;
let source: string;
let project: string;

async function edit(file: string, change: (text: string) => string): Promise<void> {
  await writeFile(file, change(await readFile(file, 'utf8')));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-update-'));
  doors = await bundleDoors(dir);
  // The template source: version 1.0.0 committed.
  source = join(dir, 'source');
  await mkdir(join(source, 'templates'), { recursive: true });
  await cp(join(templatesRoot, 'classification'), join(source, 'templates/classification'), {
    recursive: true,
  });
  git(source, 'init', '-q', '-b', 'main');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', 'classification 1.0.0');

  const created = await runIn(dir, doors.slipway, [
    'new',
    'churn',
    '--template',
    'classification',
    '--templates',
    join(source, 'templates'),
    '--yes',
    '--org',
    'acme',
  ]);
  expect(created.code).toBe(0);
  project = join(dir, 'churn');

  // The user's edits: README's first paragraph (the template will change it too), a threshold in
  // slipway.yaml (the template changes another part), a hand edit of a managed workflow, a deleted test.
  await edit(join(project, 'README.md'), (t) =>
    t.replace('and keep the\nwiring.', 'and keep the\nwiring. Our churn model, owned by the retention team.'),
  );
  await edit(join(project, 'slipway.yaml'), (t) =>
    t.replace(
      'value: 0.85, direction: higher }\n      - { metric: macro-f1',
      'value: 0.88, direction: higher }\n      - { metric: macro-f1',
    ),
  );
  await edit(join(project, '.github/workflows/main.yml'), (t) =>
    t.replace('timeout-minutes: 90', 'timeout-minutes: 45'),
  );
  await rm(join(project, 'tests/test_model.py'));
  git(project, 'add', '-A');
  git(project, 'commit', '-q', '-m', 'our edits');

  // Version 1.1.0 of the template: the same README line, another part of slipway.yaml, the workflow, the
  // deleted test, and a new file.
  const template = join(source, 'templates/classification');
  await edit(join(template, 'template.yaml'), (t) =>
    t.replace('version: 1.0.0', 'version: 1.1.0').replace('environments]', 'environments, reviewers]'),
  );
  await edit(join(template, 'README.md'), (t) =>
    t.replace('and keep the\nwiring.', 'and keep the\nwiring (see the Slipway docs).'),
  );
  await edit(join(template, 'slipway.yaml'), (t) => t.replace('tolerance: 0.02', 'tolerance: 0.01'));
  await edit(join(template, '.github/workflows/main.yml'), (t) =>
    t.replace('cancel-in-progress: false', 'cancel-in-progress: false # never cancel a publish'),
  );
  await edit(join(template, 'tests/test_model.py'), (t) => `${t}\n# 1.1.0\n`);
  await writeFile(
    join(template, 'CONTRIBUTING.md'),
    'Open a pull request; {{ slipway.reviewers }} review deployments.\n',
  );
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', 'classification 1.1.0');
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('keeping a generated project current', () => {
  it('template check fails while the project is behind its template', async () => {
    const result = await runIn(project, doors.slipway, [
      'template',
      'check',
      '--templates',
      join(source, 'templates'),
    ]);
    expect(result.stdout).toContain('Behind: the classification template is at 1.1.0 (this project: 1.0.0)');
    expect(result.stdout).toContain('CONTRIBUTING.md');
    expect(result.code).toBe(1);
  });

  it('update merges what does not overlap, marks what does, keeps deletions, replaces managed files and says so', async () => {
    const result = await runIn(project, doors.slipway, [
      'update',
      '--templates',
      join(source, 'templates'),
      '--json',
    ]);
    expect(result.code).toBe(1); // a conflict waits in the index
    const outcome = JSON.parse(result.stdout) as {
      from: string;
      to: string;
      files: Array<{ path: string; outcome: string; note?: string }>;
      conflicts: string[];
    };
    expect(outcome).toMatchObject({
      from: '1.0.0',
      to: '1.1.0',
      conflicts: ['README.md'],
      defaulted: ['reviewers'],
    });
    expect(readFileSync(join(project, 'CONTRIBUTING.md'), 'utf8')).toBe(
      'Open a pull request; ml-platform review deployments.\n',
    );
    const byPath = Object.fromEntries(outcome.files.map((f) => [f.path, f]));
    expect(byPath['slipway.yaml']?.outcome).toBe('merged');
    expect(byPath['CONTRIBUTING.md']?.outcome).toBe('written');
    expect(byPath['tests/test_model.py']).toEqual({
      path: 'tests/test_model.py',
      outcome: 'kept',
      note: 'you deleted this file and the template changed it; it stays deleted',
    });
    expect(byPath['.github/workflows/main.yml']).toMatchObject({
      outcome: 'replaced',
      note: expect.stringContaining('your hand edits were replaced'),
    });

    // Non-overlapping edits: both in the file.
    const config = readFileSync(join(project, 'slipway.yaml'), 'utf8');
    expect(config).toContain('value: 0.88, direction: higher }\n      - { metric: macro-f1');
    expect(config).toContain('tolerance: 0.01');
    // Overlapping ones: diff3 markers with yours, the base and the template's.
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    expect(readme).toContain(
      [
        '<<<<<<< yours',
        'wiring. Our churn model, owned by the retention team. Owners: @acme/ml-team.',
        '||||||| template 1.0.0',
        'wiring. Owners: @acme/ml-team.',
        '=======',
        'wiring (see the Slipway docs). Owners: @acme/ml-team.',
        '>>>>>>> template 1.1.0',
      ].join('\n'),
    );
    // …unmerged in git's index, so git status lists it as a conflict, with stages 1, 2 and 3.
    expect(git(project, 'status', '--porcelain')).toContain('UU README.md');
    expect(
      git(project, 'ls-files', '-u', '--', 'README.md')
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[2]),
    ).toEqual(['1', '2', '3']);
    expect(git(project, 'diff', '--name-only', '--diff-filter=U')).toBe('README.md\n');
    // Deleted stays deleted; the managed workflow is the template's; the template record moved on.
    expect(existsSync(join(project, 'tests/test_model.py'))).toBe(false);
    expect(readFileSync(join(project, '.github/workflows/main.yml'), 'utf8')).toContain(
      'timeout-minutes: 90',
    );
    expect(readFileSync(join(project, '.slipway/template.yaml'), 'utf8')).toContain('version: 1.1.0');
  });

  it('template check passes once the update is resolved and committed', async () => {
    await edit(join(project, 'README.md'), (t) =>
      t.replace(
        /<<<<<<< yours\n([\s\S]*?)\|\|\|\|\|\|\| template 1\.0\.0\n[\s\S]*?>>>>>>> template 1\.1\.0\n/,
        '$1',
      ),
    );
    git(project, 'add', '-A');
    git(project, 'commit', '-q', '-m', 'update to classification 1.1.0');
    const result = await runIn(project, doors.slipway, [
      'template',
      'check',
      '--templates',
      join(source, 'templates'),
    ]);
    expect(result.stdout).toContain('Up to date with the classification template 1.1.0.');
    expect(result.code).toBe(0);
  });

  it('update refuses to start over uncommitted changes, naming them', async () => {
    await writeFile(
      join(project, 'slipway.yaml'),
      `${readFileSync(join(project, 'slipway.yaml'), 'utf8')}# wip\n`,
    );
    const result = await runIn(project, doors.slipway, ['update', '--templates', join(source, 'templates')]);
    expect(result.stderr).toContain('has uncommitted changes (slipway.yaml). Commit or stash them first');
    expect(result.code).toBe(2);
    git(project, 'checkout', '--', 'slipway.yaml');
  });

  it('update --to an earlier version and --set a new answer re-render with the merge, nothing dropped', async () => {
    const result = await runIn(project, doors.slipway, [
      'update',
      '--to',
      '1.0.0',
      '--set',
      'registry=registry.acme.dev',
      '--json',
    ]);
    const outcome = JSON.parse(result.stdout) as {
      to: string;
      files: Array<{ path: string; outcome: string }>;
      conflicts: string[];
    };
    expect(outcome.to).toBe('1.0.0');
    expect(readFileSync(join(project, 'slipway.yaml'), 'utf8')).toContain('registry: "registry.acme.dev"');
    expect(readFileSync(join(project, 'slipway.yaml'), 'utf8')).toContain('value: 0.88'); // your edit survives
    expect(outcome.files.find((f) => f.path === 'CONTRIBUTING.md')?.outcome).toBe('removed');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: project, encoding: 'utf8' })).toContain(
      ' M slipway.yaml',
    );
  });
});
