import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandArgv, runCommand } from '../../src/eval/command.js';

const env = { PATH: process.env.PATH };

/** Running (not a zombie waiting for a parent that a container's init may never be). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe('running the eval command', () => {
  it('splits a string command on whitespace and never hands it to a shell', async () => {
    expect(commandArgv('python3  eval.py --fast')).toEqual(['python3', 'eval.py', '--fast']);
    const lines: string[] = [];
    const result = await runCommand({
      command: 'echo $HOME;ls',
      cwd: '.',
      env,
      onLine: (l) => lines.push(l),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['$HOME;ls']);
  });

  it('streams stdout and stderr line by line and reports the exit code', async () => {
    const lines: Array<[string, string]> = [];
    const script =
      'import sys\nprint("one")\nprint("two", file=sys.stderr)\nsys.stdout.write("tail")\nsys.exit(3)';
    const result = await runCommand({
      command: ['python3', '-c', script],
      cwd: '.',
      env,
      onLine: (l, s) => lines.push([l, s]),
    });
    expect(result.exitCode).toBe(3);
    expect(lines).toContainEqual(['one', 'stdout']);
    expect(lines).toContainEqual(['two', 'stderr']);
    expect(lines).toContainEqual(['tail', 'stdout']);
  });

  it('kills the whole process tree when the command runs past its timeout', async () => {
    // The child starts a grandchild that sleeps, prints its pid and waits: a wrapper around a GPU job.
    const script =
      'import subprocess, sys, time\np = subprocess.Popen(["sleep", "300"])\nprint(p.pid, flush=True)\ntime.sleep(300)';
    const lines: string[] = [];
    const run = runCommand({
      command: ['python3', '-c', script],
      cwd: '.',
      env,
      timeoutMs: 1_500,
      killGraceMs: 500,
      onLine: (l) => lines.push(l),
    });
    await expect(run).rejects.toThrow(
      /ran past its timeout of 1\.5 s and was stopped with its whole process tree/,
    );
    const sleeper = Number(lines[0]);
    expect(sleeper).toBeGreaterThan(0);
    expect(alive(sleeper)).toBe(false);
  });

  it('kills the process tree when cancelled', async () => {
    const controller = new AbortController();
    const run = runCommand({ command: ['sleep', '300'], cwd: '.', env, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toThrow(/was cancelled; its process tree was stopped/);
  });

  it('says which program could not be started', async () => {
    await expect(
      runCommand({ command: ['no-such-program-xyz'], cwd: '.', env, label: "test set 'holdout'" }),
    ).rejects.toThrow(
      /Could not start the eval command 'no-such-program-xyz' \(test set 'holdout'\).*Is 'no-such-program-xyz' installed and on PATH/,
    );
  });

  it('refuses an empty command', () => {
    expect(() => commandArgv('   ')).toThrow(/The eval command is empty/);
    expect(() => commandArgv([])).toThrow(/The eval command is empty/);
  });
});
