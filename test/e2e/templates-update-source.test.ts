// `slipway update` of a project generated from a template folder of its own (a fork of Slipway's
// classification template): it never quietly becomes Slipway's template of the same name.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecord } from '@slipway/core/templates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDoors, type Doors, git, runIn, templatesRoot } from './templates.helpers.js';

let dir: string;
let doors: Doors;
let fork: string;
let project: string;
const env = { SLIPWAY_TEMPLATES: templatesRoot };

async function edit(file: string, change: (text: string) => string): Promise<void> {
  await writeFile(file, change(await readFile(file, 'utf8')));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-update-source-'));
  doors = await bundleDoors(dir);
  const source = join(dir, 'fork');
  fork = join(source, 'templates');
  const template = join(fork, 'classification');
  await mkdir(fork, { recursive: true });
  await cp(join(templatesRoot, 'classification'), template, { recursive: true });
  await edit(join(template, 'README.md'), (t) => `${t}\nAcme's fork: ask #ml-platform.\n`);
  git(source, 'init', '-q', '-b', 'main');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', 'fork classification 1.0.0');
  const created = await runIn(
    dir,
    doors.slipway,
    ['new', 'churn', '--template', 'classification', '--templates', fork, '--yes', '--org', 'acme'],
    env,
  );
  expect(created.code).toBe(0);
  project = join(dir, 'churn');
  await edit(join(template, 'template.yaml'), (t) => t.replace('version: 1.0.0', 'version: 1.1.0'));
  await writeFile(join(template, 'CONTRIBUTING.md'), 'Acme reviews every change.\n');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', 'fork classification 1.1.0');
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('updating a project generated from a template folder of its own', () => {
  it('slipway update refuses Slipway’s own templates given by mistake, naming the folder to pass with --templates', async () => {
    const result = await runIn(project, doors.slipway, ['update', '--templates', templatesRoot], env);

    expect(result.stderr).toContain(
      `was generated from the 'classification' template in ${fork} (${join(project, '.slipway/template.yaml')}), not from ${templatesRoot}.`,
    );
    expect(result.stderr).toContain(`Run \`slipway update --templates ${fork}\``);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(result.code).toBe(2);
    expect(git(project, 'status', '--porcelain')).toBe('');
  });

  it('slipway template check, with no templates given, compares with the folder its record names', async () => {
    const result = await runIn(project, doors.slipway, ['template', 'check', '--json'], env);

    expect(result.code, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      recordedVersion: '1.0.0',
      currentVersion: '1.1.0',
      behind: true,
      changed: expect.arrayContaining(['CONTRIBUTING.md']),
    });
  });

  it('slipway update, with no templates given, updates from the folder its record names', async () => {
    const result = await runIn(project, doors.slipway, ['update', '--json'], env);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ from: '1.0.0', to: '1.1.0', conflicts: [] });
    expect(JSON.parse(result.stdout).files).toContainEqual({ path: 'CONTRIBUTING.md', outcome: 'written' });
    expect(await readFile(join(project, 'README.md'), 'utf8')).toContain("Acme's fork");
    expect((await readRecord(project)).source).toMatchObject({
      repository: join(dir, 'fork'),
      path: 'templates',
    });
    expect((await readRecord(project)).source.builtin).toBeUndefined();
  });
});

