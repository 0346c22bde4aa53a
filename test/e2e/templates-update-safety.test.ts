// `slipway update` and `slipway new --force` where the project is not laid out as the template expects: a
// committed symbolic link, an untracked file where the template adds one, a file the template turned into
// a folder (and back). Each against a small template source with history, as a user's fork would have.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gitEnvironment } from '@slipway/core/config';
import { SlipwayError } from '@slipway/core/errors';
import { newProject, updateProject } from '@slipway/core/templates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    env: gitEnvironment(),
    encoding: 'utf8',
  });
}

/** Writes `files` (null removes one) below `root`. */
async function put(root: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    if (content === null) await rm(file, { recursive: true });
    else {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  }
}

interface Fixture {
  /** The template source's templates folder. */
  readonly templates: string;
  /** The project generated from version 1.0.0 and committed. */
  readonly project: string;
  /** Commits version `version` of the template with `changes` made to its files. */
  readonly release: (version: string, changes: Record<string, string | null>) => Promise<void>;
}

/** A template source with template `t` at 1.0.0 holding `files`, and a project generated from it. */
async function fixture(name: string, files: Record<string, string>): Promise<Fixture> {
  const root = join(dir, name);
  const source = join(root, 'source');
  const template = join(source, 'templates/t');
  const spec = (version: string) =>
    `version: ${version}\ndescription: t\nquestions: [name]\nmanaged: [".github/"]\n`;
  await put(template, { 'template.yaml': spec('1.0.0'), ...files });
  git(source, 'init', '-q', '-b', 'main');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', '1.0.0');
  const templates = join(source, 'templates');
  const { projectDir } = await newProject({
    templatesRoot: templates,
    template: 't',
    directory: 'p',
    parentDir: root,
    answers: { name: 'p' },
    git: true,
  });
  const release = async (version: string, changes: Record<string, string | null>) => {
    await put(template, { 'template.yaml': spec(version), ...changes });
    git(source, 'add', '-A');
    git(source, 'commit', '-q', '-m', version);
  };
  return { templates, project: projectDir, release };
}

async function refusal(promise: Promise<unknown>): Promise<SlipwayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SlipwayError);
  return error as SlipwayError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-update-safety-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('update never writes through a symbolic link', () => {
  it('keeps a change below a committed link to a folder outside the project, and says which link', async () => {
    const { templates, project, release } = await fixture('folder-link', {
      'docs/old.md': 'guide\n',
      'README.md': 'hello\n',
    });
    // The project shares its docs with another: docs -> ../shared, committed.
    const shared = join(dirname(project), 'shared');
    await mkdir(shared);
    await writeFile(join(shared, 'old.md'), 'guide\n');
    await rm(join(project, 'docs'), { recursive: true });
    await symlink('../shared', join(project, 'docs'));
    git(project, 'add', '-A');
    git(project, 'commit', '-q', '-m', 'share docs');
    await release('1.1.0', { 'docs/new.md': 'new\n', 'docs/old.md': null, 'README.md': 'hello v2\n' });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.files).toEqual([
      { path: 'README.md', outcome: 'written' },
      {
        path: 'docs/new.md',
        outcome: 'kept',
        note: "not written: 'docs' is a symbolic link; Slipway does not write through links",
      },
      {
        path: 'docs/old.md',
        outcome: 'kept',
        note: "not removed: 'docs' is a symbolic link; Slipway does not write through links",
      },
    ]);
    expect((await readdir(shared)).sort()).toEqual(['old.md']);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toBe('hello v2\n');
  });

  it('neither reads nor writes a file that is itself a link out of the project', async () => {
    const { templates, project, release } = await fixture('file-link', { 'NOTES.md': 'a\nb\nc\n' });
    const outside = join(dirname(project), 'outside.md');
    await writeFile(outside, 'a\nb\nc\nmine\n');
    await rm(join(project, 'NOTES.md'));
    await symlink('../outside.md', join(project, 'NOTES.md'));
    git(project, 'add', '-A');
    git(project, 'commit', '-q', '-m', 'notes live elsewhere');
    await release('1.1.0', { 'NOTES.md': 'A\nb\nc\n' });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.files).toEqual([
      {
        path: 'NOTES.md',
        outcome: 'kept',
        note: "not written: 'NOTES.md' is a symbolic link; Slipway does not write through links",
      },
    ]);
    expect(readFileSync(outside, 'utf8')).toBe('a\nb\nc\nmine\n');
  });

  it('refuses to move the template record on through a linked .slipway folder, before writing anything', async () => {
    const { templates, project, release } = await fixture('record-link', { 'README.md': 'hello\n' });
    const elsewhere = join(dirname(project), 'records');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'template.yaml'), readFileSync(join(project, '.slipway/template.yaml')));
    await rm(join(project, '.slipway'), { recursive: true });
    await symlink('../records', join(project, '.slipway'));
    git(project, 'add', '-A');
    git(project, 'commit', '-q', '-m', 'records live elsewhere');
    const record = readFileSync(join(elsewhere, 'template.yaml'), 'utf8');
    await release('1.1.0', { 'README.md': 'hello v2\n' });

    const error = await refusal(updateProject({ projectDir: project, templatesRoot: templates }));

    expect(error.message).toContain("'.slipway' is a symbolic link");
    expect(readFileSync(join(elsewhere, 'template.yaml'), 'utf8')).toBe(record);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toBe('hello\n');
  });
});

