// `slipway new` and `slipway update` where the checkout is not byte for byte what git stores or the
// template has: CRLF line endings (core.autocrlf, a .gitattributes eol=crlf), executable files, and a
// file an answer renames. Each against a small template source with history, as a user's fork would have.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gitEnvironment } from '@slipway/core/config';
import { newProject, type UpdateResult, updateProject } from '@slipway/core/templates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    env: gitEnvironment(),
    encoding: 'utf8',
  });
}

/** Writes `files` below `root`: a string, or `{ text, executable }`; null removes one. */
type Content = string | { readonly text: string; readonly executable: boolean } | null;
async function put(root: string, files: Record<string, Content>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    if (content === null) await rm(file, { recursive: true });
    else {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, typeof content === 'string' ? content : content.text);
      if (typeof content !== 'string') await chmod(file, content.executable ? 0o755 : 0o644);
    }
  }
}

interface Fixture {
  readonly templates: string;
  readonly project: string;
  readonly release: (version: string, changes: Record<string, Content>) => Promise<void>;
}

/** A template source with template `t` at 1.0.0 holding `files`, and a project generated from it. */
async function fixture(name: string, files: Record<string, Content>): Promise<Fixture> {
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
  const release = async (version: string, changes: Record<string, Content>) => {
    await put(template, { 'template.yaml': spec(version), ...changes });
    git(source, 'add', '-A');
    git(source, 'commit', '-q', '-m', version);
  };
  return { templates, project: projectDir, release };
}

/** Checks every file out again, as a fresh clone with the project's line-ending settings would. */
function checkOutAgain(project: string): void {
  git(project, 'rm', '-q', '-r', '--cached', '.');
  git(project, 'reset', '-q', '--hard');
}

const byPath = (result: UpdateResult) => Object.fromEntries(result.files.map((f) => [f.path, f]));
const read = (project: string, path: string) => readFileSync(join(project, path), 'utf8');
const isExecutable = (file: string) => (statSync(file).mode & 0o111) !== 0;
const lines = (...text: string[]) => text.map((line) => `${line}\n`).join('');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-update-checkout-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a project checked out with CRLF line endings', () => {
  const readme = lines('# p', 'first paragraph', '', 'second paragraph', '', 'third paragraph');
  const files = { 'README.md': readme, '.github/ci.yml': lines('on: push', 'jobs: {}') };

  it('updates cleanly when nobody edited it (core.autocrlf=true): no conflicts, nothing reported replaced', async () => {
    const { templates, project, release } = await fixture('autocrlf', files);
    git(project, 'config', 'core.autocrlf', 'true');
    checkOutAgain(project);
    expect(read(project, 'README.md')).toContain('first paragraph\r\n');
    await release('1.1.0', {
      'README.md': readme.replace('third paragraph', 'third paragraph, changed'),
      '.github/ci.yml': lines('on: [push, pull_request]', 'jobs: {}'),
      'NEW.md': lines('new', 'file'),
    });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.conflicts).toEqual([]);
    expect(byPath(result)).toEqual({
      'README.md': { path: 'README.md', outcome: 'written' },
      '.github/ci.yml': { path: '.github/ci.yml', outcome: 'written' },
      'NEW.md': { path: 'NEW.md', outcome: 'written' },
    });
    // What it writes keeps the checkout's line endings, so git sees only the template's change.
    expect(read(project, 'README.md')).toBe(
      readme.replace('third paragraph', 'third paragraph, changed').replaceAll('\n', '\r\n'),
    );
    expect(read(project, 'NEW.md')).toBe('new\r\nfile\r\n');
    expect(git(project, 'diff', '--numstat', 'HEAD', '--', 'README.md', '.github/ci.yml')).toBe(
      '1\t1\t.github/ci.yml\n1\t1\tREADME.md\n',
    );
  });

  it('merges a real edit into a CRLF file, keeping CRLF (.gitattributes eol=crlf)', async () => {
    const { templates, project, release } = await fixture('eol-crlf', files);
    await writeFile(join(project, '.gitattributes'), '* text eol=crlf\n');
    git(project, 'add', '.gitattributes');
    git(project, 'commit', '-q', '-m', 'CRLF for our Windows colleagues');
    checkOutAgain(project);
    expect(read(project, 'README.md')).toContain('first paragraph\r\n');
    await writeFile(
      join(project, 'README.md'),
      read(project, 'README.md').replace('first paragraph', 'first paragraph, ours'),
    );
    git(project, 'commit', '-q', '-am', 'our edit');
    await release('1.1.0', { 'README.md': readme.replace('third paragraph', 'third paragraph, theirs') });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(result.conflicts).toEqual([]);
    expect(byPath(result)['README.md']).toEqual({ path: 'README.md', outcome: 'merged' });
    expect(read(project, 'README.md')).toBe(
      readme
        .replace('first paragraph', 'first paragraph, ours')
        .replace('third paragraph', 'third paragraph, theirs')
        .replaceAll('\n', '\r\n'),
    );
    expect(git(project, 'diff', '--numstat', 'HEAD', '--', 'README.md')).toBe('1\t1\tREADME.md\n');
    // The record moved on, written as the checkout has its files.
    expect(read(project, '.slipway/template.yaml')).toContain('version: 1.1.0\r\n');
  });
});

