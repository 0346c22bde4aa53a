// GitHub's GraphQL endpoint, for what Slipway uses: the `enablePullRequestAutoMerge` mutation and looking a
// pull request up by number. Every query is parsed and validated against GitHub's real schema
// (@octokit/graphql-schema) and then executed by graphql-js, so a field GitHub lacks fails here as there.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type DocumentNode,
  execute,
  GraphQLError,
  type GraphQLSchema,
  parse,
  validate,
} from 'graphql';
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
}

function unprocessable(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type: 'UNPROCESSABLE' } });
}

function pullNode(world: GraphqlWorld, repo: SimRepo, pull: SimPull) {
  const auto = pull.autoMerge;
  return {
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
        pullRequest: ({ number }: { number: number }) => {
          const pull = repo.pulls.get(number);
          return pull ? pullNode(world, repo, pull) : null;
        },
      };
    },
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
      return {
        clientMutationId: input.clientMutationId ?? null,
        actor: { __typename: world.viewer.type, login: world.viewer.login },
        pullRequest: pullNode(world, repo, pull),
      };
    },
  };
}

export interface GraphqlOutcome {
  readonly body: { data?: unknown; errors?: unknown[] };
  /** Set when the query itself is not valid against GitHub's schema: a client bug. */
  readonly invalid?: string[];
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
  const problems = validate(githubSchema(), document);
  if (problems.length > 0) {
    const errors = problems.map((p) => ({ message: p.message, locations: p.locations }));
    return { body: { errors }, invalid: problems.map((p) => p.message) };
  }
  const result = await execute({
    schema: githubSchema(),
    document,
    rootValue: rootValue(world, mergeable),
    variableValues: (request.variables ?? {}) as Record<string, unknown>,
    operationName: typeof request.operationName === 'string' ? request.operationName : undefined,
  });
  const errors = result.errors?.map((e) => ({
    type: e.extensions.type ?? 'UNPROCESSABLE',
    message: e.message,
    path: e.path,
    locations: e.locations,
  }));
  return { body: { data: result.data ?? null, ...(errors ? { errors } : {}) } };
}
