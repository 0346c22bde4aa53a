// GitHub's GraphQL endpoint, for what Slipway uses: the `enablePullRequestAutoMerge` and `updateRefs`
// mutations and looking a repository or pull request up. Every query is parsed and validated against GitHub's real schema
// (@octokit/graphql-schema) and then executed by graphql-js, so a field GitHub lacks fails here as there.
// A root field GitHub has but the simulator does not implement answers an error (graphql-js would answer
// null, which GitHub never does for a mutation) and is recorded as a violation: the test learns it is missing.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type DocumentNode,
  defaultFieldResolver,
  execute,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { ZERO_SHA } from './git.js';
import { forcePushRefusal } from './handlers/protection.js';
import { combinedState, latestStatuses } from './handlers/statuses.js';
import { packageFile } from './openapi.js';
import { nodeId, nowIso, parseNodeId, type SimPull, type SimRepo, type SimUser } from './state.js';

let schema: GraphQLSchema | undefined;
function githubSchema(): GraphQLSchema {
  if (!schema) {
    const path = packageFile('@octokit/graphql-schema/schema.graphql');
    schema = buildSchema(readFileSync(path, 'utf8'), { assumeValidSDL: true });
  }
  return schema;
}

/** What the GraphQL layer needs from the simulator. */
export interface GraphqlWorld {
  repo(owner: string, name: string): SimRepo | undefined;
  readonly viewer: SimUser;
  readonly htmlBase: string;
  /** Runs before a ref update: where injected concurrent writers strike. */
  beforeRefUpdate(repo: SimRepo, ref: string): Promise<void>;
  /** Merges what auto-merge may merge now (after enabling it on a pull request nothing blocks). */
  fireAutoMerge(repo: SimRepo): Promise<void>;
  /** Runs `work` with no other request on the repository in between, as REST handlers run. */
  exclusive<T>(repo: SimRepo, work: () => Promise<T>): Promise<T>;
}

function unprocessable(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type: 'UNPROCESSABLE' } });
}

/**
 * A commit as a GraphQL Commit: its oid, the newest status of each context, and (lazily) its tree, message,
 * dates, a file's blob, the history of a path from it and the pull requests it was merged by.
 */
function commitNode(repo: SimRepo, oid: string, world?: GraphqlWorld): Record<string, unknown> {
  const latest = latestStatuses(repo, oid);
  const read = () => repo.git.readCommit(oid);
  return {
    __typename: 'Commit',
    oid,
    status:
      latest.length === 0
        ? null
        : {
            state: combinedState(latest).toUpperCase(),
            contexts: latest.map((s) => ({
              context: s.context,
              state: s.state.toUpperCase(),
              description: s.description,
              targetUrl: s.targetUrl,
              createdAt: s.createdAt,
            })),
          },
    message: async () => (await read()).message,
    tree: async () => ({ oid: (await read()).tree }),
    messageHeadline: async () => (await read()).message.split('\n')[0],
    committedDate: async () => (await read()).committer.date,
    authoredDate: async () => (await read()).author.date,
    author: async () => {
      const a = (await read()).author;
      return { name: a.name, email: a.email, date: a.date, user: null };
    },
    file: async ({ path }: { path: string }) => {
      const blob = await objectNode(repo, { expression: `${oid}:${path}` });
      return blob ? { name: path.split('/').at(-1), path, oid: blob.oid, object: blob } : null;
    },
    history: async ({ path, first }: { path?: string; first?: number }) => {
      const shas = await repo.git.log(oid, { ...(path ? { path } : {}), max: Math.min(first ?? 100, 100) });
      return {
        totalCount: shas.length,
        nodes: shas.map((sha) => commitNode(repo, sha, world)),
        pageInfo: { hasNextPage: false, endCursor: null },
      };
    },
    associatedPullRequests: ({ first }: { first?: number }) => {
      const pulls = [...repo.pulls.values()].filter((p) => p.mergeCommitSha === oid).slice(0, first ?? 100);
      return {
        totalCount: pulls.length,
        nodes: world ? pulls.map((p) => pullNode(world, repo, p)) : [],
      };
    },
  };
}

