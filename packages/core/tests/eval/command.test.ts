import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
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

// A test that fails must not leave its `sleep 300` behind.
const strays: number[] = [];
afterEach(() => {
  for (const pid of strays.splice(0)) {
    try {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
});

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
    // sh, not Python: it starts in milliseconds, so the pid is printed long before the deadline on a busy machine.
    const lines: string[] = [];
    const run = runCommand({
      command: ['sh', '-c', 'sleep 300 & echo $!; sleep 300'],
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

  it('stops a command whose setsid grandchild holds stdout open past the timeout, grandchild included', async () => {
    // A daemonising wrapper: the grandchild leaves the process group and the session, keeps stdout.
    // sh, not Python: it starts in milliseconds, so the pid is printed long before the deadline on a busy machine.
    const lines: string[] = [];
    const run = runCommand({
      command: ['sh', '-c', 'setsid sleep 300 & echo $!; sleep 300'],
      cwd: '.',
      env,
      timeoutMs: 1_500,
      killGraceMs: 500,
      onLine: (l) => lines.push(l),
    });
    await expect(run).rejects.toThrow(/ran past its timeout of 1\.5 s/);
    const grandchild = Number(lines[0]);
    strays.push(grandchild);
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(false);
  });

  it('finishes when the command exits while a setsid grandchild still holds stdout', async () => {
    const lines: string[] = [];
    const result = await runCommand({
      command: ['sh', '-c', 'setsid sleep 300 & echo $!; sleep 1'],
      cwd: '.',
      env,
      killGraceMs: 500,
      onLine: (l) => lines.push(l),
    });
    expect(result.exitCode).toBe(0);
    const grandchild = Number(lines[0]);
    strays.push(grandchild);
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(false);
  });

  it('finds a setsid grandchild that no look at the tree saw, by the stdout it holds', async () => {
    // Forked after the first scan (500 ms) and orphaned at once, before the second: by parentage it is
    // lost, but it still holds the command's stdout.
    const lines: string[] = [];
    const result = await runCommand({
      command: ['sh', '-c', 'sleep 0.7; setsid sleep 300 & echo $!'],
      cwd: '.',
      env,
      killGraceMs: 5_000,
      onLine: (l) => lines.push(l),
    });
    expect(result.exitCode).toBe(0);
    const grandchild = Number(lines[0]);
    strays.push(grandchild);
    expect(grandchild).toBeGreaterThan(0);
    expect(alive(grandchild)).toBe(false);
  });

  it('logs only the last frame of a 16 MB carriage-return progress bar, and cuts a 16 MB line short', async () => {
    // tqdm redraws its bar with `\r`; a terminal shows the last frame, and so does the log.
    const script =
      'import sys\nfor i in range(400000): sys.stdout.write("\\r%6d%%|####" % i)\nsys.stdout.write("\\ndone\\n")\n' +
      'sys.stdout.write("x" * (16 * 1024 * 1024))\n';
    const lines: string[] = [];
    const result = await runCommand({
      command: ['python3', '-c', script],
      cwd: '.',
      env,
      onLine: (l) => lines.push(l),
    });
    expect(result.exitCode).toBe(0);
    expect(lines.slice(0, 2)).toEqual(['399999%|####', 'done']);
    expect(lines).toHaveLength(3);
    expect(lines[2]!.length).toBeLessThan(70 * 1024);
    expect(lines[2]).toMatch(
      new RegExp(`^x{${64 * 1024}} … \\(${16 * 1024 * 1024 - 64 * 1024} more characters cut\\)$`),
    );
  });
});