describe('a project generated from Slipway’s own templates', () => {
  let own: string;
  beforeAll(async () => {
    const created = await runIn(
      dir,
      doors.slipway,
      ['new', 'iris', '--template', 'classification', '--yes', '--org', 'acme'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    own = join(dir, 'iris');
  }, 60_000);

  it('says so in its record, and keeps saying so through an update', async () => {
    expect(await readFile(join(own, '.slipway/template.yaml'), 'utf8')).toMatch(/\n {2}builtin: true\n/);
    const result = await runIn(own, doors.slipway, ['update', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).files).toEqual([]);
    expect((await readRecord(own)).source.builtin).toBe(true);
  });

  it('is checked against the running Slipway’s templates wherever the one that made it was installed', async () => {
    // Made by a Slipway installed elsewhere (another npx cache, a developer's laptop), checked in CI.
    const record = join(own, '.slipway/template.yaml');
    const moved = (await readFile(record, 'utf8')).replace(
      /repository: .*/,
      `repository: ${join(dir, 'gone/node_modules/@slipway/cli')}`,
    );
    await writeFile(record, moved);
    const checked = await runIn(own, doors.slipway, ['template', 'check'], env);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('Up to date with the classification template');

    // A record that does not say the templates were Slipway's own is checked against what it names only.
    await writeFile(record, moved.replace(/\n {2}builtin: true\n/, '\n'));
    const unknown = await runIn(own, doors.slipway, ['template', 'check'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `The templates ${own} was generated from (${join(dir, 'gone/node_modules/@slipway/cli/templates')}) are not on this machine: pass --templates <folder> with a checkout of them.`,
    );
  });
});

describe('a project generated from templates outside git, as an npm package holds them', () => {
  let plain: string;
  let upstream: string;
  beforeAll(async () => {
    // Slipway's templates as npm installs them: a plain folder, no history.
    const installed = join(dir, 'npm/node_modules/@slipway/cli/templates');
    await mkdir(installed, { recursive: true });
    await cp(join(templatesRoot, 'classification'), join(installed, 'classification'), { recursive: true });
    const created = await runIn(
      dir,
      doors.slipway,
      ['new', 'plain', '--template', 'classification', '--templates', installed, '--yes', '--org', 'acme'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    plain = join(dir, 'plain');
    // The repository they were packed from, where the template has since moved on to 1.1.0.
    upstream = join(dir, 'upstream');
    const template = join(upstream, 'templates/classification');
    await mkdir(join(upstream, 'templates'), { recursive: true });
    await cp(join(templatesRoot, 'classification'), template, { recursive: true });
    git(upstream, 'init', '-q', '-b', 'main');
    git(upstream, 'add', '-A');
    git(upstream, 'commit', '-q', '-m', 'classification 1.0.0');
    await edit(join(template, 'template.yaml'), (t) => t.replace('version: 1.0.0', 'version: 1.1.0'));
    await writeFile(join(template, 'CONTRIBUTING.md'), 'Every change is reviewed.\n');
    git(upstream, 'add', '-A');
    git(upstream, 'commit', '-q', '-m', 'classification 1.1.0');
  }, 60_000);

  it('says to name the templates’ repository with --source, which has no commit to render the base from', async () => {
    const result = await runIn(plain, doors.slipway, ['update'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "Pass --source <git repository of the templates> (a path or URL): the template's version 1.0.0 is found in its history.",
    );
    expect(git(plain, 'status', '--porcelain')).toBe('');
  });

  it('updates with --source: the base is the commit whose template.yaml says the recorded version, wherever the folder is', async () => {
    const result = await runIn(plain, doors.slipway, ['update', '--source', upstream, '--json'], env);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ from: '1.0.0', to: '1.1.0', conflicts: [] });
    // The base was found, as generated: nothing is taken for a hand edit. (The workflows and README now
    // pin Slipway's actions to the templates' commit, which a folder without history could not name.)
    const files = JSON.parse(result.stdout).files as Array<{ path: string; outcome: string }>;
    expect(files).toContainEqual({ path: 'CONTRIBUTING.md', outcome: 'written' });
    expect(files.filter((file) => file.outcome !== 'written')).toEqual([]);
    expect(await readFile(join(plain, '.github/workflows/main.yml'), 'utf8')).toContain(
      git(upstream, 'rev-parse', 'HEAD').trim(),
    );
    const record = await readRecord(plain);
    expect(record.source).toEqual({
      repository: upstream,
      path: 'templates',
      commit: git(upstream, 'rev-parse', 'HEAD').trim(),
    });
    git(plain, 'add', '-A');
    git(plain, 'commit', '-q', '-m', 'update to classification 1.1.0');
    // From now on the record names a repository with history: check and update need no flag.
    const checked = await runIn(plain, doors.slipway, ['template', 'check'], env);
    expect(checked.code, checked.stderr).toBe(0);
  });
});