/** `object(expression: "<rev>:<path>")` or `object(oid:)`: a blob's text or a commit. */
async function objectNode(repo: SimRepo, args: { expression?: string; oid?: string }, world?: GraphqlWorld) {
  const expression = args.expression ?? args.oid ?? '';
  const colon = expression.indexOf(':');
  const rev = colon < 0 ? expression : expression.slice(0, colon);
  const path = colon < 0 ? undefined : expression.slice(colon + 1);
  const commit = /^[0-9a-f]{40}$/.test(rev)
    ? rev
    : ((await repo.git.readRef(rev.startsWith('refs/') ? rev : `refs/heads/${rev}`)) ?? undefined);
  if (!commit || (await repo.git.objectType(commit)) !== 'commit') return null;
  if (path === undefined) return commitNode(repo, commit, world) as never;
  const [entry] = await repo.git.listTree(commit, { path }).catch(() => []);
  if (!entry || entry.name !== path || entry.type !== 'blob') return null;
  const bytes = await repo.git.readBlob(entry.sha);
  const isBinary = bytes.includes(0);
  return {
    __typename: 'Blob',
    oid: entry.sha,
    byteSize: bytes.length,
    isBinary,
    isTruncated: false,
    text: isBinary ? null : bytes.toString('utf8'),
  };
}

function pullNode(world: GraphqlWorld, repo: SimRepo, pull: SimPull) {
  const auto = pull.autoMerge;
  const headOid = async () =>
    pull.frozenHeadSha ?? (await repo.git.readRef(`refs/heads/${pull.head}`)) ?? ZERO_SHA;
  return {
    body: pull.body ?? '',
    headRefOid: headOid,
    createdAt: pull.createdAt,
    mergedAt: pull.mergedAt,
    author: { __typename: pull.user.type, login: pull.user.login },
    mergedBy: pull.mergedBy && { __typename: pull.mergedBy.type, login: pull.mergedBy.login },
    mergeCommit: pull.mergeCommitSha && commitNode(repo, pull.mergeCommitSha, world),
    reviews: ({ states, first }: { states?: string[]; first?: number }) => {
      const all = (repo.reviews.get(pull.number) ?? []).filter((r) => !states || states.includes(r.state));
      const nodes = all.slice(0, first ?? 100).map((r) => ({
        state: r.state,
        submittedAt: r.submittedAt,
        author: { __typename: r.user.type, login: r.user.login },
      }));
      return { totalCount: all.length, nodes };
    },
    // Only the last commit is simulated: Slipway reads the head's statuses through it.
    commits: async () => ({
      totalCount: 1,
      nodes: [{ commit: commitNode(repo, await headOid()) }],
    }),
    __typename: 'PullRequest',
    id: nodeId('PR', `${repo.owner}/${repo.name}#${pull.number}`),
    number: pull.number,
    title: pull.title,
    url: `${world.htmlBase}/${repo.owner}/${repo.name}/pull/${pull.number}`,
    state: pull.mergedAt ? 'MERGED' : pull.state.toUpperCase(),
    isDraft: pull.draft,
    merged: pull.mergedAt !== null,
    headRefName: pull.head,
    baseRefName: pull.base,
    autoMergeRequest: auto && {
      enabledAt: auto.enabledAt,
      mergeMethod: auto.mergeMethod.toUpperCase(),
      commitHeadline: auto.commitTitle,
      commitBody: auto.commitMessage,
      enabledBy: { __typename: auto.enabledBy.type, login: auto.enabledBy.login },
    },
  };
}

