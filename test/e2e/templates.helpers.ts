// Shared by the templates end-to-end tests: the bundled doors, run in a folder as a person would run them.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { bundleCli, bundleForNode } from '../../scripts/bundle.ts';
import { repoRoot } from '../harness/run-action.js';

const run = promisify(execFile);

export const templatesRoot = join(repoRoot, 'templates');

export interface Doors {
  readonly slipway: string;
  readonly createSlipway: string;
}

export async function bundleDoors(dir: string): Promise<Doors> {
  const slipway = await bundleCli(dir);
  const createSlipway = join(dir, 'create-slipway.js');
  await bundleForNode({
    entry: join(repoRoot, 'packages/create-slipway/src/index.ts'),
    outfile: createSlipway,
    shebang: true,
  });
  return { slipway, createSlipway };
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a bundled door in `cwd`, without a terminal; never throws, so tests can look at failures. */
export async function runIn(
  cwd: string,
  door: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, [door, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** Every file under `dir` but .git, with its content, for comparing two generated projects. */
export async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (path.startsWith('.git/')) continue;
    out[path] = await readFile(join(dir, path), 'utf8');
  }
  return out;
}

/**
 * A folder holding `python3` → Debian's /usr/bin/python3, which has python3-torch (scripts/test.sh installs
 * it). Put first on PATH, the generated project's `python3` commands find torch, as a runner's set-up
 * Python with `pip install -r requirements.txt` would.
 */
export async function pythonWithTorch(dir: string): Promise<string> {
  const bin = join(dir, 'python-bin');
  await mkdir(bin, { recursive: true });
  await symlink('/usr/bin/python3', join(bin, 'python3'));
  execFileSync(join(bin, 'python3'), ['-c', 'import torch']);
  return bin;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
}
