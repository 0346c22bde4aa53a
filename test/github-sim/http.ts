// The simulator's request/response vocabulary: what a handler receives, what it returns, and the errors
// it throws, in the shapes GitHub answers with.
import type { MatchedOperation } from './openapi.js';
import type { Urls } from './shapes.js';
import type { SimRepo, SimUser } from './state.js';

export const DOCS = 'https://docs.github.com/rest';

export interface SimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface SimRequest {
  readonly operation: MatchedOperation;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies were validated against GitHub's schema already.
  readonly body: any;
  /** The user the token belongs to. */
  readonly viewer: SimUser;
  readonly urls: Urls;
}

/** What a handler needs from the simulator: repositories, ids, users. */
export interface SimContext {
  repo(owner: string, name: string): SimRepo | undefined;
  nextId(): number;
  user(login: string): SimUser;
  /** Runs before a ref update: where injected concurrent writers strike. */
  beforeRefUpdate(repo: SimRepo, ref: string): Promise<void>;
}

export type Handler = (ctx: SimContext, request: SimRequest, repo: SimRepo) => Promise<SimResponse>;

/** An answer other than success, with GitHub's body: `{ message, documentation_url, status, errors? }`. */
export class GitHubHttpError extends Error {
  readonly status: number;
  readonly errors: unknown[] | undefined;
  constructor(status: number, message: string, errors?: unknown[]) {
    super(message);
    this.status = status;
    this.errors = errors;
  }

  toResponse(): SimResponse {
    const body = { message: this.message, documentation_url: DOCS, status: String(this.status) };
    return { status: this.status, body: this.errors ? { ...body, errors: this.errors } : body };
  }
}

export function notFound(): GitHubHttpError {
  return new GitHubHttpError(404, 'Not Found');
}

/** GitHub's 422 "Validation Failed" with one `errors[]` entry. */
export function validationFailed(
  resource: string,
  field: string,
  message: string,
  code = 'custom',
): GitHubHttpError {
  return new GitHubHttpError(422, 'Validation Failed', [{ resource, field, code, message }]);
}

/**
 * One page of a list, with GitHub's `Link` header (rel next/last) so Octokit's paginate follows it.
 * per_page defaults to 30 and is capped at 100, as on GitHub.
 */
export function paginate<T>(request: SimRequest, items: T[], path: string): SimResponse {
  const perPage = Math.min(Math.max(Number(request.query.per_page ?? 30) || 30, 1), 100);
  const page = Math.max(Number(request.query.page ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const links: string[] = [];
  const pageUrl = (n: number) => {
    const query = new URLSearchParams({ ...request.query, per_page: String(perPage), page: String(n) });
    return `<${request.urls.api}${path}?${query}>`;
  };
  if (page < last) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`);
  if (page > 1) links.push(`${pageUrl(1)}; rel="first"`, `${pageUrl(page - 1)}; rel="prev"`);
  const body = items.slice((page - 1) * perPage, page * perPage);
  return { status: 200, body, ...(links.length ? { headers: { link: links.join(', ') } } : {}) };
}
