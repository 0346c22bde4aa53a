// Real bare git repositories behind the simulator. Every object the API makes is made here with git
// plumbing (hash-object, mktree, commit-tree, update-ref), so `git clone` sees exactly what the API made.
// Each call touches only what it must: a tree edit reads just the directories on the changed paths,
// so a 10,000-file repository costs what a 10-file one does.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CatFileBatch, parseTree } from './cat-file.js';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** Who wrote a commit, with a git-style time (seconds since epoch). */
export interface GitPerson {
  readonly name: string;
  readonly email: string;
  /** ISO 8601; defaults to now. */
  readonly date?: string;
}

export interface TreeEntry {
  readonly mode: string;
  readonly type: 'blob' | 'tree' | 'commit';
  readonly sha: string;
  readonly name: string;
  /** Blob size in bytes, when listed with sizes. */
  readonly size?: number;
}

export interface CommitObject {
  readonly sha: string;
  readonly tree: string;
  readonly parents: string[];
  readonly author: Required<GitPerson>;
  readonly committer: Required<GitPerson>;
  readonly message: string;
}

/** One path a commit changed: `A`dded, `D`eleted, `M`odified or `T`ype-changed, with line counts. */
export interface FileChange {
  readonly path: string;
  readonly status: 'A' | 'D' | 'M' | 'T';
  readonly before: string;
  readonly after: string;
  additions: number;
  deletions: number;
}