function findPullById(world: GraphqlWorld, id: string): { repo: SimRepo; pull: SimPull } {
  const parsed = parseNodeId(id);
  const match = parsed?.kind === 'PR' ? /^([^/]+)\/([^#]+)#(\d+)$/.exec(parsed.key) : null;
  const repo = match ? world.repo(match[1]!, match[2]!) : undefined;
  const pull = repo?.pulls.get(Number(match![3]));
  if (!repo || !pull)
    throw new GraphQLError(`Could not resolve to a node with the global id of '${id}'.`, {
      extensions: { type: 'NOT_FOUND' },
    });
  return { repo, pull };
}

function findRepoById(world: GraphqlWorld, id: string): SimRepo {
  const parsed = parseNodeId(id);
  const match = parsed?.kind === 'R' ? /^([^/]+)\/([^/]+)$/.exec(parsed.key) : null;
  const repo = match ? world.repo(match[1]!, match[2]!) : undefined;
  if (!repo)
    throw new GraphQLError(`Could not resolve to a node with the global id of '${id}'.`, {
      extensions: { type: 'NOT_FOUND' },
    });
  return repo;
}

interface RefUpdateInput {
  name: string;
  afterOid: string;
  beforeOid?: string | null;
  force?: boolean | null;
}

/**
 * `updateRefs`: every update or none, each a compare-and-swap. The ref must be at `beforeOid` when given
 * (ZERO_SHA: must not exist) and, unless `force`, move forward; `afterOid` ZERO_SHA deletes it. GitHub does
 * not document its refusal texts; these say which ref and why, in its error shape (type UNPROCESSABLE).
 */
async function updateRefs(
  world: GraphqlWorld,
  input: { repositoryId: string; refUpdates: RefUpdateInput[]; clientMutationId?: string | null },
) {
  const repo = findRepoById(world, input.repositoryId);
  return world.exclusive(repo, async () => {
    const planned: Array<{ ref: string; after: string; before: string }> = [];
    for (const update of input.refUpdates) {
      const { name, afterOid: after } = update;
      if (!/^refs\/[^\s~^:?*[\\]+\/[^\s~^:?*[\\]+$/.test(name) || name.includes('..') || name.endsWith('/'))
        throw unprocessable(
          `Invalid ref name '${name}'; expected a fully qualified name such as refs/heads/main.`,
        );
      await world.beforeRefUpdate(repo, name);
      const current = (await repo.git.readRef(name)) ?? ZERO_SHA;
      const before = update.beforeOid ?? current;
      if (before !== current) {
        throw unprocessable(
          current === ZERO_SHA
            ? `Reference ${name} does not exist; expected it at ${before}.`
            : `Reference ${name} is at ${current}, not at the expected ${before}.`,
        );
      }
      if (after !== ZERO_SHA && !(await repo.git.objectType(after)))
        throw unprocessable(`Object ${after} does not exist.`);
      if (
        !update.force &&
        current !== ZERO_SHA &&
        after !== ZERO_SHA &&
        !(await repo.git.isAncestor(current, after))
      )
        throw unprocessable(`Update of ${name} is not a fast forward.`);
      const refused =
        update.force && current !== ZERO_SHA && after !== ZERO_SHA
          ? await forcePushRefusal(repo, name, current, after)
          : undefined;
      if (refused) throw unprocessable(refused.trim());
      planned.push({ ref: name, after, before });
    }
    // git checks each old value again inside one transaction: a writer that slipped in still loses.
    if (!(await repo.git.updateRefsAtomically(planned)))
      throw unprocessable('A reference changed while it was being updated; no reference was updated.');
    return { clientMutationId: input.clientMutationId ?? null };
  });
}

interface AutoMergeInput {
  pullRequestId: string;
  mergeMethod?: 'MERGE' | 'SQUASH' | 'REBASE';
  commitHeadline?: string;
  commitBody?: string;
  clientMutationId?: string;
}

function rootValue(world: GraphqlWorld, mergeable: (repo: SimRepo, pull: SimPull) => Promise<boolean>) {
  return {
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = world.repo(owner, name);
      if (!repo) return null;
      return {
        __typename: 'Repository',
        id: nodeId('R', `${owner}/${name}`),
        name,
        autoMergeAllowed: repo.allowAutoMerge,
        ref: async ({ qualifiedName }: { qualifiedName: string }) => {
          const name = qualifiedName.startsWith('refs/') ? qualifiedName : `refs/heads/${qualifiedName}`;
          const oid = await repo.git.readRef(name);
          return oid
            ? {
                name: name.replace(/^refs\/(heads|tags)\//, ''),
                prefix: name.replace(/[^/]+$/, ''),
                target: commitNode(repo, oid, world),
              }
            : null;
        },
        object: (args: { expression?: string; oid?: string }) => objectNode(repo, args, world),
        pullRequests: (args: {
          states?: string[];
          first?: number;
          last?: number;
          after?: string;
          baseRefName?: string;
          headRefName?: string;
        }) => {
          const all = [...repo.pulls.values()]
            .filter(
              (p) => !args.states || args.states.includes(p.mergedAt ? 'MERGED' : p.state.toUpperCase()),
            )
            .filter((p) => !args.baseRefName || p.base === args.baseRefName)
            .filter((p) => !args.headRefName || p.head === args.headRefName)
            .sort((a, b) => a.number - b.number);
          const size = Math.min(args.first ?? args.last ?? 100, 100);
          const start = args.after
            ? Number(Buffer.from(args.after, 'base64').toString())
            : args.last !== undefined && args.first === undefined
              ? Math.max(all.length - size, 0)
              : 0;
          const page = all.slice(start, start + size);
          const end = start + page.length;
          return {
            totalCount: all.length,
            nodes: page.map((p) => pullNode(world, repo, p)),
            pageInfo: {
              hasNextPage: end < all.length,
              endCursor: page.length ? Buffer.from(String(end)).toString('base64') : null,
            },
          };
        },
        pullRequest: ({ number }: { number: number }) => {
          const pull = repo.pulls.get(number);
          return pull ? pullNode(world, repo, pull) : null;
        },
      };
    },
    markPullRequestReadyForReview: ({
      input,
    }: {
      input: { pullRequestId: string; clientMutationId?: string };
    }) => {
      const { repo, pull } = findPullById(world, input.pullRequestId);
      if (pull.state !== 'open') throw unprocessable('Pull request is closed');
      pull.draft = false;
      pull.updatedAt = nowIso();
      return { clientMutationId: input.clientMutationId ?? null, pullRequest: pullNode(world, repo, pull) };
    },
    updateRefs: ({ input }: { input: Parameters<typeof updateRefs>[1] }) => updateRefs(world, input),
    enablePullRequestAutoMerge: async ({ input }: { input: AutoMergeInput }) => {
      const { repo, pull } = findPullById(world, input.pullRequestId);
      if (!repo.allowAutoMerge)
        throw unprocessable('Pull request Auto merge is not allowed for this repository');
      if (pull.state !== 'open') throw unprocessable('Pull request is closed');
      if (!repo.requiresStatusChecks && !pull.draft && (await mergeable(repo, pull))) {
        throw unprocessable('Pull request is in clean status');
      }
      const method = (input.mergeMethod ?? 'MERGE').toLowerCase() as 'merge' | 'squash' | 'rebase';
      pull.autoMerge = {
        enabledBy: world.viewer,
        mergeMethod: method,
        commitTitle: input.commitHeadline ?? `${pull.title} (#${pull.number})`,
        commitMessage: input.commitBody ?? '',
        enabledAt: nowIso(),
      };
      const node = pullNode(world, repo, pull);
      await world.fireAutoMerge(repo);
      return {
        clientMutationId: input.clientMutationId ?? null,
        actor: { __typename: world.viewer.type, login: world.viewer.login },
        pullRequest: node,
      };
    },
  };
}

export interface GraphqlOutcome {
  readonly body: { data?: unknown; errors?: unknown[] };
  /** Set when the query itself is not valid against GitHub's schema: a client bug. */
  readonly invalid?: string[];
  /** Root fields GitHub has that the simulator does not implement. */
  readonly unsimulated?: string[];
  /** The kind of the operation that ran, once the document parsed. */
  readonly operation?: 'query' | 'mutation' | 'subscription';
}

/** Runs one GraphQL request: `{ query, variables, operationName }`. */
export async function runGraphql(
  world: GraphqlWorld,
  request: { query?: unknown; variables?: unknown; operationName?: unknown },
  mergeable: (repo: SimRepo, pull: SimPull) => Promise<boolean>,
): Promise<GraphqlOutcome> {
  if (typeof request.query !== 'string') {
    return {
      body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      invalid: ['no query'],
    };
  }
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    const message = (error as Error).message;
    return { body: { errors: [{ message }] }, invalid: [message] };
  }
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION &&
      (typeof request.operationName !== 'string' || d.name?.value === request.operationName),
  )?.operation;
  const kind = operation ? { operation } : {};
  const problems = validate(githubSchema(), document);
  if (problems.length > 0) {
    const errors = problems.map((p) => ({ message: p.message, locations: p.locations }));
    return { body: { errors }, invalid: problems.map((p) => p.message), ...kind };
  }
  const root = rootValue(world, mergeable) as Record<string, unknown>;
  const unsimulated: string[] = [];
  const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
    if (source === root && typeof root[info.fieldName] !== 'function') {
      unsimulated.push(`${info.parentType.name}.${info.fieldName}`);
      throw new GraphQLError(`The GitHub simulator does not implement ${info.fieldName}.`, {
        extensions: { type: 'NOT_IMPLEMENTED' },
      });
    }
    return defaultFieldResolver(source, args, context, info);
  };
  const result = await execute({
    schema: githubSchema(),
    document,
    rootValue: root,
    fieldResolver,
    variableValues: (request.variables ?? {}) as Record<string, unknown>,
    operationName: typeof request.operationName === 'string' ? request.operationName : undefined,
  });
  const errors = result.errors?.map((e) => ({
    type: e.extensions.type ?? 'UNPROCESSABLE',
    message: e.message,
    path: e.path,
    locations: e.locations,
  }));
  return {
    body: { data: result.data ?? null, ...(errors ? { errors } : {}) },
    ...(unsimulated.length ? { unsimulated } : {}),
    ...kind,
  };
}
