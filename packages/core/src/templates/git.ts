// The git plumbing templates need (history of a template source, merge-file, the index), run with
// argument arrays and never a shell.
import { execFile, spawn } from 'node:child_process';
import { gitEnvironment } from '../config/git-environment.js';

export interface GitResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs git; resolves with its exit code instead of throwing, for commands whose code means something.
 * `env` adds variables after gitEnvironment has dropped the ones tying git to a repository (a command that
 * needs its own GIT_INDEX_FILE names it here).
 */
export function gitRaw(
  args: readonly string[],
  cwd: string,
  input?: Buffer | string,
  env: Readonly<Record<string, string>> = {},
): Promise<GitResult> {
  return new Promise((done, fail) => {
    const child = execFile(
      'git',
      [...args],
      { cwd, encoding: 'buffer', maxBuffer: 1 << 30, env: { ...gitEnvironment(), ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (error && typeof error.code !== 'number') fail(error);
        else done({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
    // A git that exits before reading all of its input says why by its exit code and stderr: the
    // broken pipe that writing the rest meets is no error of its own.
    child.stdin?.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs git and returns its trimmed output; a non-zero exit is an error naming the command. */
export async function git(args: readonly string[], cwd: string, input?: Buffer | string): Promise<string> {
  const result = await gitRaw(args, cwd, input);
  if (result.code !== 0) {
    throw new Error(`git ${args.join(' ')} failed in ${cwd} (exit ${result.code}): ${result.stderr.trim()}`);
  }
  return result.stdout.toString('utf8').trim();
}

/** Writes `paths` of `commit` into `into` (git archive piped into tar). */
export async function extractTree(
  repository: string,
  commit: string,
  paths: readonly string[],
  into: string,
): Promise<void> {
  const archive = spawn('git', ['archive', '--format=tar', commit, '--', ...paths], {
    cwd: repository,
    env: gitEnvironment(),
  });
  const tar = spawn('tar', ['-x', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  const collect = (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  };
  archive.stderr.on('data', collect);
  tar.stderr.on('data', collect);
  archive.stdout.pipe(tar.stdin);
  const exit = (child: typeof archive | typeof tar) =>
    new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('close', done);
    });
  const [archiveCode, tarCode] = await Promise.all([exit(archive), exit(tar)]);
  if (archiveCode !== 0 || tarCode !== 0) {
    throw new Error(`git archive ${commit} -- ${paths.join(' ')} in ${repository} failed: ${stderr.trim()}`);
  }
}