/** A git command failed; `code` is its exit status (1 for "no" answers such as --is-ancestor). */
export class GitError extends Error {
  readonly code: number | null;
  constructor(args: readonly string[], code: number | null, stderr: string) {
    super(`git ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
    this.code = code;
  }
}

const BASE_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LANG: 'C',
  // No background `gc --auto`: it would race the cleanup of temp repos and skew timings.
  GIT_CONFIG_COUNT: '2',
  GIT_CONFIG_KEY_0: 'gc.auto',
  GIT_CONFIG_VALUE_0: '0',
  GIT_CONFIG_KEY_1: 'maintenance.auto',
  GIT_CONFIG_VALUE_1: 'false',
};

/** Runs git with an argument array (never a shell) and returns stdout as bytes. */
export function git(
  cwd: string,
  args: readonly string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const child = spawn('git', args, {
      cwd,
      env: { ...BASE_ENV, ...options.env },
      stdio: [stdin, 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
    });
    if (child.stdin) {
      // git may exit before reading all input (it failed); its exit status carries the error.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

function personEnv(role: 'AUTHOR' | 'COMMITTER', person: GitPerson): Record<string, string> {
  return {
    [`GIT_${role}_NAME`]: person.name,
    [`GIT_${role}_EMAIL`]: person.email,
    [`GIT_${role}_DATE`]: person.date ?? new Date().toISOString(),
  };
}

function parsePerson(line: string): Required<GitPerson> {
  const match = /^(.*) <(.*)> (\d+) [+-]\d{4}$/.exec(line);
  if (!match) throw new Error(`Unreadable git identity line: ${line}`);
  const date = new Date(Number(match[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { name: match[1]!, email: match[2]!, date };
}

/** One bare repository, addressed by its directory. Reads go through one cat-file batch process. */
export class BareRepo {
  readonly path: string;
  private batchProcess: CatFileBatch | undefined;

  constructor(path: string) {
    this.path = path;
  }

  private get batch(): CatFileBatch {
    this.batchProcess ??= new CatFileBatch(this.path, BASE_ENV);
    return this.batchProcess;
  }

  /** Stops the batch reader; the repository stays on disk. */
  close(): void {
    this.batchProcess?.close();
    this.batchProcess = undefined;
  }

  /**
   * Makes a bare repository whose first commit is a real `git commit` of `files` in a working repo,
   * then `git clone --bare` of it: the same history a person's push would have made.
   */
  static async create(
    path: string,
    files: Record<string, string | Buffer>,
    options: { defaultBranch: string; author: GitPerson; message?: string },
  ): Promise<BareRepo> {
    const work = await mkdtemp(join(tmpdir(), 'slipway-sim-seed-'));
    try {
      await git(work, ['init', '--quiet', `--initial-branch=${options.defaultBranch}`]);
      for (const [file, content] of Object.entries(files)) {
        await mkdir(dirname(join(work, file)), { recursive: true });
        await writeFile(join(work, file), content);
      }
      await git(work, ['add', '--all']);
      const env = { ...personEnv('AUTHOR', options.author), ...personEnv('COMMITTER', options.author) };
      await git(work, ['commit', '--quiet', '--allow-empty', '-m', options.message ?? 'Initial commit'], {
        env,
      });
      await mkdir(dirname(path), { recursive: true });
      await git(dirname(path), ['clone', '--quiet', '--bare', work, path]);
      // A bare clone keeps the seed as `origin`; the simulated GitHub repo has no remote.
      await git(path, ['remote', 'remove', 'origin']);
    } finally {
      await rm(work, { recursive: true, force: true, maxRetries: 3 });
    }
    return new BareRepo(path);
  }

  /**
   * Appends `count` commits to `branch`, each rewriting `HISTORY.log`, through `git fast-import`:
   * thousands of commits in about a second, for benchmarks that need a repository with a long history.
   */
  async appendHistory(branch: string, count: number, author: GitPerson): Promise<void> {
    if (count <= 0) return;
    const start = Math.floor(Date.now() / 1000) - count;
    const who = `${author.name} <${author.email}>`;
    const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
    const parts: string[] = [];
    for (let i = 1; i <= count; i++) {
      parts.push(
        `commit refs/heads/${branch}\n`,
        `committer ${who} ${start + i} +0000\n`,
        data(`History commit ${i}`),
      );
      if (i === 1) parts.push(`from refs/heads/${branch}^0\n`);
      parts.push(`M 100644 inline HISTORY.log\n`, data(`commit ${i}\n`));
    }
    await this.run(['fast-import', '--quiet'], { input: parts.join('') });
  }

  private run(args: readonly string[], options?: { input?: string | Buffer; env?: Record<string, string> }) {
    return git(this.path, args, options);
  }

  /** The object a full ref name (`refs/heads/main`) points at, or undefined when there is no such ref. */
  async readRef(ref: string): Promise<string | undefined> {
    if (!ref.startsWith('refs/') && !/^[0-9a-f]{40}$/.test(ref)) return undefined;
    return (await this.batch.read(`${ref}^{}`))?.sha;
  }

  /**
   * The commit `name` (a sha, a short sha, or a full ref name) leads to, peeling annotated tags, or
   * undefined when it names no commit. Callers pass only names they checked: the batch reader would also
   * evaluate revision syntax such as `main~2`.
   */
  async resolveCommit(name: string): Promise<string | undefined> {
    const object = await this.batch.read(`${name}^{commit}`);
    return object?.type === 'commit' ? object.sha : undefined;
  }

  /** Sets `ref` to `sha` only if it still points at `expected` (ZERO_SHA: only if it does not exist). */
  async compareAndSwapRef(ref: string, sha: string, expected: string): Promise<boolean> {
    try {
      await this.run(['update-ref', ref, sha, expected]);
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  /**
   * Applies every update or none (`git update-ref --stdin` is one transaction): each ref moves to `after`
   * (ZERO_SHA deletes it) only if it is at `before` (ZERO_SHA: only if it does not exist). False when any
   * ref was not where it was expected.
   */
  async updateRefsAtomically(
    updates: ReadonlyArray<{ ref: string; after: string; before: string }>,
  ): Promise<boolean> {
    const lines = updates.map(({ ref, after, before }) =>
      after === ZERO_SHA ? `delete ${ref} ${before}\n` : `update ${ref} ${after} ${before}\n`,
    );
    try {
      await this.run(['update-ref', '--stdin'], { input: lines.join('') });
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  async deleteRef(ref: string, expected: string): Promise<boolean> {
    try {
      await this.run(['update-ref', '-d', ref, expected]);
      return true;
    } catch (error) {
      if (error instanceof GitError) return false;
      throw error;
    }
  }

  /** `blob`, `tree`, `commit`, `tag`, or undefined when the object does not exist. */
  async objectType(sha: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{40}$/.test(sha)) return undefined;
    return (await this.batch.read(sha))?.type;
  }

  async writeBlob(content: Buffer): Promise<string> {
    return (await this.run(['hash-object', '-w', '--stdin'], { input: content })).toString().trim();
  }

  async readBlob(sha: string): Promise<Buffer> {
    const object = await this.batch.read(sha);
    if (object?.type !== 'blob') throw new Error(`${sha} is not a blob in ${this.path}`);
    return object.content;
  }

  /** One level of a tree; `treeish` may be `sha`, `sha:dir/sub` or a commit. */
  async listTree(treeish: string, options: { sizes?: boolean; recursive?: boolean; path?: string } = {}) {
    if (!options.sizes && !options.recursive && options.path === undefined) {
      // The hot path (tree edits): parse the raw tree from the batch reader, no process start.
      const object = await this.batch.read(`${treeish}^{tree}`);
      if (!object) throw new Error(`${treeish} is not a tree-ish in ${this.path}`);
      return parseTree(object.content) as TreeEntry[];
    }
    const args = [
      'ls-tree',
      '-z',
      ...(options.sizes ? ['-l'] : []),
      ...(options.recursive ? ['-r', '-t'] : []),
    ];
    args.push(treeish, ...(options.path !== undefined ? ['--', options.path] : []));
    const entries: TreeEntry[] = [];
    for (const record of (await this.run(args)).toString('utf8').split('\0')) {
      if (!record) continue;
      const tab = record.indexOf('\t');
      const [mode, type, sha, size] = record.slice(0, tab).split(/ +/);
      const entry = { mode: mode!, type: type as TreeEntry['type'], sha: sha!, name: record.slice(tab + 1) };
      entries.push(size && size !== '-' ? { ...entry, size: Number(size) } : entry);
    }
    return entries;
  }

  /** Writes a tree object from entries; mktree sorts them as git requires. */
  async writeTree(entries: Iterable<TreeEntry>): Promise<string> {
    const lines = [...entries].map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.name}\0`).join('');
    return (await this.run(['mktree', '-z'], { input: lines })).toString().trim();
  }

