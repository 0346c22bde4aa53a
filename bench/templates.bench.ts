// templates: `slipway new` and `slipway update` of a 200-file project, as ratios to `node -e 0` measured
// in the same rounds (alternating, after a warm-up). The template source is a git repository holding a
// 200-file template at 1.0.0, then at 1.1.0 (20 files changed, 5 added); each update runs on a fresh
// project generated from 1.0.0 with 10 files edited by hand where the template does not change them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCli } from '../scripts/bundle.ts';
import { compare, time } from './harness.ts';

const work = mkdtempSync(join(tmpdir(), 'slipway-bench-templates-'));
// Eleven rounds, one process a side in each: a 2-core machine moves single runs by 30 %. One project to
// update per round, and one for the warm-up.
const rounds = 11;
const files = 200;

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@localhost', ...args], {
    cwd,
    stdio: 'ignore',
  });
}

function fileText(i: number, version: string): string {
  const lines = [`# File ${i} of {{ slipway.name }} (owned by {{ slipway.org }}), template ${version}`];
  for (let line = 0; line < 40; line++)
    lines.push(`value_${i}_${line} = ${line * i} # unchanged line ${line}`);
  return `${lines.join('\n')}\n`;
}

try {
  const cli = await bundleCli(work);
  const slipway = (cwd: string, ...args: string[]) =>
    execFileSync(process.execPath, [cli, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });

  // The template source at 1.0.0.
  const source = join(work, 'source');
  const template = join(source, 'templates/big');
  mkdirSync(join(template, 'src'), { recursive: true });
  writeFileSync(
    join(template, 'template.yaml'),
    'version: 1.0.0\ndescription: 200 files\nquestions: [name, org]\n',
  );
  for (let i = 0; i < files; i++) writeFileSync(join(template, 'src', `file-${i}.py`), fileText(i, '1.0.0'));
  git(source, 'init', '-q', '-b', 'main');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', '1.0.0');
  const templates = join(source, 'templates');

  // Projects to update, one per round plus the warm-up, each with hand edits committed.
  const projects = join(work, 'projects');
  mkdirSync(projects);
  for (let round = 0; round <= rounds; round++) {
    slipway(
      projects,
      'new',
      `p${round}`,
      '--template',
      'big',
      '--templates',
      templates,
      '--yes',
      '--org',
      'acme',
    );
    const project = join(projects, `p${round}`);
    for (let i = 100; i < 110; i++) {
      const path = join(project, 'src', `file-${i}.py`);
      writeFileSync(path, readFileSync(path, 'utf8').replace('unchanged line 20', 'edited by hand'));
    }
    git(project, 'commit', '-q', '-am', 'hand edits');
  }

  // The template moves to 1.1.0: 20 files changed (10 of them also edited by hand elsewhere), 5 added.
  writeFileSync(
    join(template, 'template.yaml'),
    'version: 1.1.0\ndescription: 200 files\nquestions: [name, org]\n',
  );
  for (let i = 95; i < 115; i++) {
    const path = join(template, 'src', `file-${i}.py`);
    writeFileSync(path, readFileSync(path, 'utf8').replace('unchanged line 2\n', 'changed in 1.1.0\n'));
  }
  for (let i = files; i < files + 5; i++)
    writeFileSync(join(template, 'src', `file-${i}.py`), fileText(i, '1.1.0'));
  git(source, 'commit', '-q', '-am', '1.1.0');
  git(source, 'add', '-A');
  git(source, 'commit', '-q', '-m', '1.1.0 new files');

  const generated = join(work, 'generated');
  mkdirSync(generated);
  const node = { label: 'node -e 0', run: () => time(() => execFileSync(process.execPath, ['-e', '0'])) };
  let made = 0;
  await compare({
    name: 'templates-new-200-files-vs-node',
    kind: 'slowdown',
    target: 4,
    rounds,
    ours: {
      label: 'slipway new (200 files, git init + commit)',
      run: () =>
        time(() =>
          slipway(
            generated,
            'new',
            `n${made++}`,
            '--template',
            'big',
            '--templates',
            templates,
            '--yes',
            '--org',
            'acme',
          ),
        ),
    },
    peer: node,
  });
  let updated = 0;
  await compare({
    name: 'templates-update-200-files-vs-node',
    kind: 'slowdown',
    target: 8,
    rounds,
    ours: {
      label: 'slipway update (200 files, 25 changed, 10 merged with hand edits)',
      run: () =>
        time(() => {
          try {
            slipway(join(projects, `p${updated++}`), 'update', '--templates', templates);
          } catch (error) {
            throw new Error(
              `slipway update failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`,
            );
          }
        }),
    },
    peer: node,
  });
  const changed = execFileSync('git', ['status', '--porcelain'], {
    cwd: join(projects, `p${rounds}`),
    encoding: 'utf8',
  });
  if (changed.split('\n').filter(Boolean).length !== 26)
    throw new Error(`update changed unexpected files:\n${changed}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