describe('executable files', () => {
  const files = {
    'scripts/run.sh': { text: '#!/bin/sh\necho run\n', executable: true },
    'scripts/setup.sh': { text: '#!/bin/sh\necho setup\n', executable: false },
    'scripts/mine.sh': { text: '#!/bin/sh\necho mine\n', executable: true },
  };

  it('keep their mode: new writes and commits them executable, update keeps and carries the template’s modes', async () => {
    const { templates, project, release } = await fixture('modes', files);
    expect(isExecutable(join(project, 'scripts/run.sh'))).toBe(true);
    expect(isExecutable(join(project, 'scripts/setup.sh'))).toBe(false);
    expect(git(project, 'ls-files', '-s', 'scripts/run.sh')).toMatch(/^100755 /);
    // You made one not executable yourself.
    git(project, 'update-index', '--chmod=-x', 'scripts/mine.sh');
    await chmod(join(project, 'scripts/mine.sh'), 0o644);
    git(project, 'commit', '-q', '-m', 'mine is sourced, not run');
    await release('1.1.0', {
      'scripts/run.sh': { text: '#!/bin/sh\necho run faster\n', executable: true },
      'scripts/setup.sh': { text: '#!/bin/sh\necho setup\n', executable: true },
      'scripts/mine.sh': { text: '#!/bin/sh\necho mine, changed\n', executable: true },
      'scripts/new.sh': { text: '#!/bin/sh\necho new\n', executable: true },
    });

    const result = await updateProject({ projectDir: project, templatesRoot: templates });

    expect(byPath(result)['scripts/setup.sh']).toEqual({
      path: 'scripts/setup.sh',
      outcome: 'written',
      note: 'made executable, as in the template',
    });
    for (const path of ['scripts/run.sh', 'scripts/setup.sh', 'scripts/new.sh'])
      expect(isExecutable(join(project, path)), path).toBe(true);
    expect(isExecutable(join(project, 'scripts/mine.sh'))).toBe(false);
    expect(read(project, 'scripts/mine.sh')).toContain('mine, changed');
    git(project, 'add', '-A');
    expect(git(project, 'ls-files', '-s', 'scripts').replace(/ [0-9a-f]{40} 0/g, '')).toBe(
      [
        '100644\tscripts/mine.sh',
        '100755\tscripts/new.sh',
        '100755\tscripts/run.sh',
        '100755\tscripts/setup.sh',
        '',
      ].join('\n'),
    );
  });
});

describe('a file an answer renames', () => {
  const module = lines(
    '"""The model."""',
    'import json',
    '',
    '',
    'def train():',
    '    return 1',
    '',
    '',
    'def predict():',
    '    return 0',
  );
  const files = { '{{ slipway.name }}.py': module, 'README.md': 'See {{ slipway.name }}.py.\n' };

  it('carries your edits to its new name, merged with the template’s change, and says so', async () => {
    const { templates, project, release } = await fixture('rename', files);
    await writeFile(join(project, 'p.py'), read(project, 'p.py').replace('return 0', 'return 5'));
    git(project, 'commit', '-q', '-am', 'our predict');
    await release('1.1.0', { '{{ slipway.name }}.py': module.replace('return 1', 'return 10') });

    const result = await updateProject({ projectDir: project, templatesRoot: templates, set: { name: 'q' } });

    expect(result.conflicts).toEqual([]);
    expect(byPath(result)).toMatchObject({
      'p.py': { outcome: 'removed', note: 'renamed to q.py' },
      'q.py': { outcome: 'merged', note: 'renamed from p.py: your edits carried over' },
    });
    expect(existsSync(join(project, 'p.py'))).toBe(false);
    expect(read(project, 'q.py')).toBe(
      module.replace('return 1', 'return 10').replace('return 0', 'return 5'),
    );
    expect(read(project, 'README.md')).toBe('See q.py.\n');
  });

  it('leaves overlapping edits as a conflict at the new name, unmerged in git’s index', async () => {
    const { templates, project, release } = await fixture('rename-conflict', files);
    await writeFile(join(project, 'p.py'), read(project, 'p.py').replace('return 1', 'return 3'));
    git(project, 'commit', '-q', '-am', 'ours');
    await release('1.1.0', { '{{ slipway.name }}.py': module.replace('return 1', 'return 10') });

    const result = await updateProject({ projectDir: project, templatesRoot: templates, set: { name: 'q' } });

    expect(result.conflicts).toEqual(['q.py']);
    expect(byPath(result)['q.py']?.note).toMatch(
      /^renamed from p\.py: your edits carried over; 1 conflicting/,
    );
    expect(git(project, 'status', '--porcelain')).toContain(' D p.py');
    expect(git(project, 'diff', '--name-only', '--diff-filter=U')).toBe('q.py\n');
  });
});
