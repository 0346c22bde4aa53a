// Runs the project's eval command: no shell, output streamed line by line, a timeout, and the whole
// process tree killed on timeout or cancellation. The command runs in its own process group and session
// (detached), so one signal to the group reaches the grandchildren a Python or shell wrapper starts too;
// those that leave both (setsid) are found by parentage as they appear, or by the output pipes they hold
// (process-tree.ts). At the deadline the pipes are closed, so nothing left holding them can keep the run open.
import { spawn } from 'node:child_process';
import { EvaluationError } from './errors.js';
import { OutputLines } from './output-lines.js';
import { outputFiles, ProcessTree } from './process-tree.js';

export type CommandSpec = string | readonly string[];

export interface RunCommandOptions {
  /** The command as an argument list, or one string split on whitespace (never a shell). */
  readonly command: CommandSpec;
  readonly cwd: string;
  /** The full environment of the command. */
  readonly env: Record<string, string | undefined>;
  /** Kill the process tree after this long; undefined: no limit. */
  readonly timeoutMs?: number;
  /** Cancels the run: the process tree is killed and the promise rejects. */
  readonly signal?: AbortSignal;
  /** Called for each line of stdout and stderr, as it comes. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
  /** Names the run in messages, e.g. `test set 'holdout', shard 2/3`. */
  readonly label?: string;
  /** What the command is, in messages; default `eval command` (training passes `train command`). */
  readonly role?: 'eval command' | 'train command';
}

export interface CommandResult {
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly durationMs: number;
}

/** A string command splits on whitespace; an array is taken as it is. Neither ever goes through a shell. */
export function commandArgv(command: CommandSpec): string[] {
  const argv = typeof command === 'string' ? command.trim().split(/\s+/).filter(Boolean) : [...command];
  if (argv.length === 0 || argv[0] === '') {
    throw new EvaluationError(
      'The eval command is empty. Expected a program and its arguments, e.g. [python3, eval.py].',
    );
  }
  return argv;
}

// A parent signalled while commands run forwards the signal to every running process group, so a
// cancelled workflow leaves no orphaned evaluation holding a GPU. The handlers exist only while a
// command runs; otherwise the parent's default signal behaviour stands.
const running = new Map<number, () => void>();
const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
function onParentSignal(name: keyof typeof exitCodes): void {
  for (const cancel of running.values()) cancel();
  // Give the runs a moment to report that they were cancelled, then exit as the signal would have.
  setTimeout(() => process.exit(exitCodes[name]), 2_000).unref();
}
function trackGroup(pid: number, cancel: () => void): void {
  running.set(pid, cancel);
  if (running.size === 1) for (const name of ['SIGINT', 'SIGTERM'] as const) process.on(name, onParentSignal);
}
function untrackGroup(pid: number): void {
  if (!running.delete(pid)) return;
  if (running.size === 0)
    for (const name of ['SIGINT', 'SIGTERM'] as const) process.off(name, onParentSignal);
}

/** Runs one command to completion; rejects with an EvaluationError on a failed start, a timeout or cancellation. */
export async function runCommand(options: RunCommandOptions): Promise<CommandResult> {
  const argv = commandArgv(options.command);
  const [program, ...args] = argv as [string, ...string[]];
  const where = options.label ? ` (${options.label})` : '';
  const role = options.role ?? 'eval command';
  const setting = role === 'eval command' ? 'eval.timeout-minutes' : 'train.timeout-minutes';
  options.signal?.throwIfAborted();
  const started = performance.now();
  const child = spawn(program, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  // The command's ends of its output pipes, read as it starts (spawn returns once it has exec'd): whatever
  // holds them later is one of its processes.
  const tree = pid !== undefined ? new ProcessTree(pid, outputFiles(pid)) : undefined;
  const grace = options.killGraceMs ?? 3_000;

  const pipeLines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
    const lines = new OutputLines((line) => options.onLine?.(line, name));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => lines.push(chunk));
    stream.on('end', () => lines.end());
  };
  pipeLines(child.stdout, 'stdout');
  pipeLines(child.stderr, 'stderr');
  // Closing our ends of the pipes is what lets the run finish when a process that escaped every signal
  // (or one not ours to kill) still holds them.
  const closePipes = () => {
    child.stdout.destroy();
    child.stderr.destroy();
  };

  // Watch the tree as it grows, so a process that leaves the group and loses its parent is still known.
  const watcher = tree ? setInterval(() => tree.scan(), 500) : undefined;
  watcher?.unref();

  let stopReason: 'timeout' | 'cancelled' | undefined;
  const timers: NodeJS.Timeout[] = [];
  const stop = (reason: 'timeout' | 'cancelled') => {
    if (stopReason || !tree) return;
    stopReason = reason;
    tree.kill('SIGTERM');
    timers.push(
      setTimeout(() => {
        tree.kill('SIGKILL');
        closePipes();
      }, grace),
    );
  };
  const timer =
    options.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
  const onAbort = () => stop('cancelled');
  if (pid !== undefined) trackGroup(pid, onAbort);
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      // Children the leader leaves behind (a wrapper that forks and returns) die with it, or their
      // open stdout would hold the run open; the group outlives its leader, so it can still be signalled.
      child.once('exit', (exitCode, exitSignal) => {
        tree?.kill('SIGKILL', !(child.stdout.readableEnded && child.stderr.readableEnded));
        // What still holds the pipes a moment later is not ours to wait for.
        timers.push(setTimeout(closePipes, Math.min(grace, 1_000)));
        child.once('close', () => resolve([exitCode, exitSignal]));
      });
    }).catch((error: NodeJS.ErrnoException) => {
      const hint =
        error.code === 'ENOENT'
          ? ` Is '${program}' installed and on PATH (or the path relative to ${options.cwd})?`
          : '';
      throw new EvaluationError(
        `Could not start the ${role} '${argv.join(' ')}'${where}: ${error.message}.${hint}`,
      );
    });
    const durationMs = performance.now() - started;
    if (stopReason === 'timeout') {
      throw new EvaluationError(
        `The ${role} '${argv.join(' ')}'${where} ran past its timeout of ${formatDuration(options.timeoutMs ?? 0)} ` +
          `and was stopped with its whole process tree. Raise ${setting} (or the timeout-minutes input)` +
          (role === 'eval command' ? ' or evaluate fewer examples per shard.' : '.'),
      );
    }
    if (stopReason === 'cancelled') {
      throw new EvaluationError(
        `The ${role} '${argv.join(' ')}'${where} was cancelled; its process tree was stopped.`,
      );
    }
    return { argv, exitCode: code ?? 128 + signalNumber(signal), durationMs };
  } finally {
    if (timer) clearTimeout(timer);
    if (watcher) clearInterval(watcher);
    for (const pending of timers) clearTimeout(pending);
    options.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) untrackGroup(pid);
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === 'SIGKILL') return 9;
  if (signal === 'SIGTERM') return 15;
  if (signal === 'SIGINT') return 2;
  return 0;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
