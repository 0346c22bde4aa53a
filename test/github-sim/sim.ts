// The GitHub API simulator: an HTTP server on 127.0.0.1 that routes by GitHub's OpenAPI description,
// rejects invalid requests with 422, records every response that breaks the description as a violation,
// and injects faults on request. State lives in real bare git repositories plus PR/comment records.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Fault,
  type FaultHandle,
  type FaultSpec,
  type RefConflictHandle,
  type RefConflictSpec,
} from './faults.js';
import { BareRepo, type GitPerson } from './git.js';
import { runGraphql } from './graphql.js';
import { createTree } from './handlers/git-data.js';
import { handlers } from './handlers/index.js';
import { fireAutoMerge } from './handlers/protection.js';
import { DOCS, GitHubHttpError, type SimContext, type SimResponse } from './http.js';
import { githubOpenApi, type MatchedOperation } from './openapi.js';
import type { CreateRepoOptions, GitHubSimOptions, RecordedRequest } from './options.js';
import type { Urls } from './shapes.js';
import {
  IdSequence,
  type SimComment,
  type SimProtection,
  type SimPull,
  type SimRepo,
  type SimUser,
} from './state.js';

function splitName(fullName: string): [string, string] {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(fullName);
  if (!match) throw new Error(`Invalid repository '${fullName}'. Expected format {owner}/{repo}.`);
  return [match[1]!, match[2]!];
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class GitHubSim {
  /** REST root for `createGitHubClient({ baseUrl })`; GraphQL is at `${url}/graphql`. */
  url = '';
  /** The same server in GitHub Enterprise Server form: `${url}/api/v3` (GraphQL at `${url}/api/graphql`). */
  enterpriseUrl = '';
  readonly viewer: SimUser;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly violationList: string[] = [];
  private readonly repos = new Map<string, SimRepo>();
  private readonly users = new Map<string, SimUser>();
  private readonly ids = new IdSequence();
  private readonly faults: Fault[] = [];
  private readonly conflicts: Array<{ spec: RefConflictSpec; commits: string[]; used: number }> = [];
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly tampering: Array<{ operationId: string; rewrite: (body: unknown) => unknown }> = [];
  private server: Server | undefined;
  private root = '';

  constructor(options: GitHubSimOptions = {}) {
    this.viewer = { login: options.login ?? 'slipway-sim[bot]', id: this.ids.take(), type: 'Bot' };
    this.users.set(this.viewer.login, this.viewer);
  }

  /** Starts the server on 127.0.0.1 (a free port) with its repositories under a fresh temp directory. */
  async start(): Promise<this> {
    githubOpenApi(); // parse the 13 MB description before the first request, not during it
    this.root = await mkdtemp(join(tmpdir(), 'slipway-github-sim-'));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violationList.push(
          `simulator crashed on ${req.method} ${req.url}: ${(error as Error).stack ?? error}`,
        );
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Simulator error' }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.enterpriseUrl = `${this.url}/api/v3`;
    return this;
  }

  /** Stops the server and deletes every repository it held. */
  async close(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = undefined;
    }
    for (const repo of this.repos.values()) repo.git.close();
    if (this.root) await rm(this.root, { recursive: true, force: true, maxRetries: 3 });
  }

  private get urls(): Urls {
    return { api: this.url, html: this.url };
  }

  /** A user record for a login (created on first sight). */
  user(login: string): SimUser {
    let user = this.users.get(login);
    if (!user) {
      user = { login, id: this.ids.take(), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
      this.users.set(login, user);
    }
    return user;
  }

  /**
   * Creates `owner/name` from `files` through a real `git commit` in a working repo, cloned bare.
   * Returns the bare repository's path: `git clone` it to see what the API made.
   */
  async createRepo(
    fullName: string,
    files: Record<string, string | Buffer>,
    options: CreateRepoOptions = {},
  ) {
    const [owner, name] = splitName(fullName);
    if (this.repos.has(fullName)) throw new Error(`Repository ${fullName} exists already in the simulator.`);
    const defaultBranch = options.defaultBranch ?? 'main';
    const path = join(this.root, 'repos', owner, `${name}.git`);
    const author = options.author ?? { name: 'Ada Operator', email: 'ada@example.com' };
    const git = await BareRepo.create(path, files, {
      defaultBranch,
      author,
      ...(options.message ? { message: options.message } : {}),
    });
    await git.appendHistory(defaultBranch, options.historyCommits ?? 0, author);
    this.repos.set(fullName, {
      owner,
      name,
      id: this.ids.take(),
      git,
      defaultBranch,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      allowAutoMerge: options.allowAutoMerge ?? true,
      requiresStatusChecks: options.requiresStatusChecks ?? true,
      collaborators: options.collaborators ? new Set(options.collaborators) : undefined,
      teams: options.teams ? new Set(options.teams) : undefined,
      nextNumber: 1,
      pulls: new Map(),
      comments: new Map(),
      labels: new Map(),
      statuses: new Map(),
      reviews: new Map(),
      protection: new Map(),
      forcePushBlocked: [],
    });
    this.user(owner);
    return { owner, name, path, defaultBranch };
  }

  /** The repository's state (git handle, PRs, comments, labels) for assertions. */
  repo(fullName: string): SimRepo {
    const repo = this.repos.get(fullName);
    if (!repo)
      throw new Error(`Repository ${fullName} does not exist in the simulator; call createRepo first.`);
    return repo;
  }

  /** Path of the bare git repository behind `owner/name`. */
  repoPath(fullName: string): string {
    return this.repo(fullName).git.path;
  }

  /** Pull requests of `owner/name`, by number order. */
  pulls(fullName: string): SimPull[] {
    return [...this.repo(fullName).pulls.values()].sort((a, b) => a.number - b.number);
  }

  /** Comments on issue/PR `number`, oldest first. */
  comments(fullName: string, number: number): SimComment[] {
    return [...(this.repo(fullName).comments.get(number) ?? [])];
  }

  /** A file's bytes at a branch, tag or commit, or undefined when it is not there. */
  async readFile(fullName: string, ref: string, path: string): Promise<Buffer | undefined> {
    const git = this.repo(fullName).git;
    const commit = (await git.readRef(`refs/heads/${ref}`)) ?? (await git.readRef(ref)) ?? ref;
    const [entry] = await git.listTree(commit, { path }).catch(() => []);
    return entry && entry.type === 'blob' && entry.name === path ? git.readBlob(entry.sha) : undefined;
  }

  /**
   * A person pushes one commit changing `files` (null deletes) onto `branch` (created from the default
   * branch when missing), outside the API — e.g. a reviewer adding a fix to Slipway's PR branch.
   */
  async pushCommit(
    fullName: string,
    change: { branch: string; files: Record<string, string | null>; message?: string; author?: GitPerson },
  ): Promise<string> {
    const repo = this.repo(fullName);
    const ref = change.branch.startsWith('refs/') ? change.branch : `refs/heads/${change.branch}`;
    const parent =
      (await repo.git.readRef(ref)) ?? (await repo.git.readRef(`refs/heads/${repo.defaultBranch}`))!;
    const author = change.author ?? { name: 'Grace Reviewer', email: 'grace@example.com' };
    const sha = await this.commitOnto(
      repo,
      parent,
      change.files,
      change.message ?? 'Change by a person',
      author,
    );
    const current = await repo.git.readRef(ref);
    if (!(await repo.git.compareAndSwapRef(ref, sha, current ?? '0'.repeat(40)))) {
      throw new Error(`pushCommit: ${ref} moved while pushing`);
    }
    return sha;
  }

  private async commitOnto(
    repo: SimRepo,
    parent: string,
    files: Record<string, string | null>,
    message: string,
    author: GitPerson,
  ) {
    const baseTree = (await repo.git.readCommit(parent)).tree;
    const request = {
      operation: { operationId: 'git/create-tree', method: 'POST', template: '', params: {} },
      params: {},
      query: {},
      body: {
        base_tree: baseTree,
        tree: Object.entries(files).map(([path, content]) =>
          content === null
            ? { path, mode: '100644', type: 'blob', sha: null }
            : { path, mode: '100644', type: 'blob', content },
        ),
      },
      viewer: this.viewer,
      urls: this.urls,
    };
    const tree = (await createTree(this.context, request, repo)).body as { sha: string };
    return repo.git.writeCommit({ tree: tree.sha, parents: [parent], message, author, committer: author });
  }

  /**
   * An administrator protects `branch` outside the API (repository settings): required status checks
   * and approving reviews. Merges, by a person or auto-merge, wait for both.
   */
  protectBranch(fullName: string, branch: string, rule: Partial<SimProtection>): void {
    this.repo(fullName).protection.set(branch, {
      contexts: rule.contexts ?? [],
      approvals: rule.approvals ?? 0,
    });
  }

  /**
   * An administrator adds a ruleset with "Block force pushes" for branches matching `pattern`
   * (`slipway/**`): a forced update that is not a fast-forward is then refused, by REST git/refs (422) and
   * GraphQL updateRefs alike, and the branch stays where it was.
   */
  blockForcePushes(fullName: string, pattern: string): void {
    this.repo(fullName).forcePushBlocked.push(pattern);
  }

  /** Answers matching requests with a fault (see FaultSpec); returns a handle that counts hits. */
  inject(spec: FaultSpec): FaultHandle {
    const fault = new Fault(spec);
    this.faults.push(fault);
    return fault;
  }

  /**
   * The next update of a matching ref meets another writer: just before GitHub would apply it, a real
   * commit lands on `moveRef` (default: the ref being updated). The update then proceeds as GitHub
   * would: a non-forced update of the moved ref answers 422 `Update is not a fast forward`.
   */
  injectRefConflict(spec: RefConflictSpec): RefConflictHandle {
    this.repo(spec.repo);
    const entry = { spec, commits: [] as string[], used: 0 };
    this.conflicts.push(entry);
    return entry;
  }

  /** Removes injected faults, ref conflicts and response tampering (useGitHubSim does it before each test). */
  clearFaults(): void {
    this.faults.length = 0;
    this.conflicts.length = 0;
    this.tampering.length = 0;
  }

  /**
   * Rewrites the body of matching successful answers before they are checked and sent: a way to make the
   * simulator answer something GitHub's description forbids, to see that it is caught (or how a client
   * copes with a surprising answer). The violation is recorded like any other.
   */
  tamper(operationId: string, rewrite: (body: unknown) => unknown): void {
    this.tampering.push({ operationId, rewrite });
  }

  /** Someone other than the token's user comments on issue/PR `number` (outside the API). */
  addComment(fullName: string, number: number, body: string, login = 'grace'): SimComment {
    const repo = this.repo(fullName);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const comment = {
      id: this.ids.take(),
      issueNumber: number,
      body,
      user: this.user(login),
      createdAt: now,
      updatedAt: now,
    };
    repo.comments.set(number, [...(repo.comments.get(number) ?? []), comment]);
    return comment;
  }

  /** Forgets recorded requests (e.g. after test setup), so counts cover only what follows. */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Requests matching a filter (method and/or operationId), e.g. to count API calls per proposal. */
  countRequests(filter: { method?: string; operationId?: string } = {}): number {
    return this.requests.filter(
      (r) =>
        (!filter.method || r.method === filter.method) &&
        (!filter.operationId || r.operationId === filter.operationId),
    ).length;
  }

  /** Responses that broke GitHub's description, routes GitHub lacks, and simulator crashes. */
  get violations(): readonly string[] {
    return this.violationList;
  }

  /** Throws (and clears) when anything the simulator answered broke GitHub's description. */
  assertNoViolations(): void {
    if (this.violationList.length === 0) return;
    const list = this.violationList.splice(0);
    throw new Error(`GitHub simulator violations:\n- ${list.join('\n- ')}`);
  }

  private readonly context: SimContext = {
    repo: (owner, name) => this.repos.get(`${owner}/${name}`),
    nextId: () => this.ids.take(),
    user: (login) => this.user(login),
    beforeRefUpdate: (repo, ref) => this.strikeConflict(repo, ref),
  };

  private async strikeConflict(repo: SimRepo, ref: string): Promise<void> {
    const full = (r: string) => (r.startsWith('refs/') ? r : `refs/${r}`);
    for (const conflict of this.conflicts) {
      const { spec } = conflict;
      if (conflict.used >= (spec.times ?? 1) || spec.repo !== `${repo.owner}/${repo.name}`) continue;
      if (spec.ref && full(spec.ref) !== ref) continue;
      conflict.used += 1;
      const target = spec.moveRef ? full(spec.moveRef) : ref;
      const parent = await repo.git.readRef(target);
      if (!parent) continue;
      const n = conflict.commits.length + 1;
      const files = spec.files ?? { [`CONCURRENT-WRITER-${n}.md`]: `Written by another writer (${n}).\n` };
      const author = { name: 'Other Writer', email: 'other@example.com' };
      const sha = await this.commitOnto(repo, parent, files, `Concurrent change ${n}`, author);
      await repo.git.compareAndSwapRef(target, sha, parent);
      conflict.commits.push(sha);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    let path = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
    if (path === '/api/graphql') path = '/graphql';
    const raw = await readBody(req);
    const send = (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
      extra: Partial<RecordedRequest> = {},
    ) => {
      this.requests.push({ method, path, operationId: undefined, status, at: Date.now(), ...extra });
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': `SIM:${this.requests.length}`,
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
        'x-ratelimit-resource': path === '/graphql' ? 'graphql' : 'core',
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };

    const auth = req.headers.authorization ?? '';
    // A token `sim-as-<login>` acts as that person (a reviewer approving, someone merging); any other
    // token is the app's installation token and acts as the simulator's viewer.
    const person = /^(?:token|bearer) sim-as-([A-Za-z0-9-]+)$/i.exec(auth)?.[1];
    const viewer = person ? this.user(person) : this.viewer;
    if (!/^(token|bearer) \S+$/i.test(auth)) {
      send(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });
      return;
    }
    let body: unknown;
    if (raw.trim()) {
      try {
        body = JSON.parse(raw);
      } catch {
        send(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
        return;
      }
    }
    const operation =
      path === '/graphql' && method === 'POST' ? undefined : githubOpenApi().match(method, path);
    const operationId = path === '/graphql' ? 'graphql' : operation?.operationId;
    const fault = this.faults.find((f) => f.matches(method, path, operation?.template, operationId));
    if (fault && fault.spec.when !== 'after') {
      const answer = fault.response();
      send(answer.status, answer.body, answer.headers, { operationId, fault: true });
      return;
    }
    const respond = (answer: SimResponse, extra: Partial<RecordedRequest> = {}) => {
      if (fault) {
        const lost = fault.response();
        send(lost.status, lost.body, lost.headers, { operationId, fault: true });
      } else {
        send(answer.status, answer.body, answer.headers, { operationId, ...extra });
      }
    };

    if (path === '/graphql') {
      const outcome = await this.graphql(body, viewer);
      respond(
        { status: 200, body: outcome.body },
        {
          ...(outcome.invalid ? { rejected: outcome.invalid } : {}),
          ...(outcome.operation ? { graphql: outcome.operation } : {}),
        },
      );
      return;
    }
    if (!operation) {
      this.violationList.push(`${method} ${path}: GitHub's API has no such route`);
      send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    const problems = githubOpenApi().validateRequest(operation, query, body);
    if (problems.length > 0) {
      const message = `Invalid request.\n\n${problems.join('\n')}`;
      send(422, { message, documentation_url: DOCS, status: '422' }, {}, { operationId, rejected: problems });
      return;
    }
    let answer = await this.dispatch(operation, query, body, viewer);
    for (const t of this.tampering.filter(
      (x) => x.operationId === operation.operationId && answer.status < 300,
    )) {
      answer = { ...answer, body: t.rewrite(answer.body) };
    }
    this.checkResponse(operation, answer);
    respond(answer);
  }

  private async dispatch(
    operation: MatchedOperation,
    query: Record<string, string>,
    body: unknown,
    viewer: SimUser,
  ): Promise<SimResponse> {
    const handler = handlers[operation.operationId];
    if (!handler) {
      this.violationList.push(
        `${operation.method} ${operation.template} (${operation.operationId}) is not simulated`,
      );
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    }
    const repo = this.repos.get(`${operation.params.owner}/${operation.params.repo}`);
    if (!repo) return new GitHubHttpError(404, 'Not Found').toResponse();
    const request = {
      operation,
      params: operation.params,
      query,
      body,
      viewer,
      urls: this.urls,
    };
    // One request at a time per repository: GitHub applies each API call atomically.
    return this.serially(`${repo.owner}/${repo.name}`, async () => {
      try {
        return await handler(this.context, request, repo);
      } catch (error) {
        if (error instanceof GitHubHttpError) return error.toResponse();
        throw error;
      }
    });
  }

  private checkResponse(operation: MatchedOperation, answer: SimResponse): void {
    // GitHub answers 404 for anything missing or hidden, whether or not an operation lists it.
    if (answer.status === 404) return;
    const problems = githubOpenApi().validateResponse(operation, answer.status, answer.body);
    if (problems.length > 0) {
      this.violationList.push(
        `${operation.method} ${operation.template} answered ${answer.status} against GitHub's description: ${problems.join(' ')}`,
      );
    }
  }

  private async graphql(body: unknown, viewer: SimUser) {
    const world = {
      repo: (o: string, n: string) => this.repos.get(`${o}/${n}`),
      viewer,
      fireAutoMerge: (repo: SimRepo) => fireAutoMerge(this.context, repo),
      htmlBase: this.url,
      beforeRefUpdate: (repo: SimRepo, ref: string) => this.strikeConflict(repo, ref),
      exclusive: <T>(repo: SimRepo, work: () => Promise<T>) =>
        this.serially(`${repo.owner}/${repo.name}`, work),
    };
    const mergeable = async (repo: SimRepo, pull: SimPull) => {
      const base = await repo.git.readRef(`refs/heads/${pull.base}`);
      const head = await repo.git.readRef(`refs/heads/${pull.head}`);
      return Boolean(base && head && (await repo.git.mergeTrees(base, head)));
    };
    const outcome = await runGraphql(world, (body ?? {}) as Record<string, unknown>, mergeable);
    for (const field of outcome.unsimulated ?? []) {
      this.violationList.push(`GraphQL ${field} is not simulated`);
    }
    return outcome;
  }

  private serially<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }
}

/** Starts a simulator; call `close()` when done (useGitHubSim does both around a test file). */
export async function startGitHubSim(options: GitHubSimOptions = {}): Promise<GitHubSim> {
  return new GitHubSim(options).start();
}
