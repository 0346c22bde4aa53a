import { SlipwayError } from '../errors/index.js';

// GitHub answers that Slipway expects and handles, matched by name instead of string soup at call sites.
// The texts are GitHub's own (REST `message`, the `errors[].message` of a 422, or a GraphQL error message).

/** A failure GitHub reports, with the status it comes with and the text that identifies it. */
export interface KnownGitHubFailure {
  /** HTTP status of the REST answer; 200 for GraphQL, whose errors come in a 200 body. */
  readonly status: number;
  /** Matches the error's message, its `errors[].message` entries, or a GraphQL error message. */
  readonly text: RegExp;
  /** The status alone names it, whatever GitHub's text says (the status must then be present and equal). */
  readonly anyText?: true;
}

const anyText = { text: /[\s\S]*/, anyText: true } as const;

export const GitHubFailure = {
  /** PATCH git/refs with force=false, when the ref moved since it was read: rebuild on the new tip and retry. */
  notFastForward: { status: 422, text: /Update is not a fast forward/i },
  /** POST git/refs for a branch that exists already (another run created it first). */
  referenceAlreadyExists: { status: 422, text: /Reference already exists/i },
  /** PATCH/DELETE git/refs for a branch that is gone. */
  referenceDoesNotExist: { status: 422, text: /Reference does not exist/i },
  /** POST pulls while an open PR already joins the same head and base: find it and update it instead. */
  pullRequestAlreadyExists: { status: 422, text: /A pull request already exists for/i },
  /** POST pulls for a head with nothing the base lacks. */
  noCommitsBetween: { status: 422, text: /No commits between/i },
  /** PUT pulls/{n}/merge on a PR that cannot be merged (conflicts, checks, reviews). */
  pullRequestNotMergeable: { status: 405, text: /Pull Request is not mergeable|Base branch was modified/i },
  /** A token that cannot write here; `GITHUB_TOKEN` writing to another repository answers this. */
  resourceNotAccessible: {
    status: 403,
    text: /Resource not accessible by (integration|personal access token)/i,
  },
  /** The secondary rate limit; retried by the client, seen only when retries ran out. */
  secondaryRateLimit: { status: 403, text: /secondary rate limit/i },
  /** GET commits/{ref} for a branch, tag or sha the repository does not have (GitHub answers 422, not 404). */
  noCommitFound: { status: 422, text: /No commit found for SHA/i },
  /**
   * GraphQL `updateRefs` on a server whose schema predates it (GitHub Enterprise Server releases from
   * before April 2024): the query fails validation, naming the field or its input types.
   */
  updateRefsUnsupported: {
    status: 200,
    text: /Field 'updateRefs' doesn't exist|(RefUpdate|UpdateRefsInput) isn't a defined input type/i,
  },
  /** A file, branch or commit the repository does not have (or a repository the token cannot see). */
  notFound: { status: 404, ...anyText },
  /** PATCH git/refs that met a concurrent update of the same ref. */
  refUpdateConflict: { status: 409, ...anyText },
  /**
   * POST pulls/{n}/requested_reviewers refused (a reviewer who is not a collaborator, the PR's author):
   * GitHub's texts vary, the 422 does not. The PR stands; Slipway warns.
   */
  reviewRequestRefused: { status: 422, ...anyText },
  /** enablePullRequestAutoMerge when the repository has auto-merge switched off in its settings. */
  autoMergeNotAllowed: { status: 200, text: /Auto merge is not allowed for this repository/i },
  /** enablePullRequestAutoMerge on a PR that is already mergeable: GitHub wants a plain merge instead. */
  pullRequestInCleanStatus: { status: 200, text: /Pull request is in clean status/i },
} as const satisfies Record<string, KnownGitHubFailure>;

export type GitHubFailureName = keyof typeof GitHubFailure;

interface ErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { data?: unknown; status?: unknown };
  errors?: unknown;
  request?: { method?: unknown; url?: unknown; request?: { retryCount?: unknown } };
}

/** Every human-readable text GitHub put in the error: message, 422 `errors[]`, GraphQL `errors[]`. */
function textsOf(error: ErrorLike): string[] {
  const texts: string[] = [];
  if (typeof error.message === 'string') texts.push(error.message);
  const data = error.response?.data as { message?: unknown; errors?: unknown } | undefined;
  if (data && typeof data === 'object') {
    if (typeof data.message === 'string') texts.push(data.message);
    if (Array.isArray(data.errors)) texts.push(...data.errors.map(messageOf));
  }
  if (Array.isArray(error.errors)) texts.push(...error.errors.map(messageOf));
  return texts;
}

