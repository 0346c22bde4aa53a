// One long-running `git cat-file --batch` per repository: reading a ref, an object's type, a commit or a
// tree is a pipe round trip instead of a process start (the simulator's hot path; on a loaded 2-core
// runner a git process start costs 20–60 ms). It sees what other git processes write: refs are re-read
// from disk on every lookup and a missing object makes git rescan the object store.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface BatchObject {
  readonly sha: string;
  readonly type: string;
  readonly content: Buffer;
}

interface Waiter {
  readonly resolve: (object: BatchObject | undefined) => void;
  readonly reject: (error: Error) => void;
}

export class CatFileBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: Waiter[] = [];
  private failure: Error | undefined;

  constructor(repoPath: string, env: Record<string, string>) {
    this.child = spawn('git', ['cat-file', '--batch'], { cwd: repoPath, env });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.drain();
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    this.child.on('error', fail);
    this.child.on('exit', (code) => fail(new Error(`git cat-file --batch exited (${code})`)));
    this.child.stdin.on('error', () => {});
    // Idle batch processes must not keep a test run alive.
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      (stream as unknown as { unref?: () => void }).unref?.();
    }
  }

  /** The object `name` (a sha, `refs/heads/x`, `sha:path`, `ref^{}`) names, or undefined when missing. */
  read(name: string): Promise<BatchObject | undefined> {
    if (/[\n\r]/.test(name)) return Promise.resolve(undefined);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  private drain(): void {
    while (this.waiting.length > 0) {
      const newline = this.buffer.indexOf(0x0a);
      if (newline === -1) return;
      const header = this.buffer.subarray(0, newline).toString('utf8');
      const match = /^([0-9a-f]{40}) (\w+) (\d+)$/.exec(header);
      if (!match) {
        // `<name> missing` or `<name> ambiguous`: no body follows.
        this.buffer = this.buffer.subarray(newline + 1);
        this.waiting.shift()!.resolve(undefined);
        continue;
      }
      const size = Number(match[3]);
      const end = newline + 1 + size;
      if (this.buffer.length < end + 1) return;
      const content = Buffer.from(this.buffer.subarray(newline + 1, end));
      this.buffer = this.buffer.subarray(end + 1);
      this.waiting.shift()!.resolve({ sha: match[1]!, type: match[2]!, content });
    }
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

/** Entries of a raw tree object: `<mode> <name>\0<20-byte sha>` repeated. */
export function parseTree(
  content: Buffer,
): Array<{ mode: string; type: 'blob' | 'tree' | 'commit'; sha: string; name: string }> {
  const entries = [];
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(0x20, at);
    const nul = content.indexOf(0x00, space);
    const rawMode = content.subarray(at, space).toString('ascii');
    const mode = rawMode.padStart(6, '0');
    const name = content.subarray(space + 1, nul).toString('utf8');
    const sha = content.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode, type: type as 'blob' | 'tree' | 'commit', sha, name });
    at = nul + 21;
  }
  return entries;
}