  async writeCommit(commit: {
    tree: string;
    parents: readonly string[];
    message: string;
    author: GitPerson;
    committer: GitPerson;
  }): Promise<string> {
    const args = ['commit-tree', commit.tree, ...commit.parents.flatMap((p) => ['-p', p]), '-F', '-'];
    const env = { ...personEnv('AUTHOR', commit.author), ...personEnv('COMMITTER', commit.committer) };
    return (await this.run(args, { input: commit.message, env })).toString().trim();
  }

  async readCommit(sha: string): Promise<CommitObject> {
    const object = await this.batch.read(sha);
    if (object?.type !== 'commit') throw new Error(`${sha} is not a commit in ${this.path}`);
    const raw = object.content.toString('utf8');
    const split = raw.indexOf('\n\n');
    const headers = raw.slice(0, split).split('\n');
    const value = (key: string) =>
      headers.filter((h) => h.startsWith(`${key} `)).map((h) => h.slice(key.length + 1));
    return {
      sha,
      tree: value('tree')[0]!,
      parents: value('parent'),
      author: parsePerson(value('author')[0]!),
      committer: parsePerson(value('committer')[0]!),
      message: split === -1 ? '' : raw.slice(split + 2),
    };
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    try {
      await this.run(['merge-base', '--is-ancestor', ancestor, descendant]);
      return true;
    } catch (error) {
      if (error instanceof GitError && error.code === 1) return false;
      throw error;
    }
  }

  /**
   * What a commit changed against its first parent (everything, for a root commit), as `git diff-tree`
   * sees it without rename detection: one entry per path, line counts 0 for binary files.
   */
  async commitChanges(sha: string, parent: string | undefined): Promise<FileChange[]> {
    const args = ['diff-tree', '-r', '-z', '--no-commit-id', '--raw', '--numstat'];
    args.push(...(parent ? [parent, sha] : ['--root', sha]));
    const tokens = (await this.run(args)).toString('utf8').split('\0');
    const changes = new Map<string, FileChange>();
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.startsWith(':')) {
        // `:<old mode> <new mode> <old sha> <new sha> <status>`, then the path as the next token.
        const [, , before, after, status] = token.slice(1).split(' ');
        const path = tokens[++i]!;
        changes.set(path, {
          path,
          status: status![0] as FileChange['status'],
          before: before!,
          after: after!,
          additions: 0,
          deletions: 0,
        });
      } else {
        const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(token);
        const change = match && changes.get(match[3]!);
        if (change) {
          change.additions = Number(match[1]) || 0;
          change.deletions = Number(match[2]) || 0;
        }
      }
    }
    return [...changes.values()];
  }

  /** The tree of merging `theirs` into `ours`, or undefined when they conflict (git merge-tree, no work tree). */
  async mergeTrees(ours: string, theirs: string): Promise<string | undefined> {
    try {
      const out = await this.run(['merge-tree', '--write-tree', '--no-messages', ours, theirs]);
      return out.toString().split('\n')[0]!.trim();
    } catch (error) {
      if (error instanceof GitError && error.code === 1) return undefined;
      throw error;
    }
  }

  /** Commits reachable from `head` that changed `path` (all when no path), newest first, at most `max`. */
  async log(head: string, options: { path?: string; max?: number; skip?: number } = {}): Promise<string[]> {
    const args = ['rev-list', `--max-count=${options.max ?? 100}`, `--skip=${options.skip ?? 0}`, head];
    if (options.path) args.push('--', options.path);
    const out = (await this.run(args)).toString().trim();
    return out ? out.split('\n') : [];
  }

  /** Commits between `base` and `head` (`base..head`), newest first. */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const out = (await this.run(['rev-list', `${base}..${head}`])).toString().trim();
    return out ? out.split('\n') : [];
  }

  /** What a PR's files/additions/deletions show: the diff from the merge base of `base` to `head`. */
  async diffStat(
    base: string,
    head: string,
  ): Promise<{ files: number; additions: number; deletions: number }> {
    const out = (await this.run(['diff', '--numstat', '-z', `${base}...${head}`])).toString('utf8');
    let files = 0;
    let additions = 0;
    let deletions = 0;
    for (const record of out.split('\0')) {
      const match = /^(\d+|-)\t(\d+|-)\t/.exec(record);
      if (!match) continue;
      files += 1;
      additions += Number(match[1]) || 0;
      deletions += Number(match[2]) || 0;
    }
    return { files, additions, deletions };
  }
}
