import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitEnvironment } from '@slipway/core/config';
import { collectAnswers, findTemplate, newProject } from '@slipway/core/templates';
import { afterEach, describe, expect, it } from 'vitest';

const templatesRoot = new URL('../../../../templates', import.meta.url).pathname;
const gitVariables = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE'] as const;
const saved = Object.fromEntries(gitVariables.map((name) => [name, process.env[name]]));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnvironment(), encoding: 'utf8' }).trim();
}

/** A developer's repository with one commit and an unrelated file staged but not committed. */
async function developerRepository(root: string): Promise<string> {
  const dir = join(root, 'work');
  await mkdir(dir);
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'README'), 'mine\n');
  git(dir, 'add', 'README');
  git(dir, '-c', 'user.name=Dev', '-c', 'user.email=dev@localhost', 'commit', '-q', '-m', 'Mine');
  await writeFile(join(dir, 'half-done.txt'), 'not ready\n');
  git(dir, 'add', 'half-done.txt');
  return dir;
}

async function generate(parentDir: string, directory: string, force = false) {
  const spec = findTemplate(templatesRoot, 'classification');
  const answers = await collectAnswers(spec, {}, { directoryName: 'fraud' }, { useDefaults: true });
  return newProject({
    templatesRoot,
    template: 'classification',
    directory,
    parentDir,
    answers,
    git: true,
    force,
  });
}

afterEach(() => {
  for (const name of gitVariables) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('git in a generated project', () => {
  it('leaves the repository GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE point at untouched, as when run from a hook', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-new-git-'));
    const mine = await developerRepository(root);
    const head = git(mine, 'rev-parse', 'HEAD');
    process.env.GIT_DIR = join(mine, '.git');
    process.env.GIT_WORK_TREE = mine;
    process.env.GIT_INDEX_FILE = join(mine, '.git/index');

    const result = await generate(root, 'fraud');

    expect(git(mine, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(mine, 'log', '--format=%s')).toBe('Mine');
    expect(git(mine, 'status', '--porcelain')).toBe('A  half-done.txt');
    const project = join(root, 'fraud');
    expect(git(project, 'rev-parse', '--show-toplevel')).toBe(project);
    expect(git(project, 'rev-parse', 'HEAD')).toBe(result.commit);
    expect(git(project, 'log', '--format=%s')).toBe("Generate from Slipway's classification template 1.0.0");
    expect(git(project, 'status', '--porcelain')).toBe('');
  });

  it('commits only the generated files when forced into a repository that has other changes staged', async () => {
    const root = await mkdtemp(join(tmpdir(), 'slipway-new-git-'));
    const mine = await developerRepository(root);

    const result = await generate(root, 'work', true);

    expect(git(mine, 'rev-parse', 'HEAD')).toBe(result.commit);
    const committed = git(mine, 'show', '--name-only', '--format=', 'HEAD').split('\n');
    expect(committed).toContain('slipway.yaml');
    expect(committed).toContain('.slipway/template.yaml');
    expect(committed).not.toContain('half-done.txt');
    expect(git(mine, 'status', '--porcelain')).toBe('A  half-done.txt');
  });
});

describe('gitEnvironment', () => {
  it('drops every variable that ties git to one repository and keeps the rest', () => {
    const clean = gitEnvironment({
      PATH: '/bin',
      GIT_DIR: '/elsewhere/.git',
      GIT_WORK_TREE: '/elsewhere',
      GIT_INDEX_FILE: '/elsewhere/.git/index',
      GIT_OBJECT_DIRECTORY: '/elsewhere/.git/objects',
      GIT_COMMON_DIR: '/elsewhere/.git',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.worktree',
      GIT_CONFIG_VALUE_0: '/elsewhere',
      GIT_AUTHOR_NAME: 'Dev',
    });
    expect(clean).toEqual({
      PATH: '/bin',
      GIT_AUTHOR_NAME: 'Dev',
      GIT_TERMINAL_PROMPT: '0',
      GLIBC_TUNABLES: 'glibc.malloc.top_pad=4194304',
    });
  });

  it("pads git's heap growth, keeping the user's own malloc tunables", () => {
    expect(gitEnvironment({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.top_pad=4194304',
    );
    expect(gitEnvironment({ GLIBC_TUNABLES: 'glibc.malloc.top_pad=0' }).GLIBC_TUNABLES).toBe(
      'glibc.malloc.top_pad=0',
    );
  });
});