function messageOf(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object' && 'message' in entry && typeof entry.message === 'string') {
    return entry.message;
  }
  return JSON.stringify(entry);
}

/**
 * True when `error` (an Octokit RequestError or GraphqlResponseError) is the named GitHub failure.
 *
 * @example
 * catch (error) { if (isGitHubFailure(error, 'notFastForward')) continue; throw error; }
 */
export function isGitHubFailure(error: unknown, name: GitHubFailureName): boolean {
  if (error instanceof GitHubApiError) return isGitHubFailure(error.cause, name);
  if (!error || typeof error !== 'object') return false;
  const failure = GitHubFailure[name];
  const e = error as ErrorLike;
  const status = typeof e.status === 'number' ? e.status : undefined;
  if ('anyText' in failure) return status === failure.status;
  // GraphQL errors carry no HTTP status; REST ones must also match the status.
  if (status !== undefined && failure.status !== 200 && status !== failure.status) return false;
  return textsOf(e).some((text) => failure.text.test(text));
}

/**
 * One line for a person reading a CI log: which request, what GitHub answered, after how many attempts.
 * Never includes the token (Octokit redacts the authorization header; we print only method and URL).
 *
 * @example "GitHub API POST https://api.github.com/repos/o/r/git/trees failed with 502 Bad Gateway after 4 attempts."
 */
export function describeGitHubFailure(error: unknown): string {
  if (error instanceof GitHubApiError) return error.message;
  if (!error || typeof error !== 'object') return `GitHub API call failed: ${String(error)}`;
  const e = error as ErrorLike;
  const method = typeof e.request?.method === 'string' ? e.request.method : undefined;
  const url = typeof e.request?.url === 'string' ? e.request.url : undefined;
  const where = method && url ? `${method} ${url}` : 'request';
  const status = typeof e.status === 'number' ? e.status : undefined;
  const retryCount = Number(e.request?.request?.retryCount ?? 0) || 0;
  const attempts = retryCount > 0 ? ` after ${retryCount + 1} attempts` : '';
  const detail =
    textsOf(e)
      .map((t) => t.replace(/ - https:\/\/docs\.github\.com\S*$/, ''))
      .find((t) => t.length > 0) ?? 'no message';
  // Octokit reports a request that got no answer at all (no such host, connection refused, TLS) as a 500
  // without a response: say it was not reached, and where the address comes from.
  if (status === 500 && !e.response) {
    return `GitHub API ${where} could not be reached: ${detail}${attempts}. Check the API URL (--api-url, or GITHUB_API_URL in Actions) and this machine's network.`;
  }
  const answered = status ? `failed with ${status}: ${detail}` : `failed: ${detail}`;
  return `GitHub API ${where} ${answered}${attempts}.`;
}

/**
 * A GitHub API request that failed in a way Slipway does not handle (a token without access, a server
 * error after every retry): the user's to fix or to retry, told as one sentence by describeGitHubFailure.
 * `where` is the request (method and URL); `cause` the Octokit error.
 */
export class GitHubApiError extends SlipwayError {
  override readonly name = 'GitHubApiError';
  /** HTTP status of GitHub's answer, when there was one. */
  readonly status: number | undefined;
  constructor(error: object) {
    const e = error as ErrorLike;
    const method = typeof e.request?.method === 'string' ? e.request.method : undefined;
    const url = typeof e.request?.url === 'string' ? e.request.url : undefined;
    super(describeGitHubFailure(error), {
      ...(method && url ? { where: `${method} ${url}` } : {}),
      cause: error,
    });
    this.status = typeof e.status === 'number' ? e.status : undefined;
  }
}

/** True for what Octokit throws: a RequestError (status + request) or a GraphqlResponseError. */
function isOctokitError(error: unknown): error is object {
  if (!error || typeof error !== 'object' || error instanceof SlipwayError) return false;
  return 'request' in error && ('status' in error || 'errors' in error);
}

/**
 * The github/ boundary: an Octokit failure leaves as a GitHubApiError (a SlipwayError), anything else
 * as it came. Operations that call GitHub wrap their API work in this.
 */
export async function atGitHubBoundary<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isOctokitError(error) ? new GitHubApiError(error) : error;
  }
}