/** `slipway new p --force` from the templates in `root`, into `root/p`, which exists already. */
function forceNew(root: string): Promise<unknown> {
  return newProject({
    templatesRoot: join(root, 'templates'),
    template: 't',
    directory: 'p',
    parentDir: root,
    answers: { name: 'p' },
    force: true,
  });
}

describe('new --force never writes through a symbolic link', () => {
  it('refuses a folder whose link the template would write through, before writing anything', async () => {
    const root = join(dir, 'new-link');
    const template = join(root, 'templates/t');
    await put(template, {
      'template.yaml': 'version: 1.0.0\ndescription: t\nquestions: [name]\n',
      'README.md': 'hello\n',
      'docs/guide.md': 'guide\n',
    });
    const project = join(root, 'p');
    await mkdir(join(root, 'shared'), { recursive: true });
    await mkdir(project);
    await writeFile(join(project, 'keep.txt'), 'mine\n');
    await symlink('../shared', join(project, 'docs'));

    const error = await refusal(forceNew(root));

    expect(error.message).toContain("'docs' is a symbolic link");
    expect(await readdir(join(root, 'shared'))).toEqual([]);
    expect((await readdir(project)).sort()).toEqual(['docs', 'keep.txt']);
  });

  it('refuses a folder with a folder where the template has a file, naming it', async () => {
    const root = join(dir, 'new-folder-clash');
    await put(join(root, 'templates/t'), {
      'template.yaml': 'version: 1.0.0\ndescription: t\nquestions: [name]\n',
      'README.md': 'hello\n',
      'notes.md': 'notes\n',
    });
    const project = join(root, 'p');
    await mkdir(join(project, 'notes.md'), { recursive: true });

    const error = await refusal(forceNew(root));

    expect(error.message).toContain("'notes.md' is a folder, and the template has a file there");
    expect(await readdir(project)).toEqual(['notes.md']);
  });
});

