import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitEnvironment } from '@slipway/core/config';
import { describeSource, readRecord, recordPath } from '@slipway/core/templates';
import { afterEach, describe, expect, it } from 'vitest';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnvironment(), encoding: 'utf8' }).trim();
}

async function templatesRepository(): Promise<{ repository: string; templates: string; commit: string }> {
  const repository = await mkdtemp(join(tmpdir(), 'slipway-source-'));
  made.push(repository);
  const templates = join(repository, 'templates');
  await mkdir(join(templates, 'tiny'), { recursive: true });
  await writeFile(join(templates, 'tiny', 'template.yaml'), 'version: 1.0.0\nquestions: [name]\n');
  git(repository, 'init', '-q', '-b', 'main');
  git(repository, 'add', '-A');
  git(repository, '-c', 'user.name=Dev', '-c', 'user.email=dev@localhost', 'commit', '-q', '-m', 'One');
  return { repository, templates, commit: git(repository, 'rev-parse', 'HEAD') };
}

describe('where a template comes from', () => {
  it('names the repository, the folder inside it and the commit, and sees uncommitted changes', async () => {
    const { repository, templates, commit } = await templatesRepository();
    expect(await describeSource(templates)).toEqual({
      record: { repository, path: 'templates', commit },
      dirty: false,
    });
    await writeFile(join(templates, 'tiny', 'template.yaml'), 'version: 1.1.0\nquestions: [name]\n');
    expect((await describeSource(templates)).dirty).toBe(true);
  });

  it('passes over a .git that git would not take, as git does', async () => {
    const { repository, templates, commit } = await templatesRepository();
    await mkdir(join(templates, '.git'));
    expect((await describeSource(templates)).record).toEqual({ repository, path: 'templates', commit });
  });

  it('says a folder outside any repository has no commit', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'slipway-source-'));
    made.push(folder);
    expect(await describeSource(folder)).toEqual({ record: { repository: folder, path: '.' }, dirty: false });
  });
});

describe('reading a project record', () => {
  it('keeps every value a string, as an earlier Slipway wrote it', async () => {
    const project = await mkdtemp(join(tmpdir(), 'slipway-record-'));
    made.push(project);
    await mkdir(join(project, '.slipway'));
    await writeFile(
      join(project, recordPath),
      'template: tiny\nversion: 1.0.0\nsource:\n  repository: /src\n  path: templates\nanswers:\n  name: 0b101\n  count: 012\nfiles:\n  README.md: sha256:00\n',
    );
    const record = await readRecord(project);
    expect(record.answers).toEqual({ name: '0b101', count: '012' });
  });
});
