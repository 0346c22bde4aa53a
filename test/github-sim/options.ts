// The simulator's public option and record types.
import type { GitPerson } from './git.js';

/** One request as the simulator saw it: what tests and benchmarks count. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without query and without a `/api/v3` prefix, e.g. `/repos/acme/envs/git/trees`. */
  readonly path: string;
  /** GitHub's operationId (`git/create-tree`), `graphql`, or undefined for a route GitHub lacks. */
  readonly operationId: string | undefined;
  /** For a GraphQL request: whether it was a query (a read) or a mutation (a write). */
  readonly graphql?: 'query' | 'mutation' | 'subscription';
  readonly status: number;
  /** Set when an injected fault answered. */
  readonly fault?: true;
  /** Why the request was rejected as invalid (422 or GraphQL validation errors). */
  readonly rejected?: readonly string[];
  /** When the answer was sent (ms since epoch): retry waits show as gaps. */
  readonly at: number;
}

export interface GitHubSimOptions {
  /** The login every token acts as (a GitHub App's bot by default). */
  readonly login?: string;
}

export interface CreateRepoOptions {
  readonly defaultBranch?: string;
  /** Author of the initial commit. */
  readonly author?: GitPerson;
  readonly message?: string;
  /** Repository setting "Allow auto-merge" (default true). */
  readonly allowAutoMerge?: boolean;
  /** Whether the default branch requires status checks (default true; see SimRepo.requiresStatusChecks). */
  readonly requiresStatusChecks?: boolean;
  /** Who may be requested for review; anyone when left out. */
  readonly collaborators?: readonly string[];
  readonly teams?: readonly string[];
  /** Extra commits on the default branch after the first (each rewrites HISTORY.log): a long history, fast. */
  readonly historyCommits?: number;
}