describe('update never destroys a file git does not track', () => {
  it('refuses the whole update, naming the untracked files the template would replace or merge into', async () => {
    const { templates, project, release } = await fixture('untracked', {
      '.github/workflows/ci.yml': 'on: push\n',
      'README.md': 'hello\n',
    });
    await put(project, {
      '.github/workflows/release.yml': 'MY OWN RELEASE WORKFLOW\n',
      'NOTES.md': 'my notes\n',
    });
    await release('1.1.0', {
      '.github/workflows/release.yml': 'on: tag\n',
      'NOTES.md': 'template notes\n',
      'README.md': 'hello v2\n',
    });
    const record = readFileSync(join(project, '.slipway/template.yaml'), 'utf8');

    const error = await refusal(updateProject({ projectDir: project, templatesRoot: templates }));

    expect(error.message).toContain(
      'untracked files would be overwritten by the update: .github/workflows/release.yml, NOTES.md; move or commit them first',
    );
    expect(readFileSync(join(project, '.github/workflows/release.yml'), 'utf8')).toBe(
      'MY OWN RELEASE WORKFLOW\n',
    );
    expect(readFileSync(join(project, 'NOTES.md'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(project, '.slipway/template.yaml'), 'utf8')).toBe(record);
  });
});

describe('update and files git ignores', () => {
  it('replaces an ignored file where the template adds a managed one, as git merge does', async () => {
    const { templates, project, release } = await fixture('ignored', { 'README.md': 'hello\n' });
    await writeFile(join(project, '.gitignore'), '.github/local.yml\n');
    git(project, 'add', '.gitignore');
    git(project, 'commit', '-q', '-m', 'ignore a local workflow');
    await mkdir(join(project, '.github'), { recursive: true });
    await writeFile(join(project, '.github/local.yml'), 'a local file\n');
    await release('1.1.0', { '.github/local.yml': 'the template now ships it\n' });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.files.map((f) => [f.path, f.outcome])).toEqual([['.github/local.yml', 'replaced']]);
    expect(readFileSync(join(project, '.github/local.yml'), 'utf8')).toBe('the template now ships it\n');
  });
});

describe('update where the template turned a file into a folder, or a folder into a file', () => {
  it('removes the file and writes the folder the template made of it', async () => {
    const { templates, project, release } = await fixture('file-to-folder', {
      config: 'k: 1\n',
      'README.md': 'hello\n',
    });
    await release('1.1.0', { config: null, 'config/a.yaml': 'k: 2\n', 'README.md': 'hello v2\n' });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.files).toEqual([
      { path: 'README.md', outcome: 'written' },
      { path: 'config', outcome: 'removed' },
      { path: 'config/a.yaml', outcome: 'written' },
    ]);
    expect(readFileSync(join(project, 'config/a.yaml'), 'utf8')).toBe('k: 2\n');
  });

  it('keeps a file you edited where the template now has a folder, and says why', async () => {
    const { templates, project, release } = await fixture('edited-file-to-folder', { config: 'k: 1\n' });
    await writeFile(join(project, 'config'), 'k: mine\n');
    git(project, 'commit', '-q', '-am', 'my config');
    await release('1.1.0', { config: null, 'config/a.yaml': 'k: 2\n' });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.files).toEqual([
      {
        path: 'config',
        outcome: 'kept',
        note: 'the template removed this file; you had edited it, so it is kept',
      },
      {
        path: 'config/a.yaml',
        outcome: 'kept',
        note: "'config' is a file in the project; the template now has a folder there: left as it is",
      },
    ]);
    expect(readFileSync(join(project, 'config'), 'utf8')).toBe('k: mine\n');
  });

  it('keeps the folder where the template now has a file, and removes what it removed inside', async () => {
    const { templates, project, release } = await fixture('folder-to-file', {
      'conf/a.yaml': 'k: 1\n',
      'README.md': 'hello\n',
    });
    await release('1.1.0', { 'conf/': null, conf: 'k: 2\n', 'README.md': 'hello v2\n' });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.files).toEqual([
      { path: 'README.md', outcome: 'written' },
      {
        path: 'conf',
        outcome: 'kept',
        note: "'conf' is a folder in the project; the template now has a file there: left as it is",
      },
      { path: 'conf/a.yaml', outcome: 'removed' },
    ]);
    expect(existsSync(join(project, 'conf/a.yaml'))).toBe(false);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).toBe('hello v2\n');
  });
});
