// The one place Slipway assembles its GitHub client: Octokit with the retry and throttling plugins,
// so every caller (actions, CLI, tests) gets the same behaviour on flaky networks and rate limits.
//
// Who retries what (the plugins would otherwise retry some failures twice, nested):
// - 5xx and network failures: @octokit/plugin-retry, backoff of (attempt²) × retryDelayUnitMs, `retries` times.
// - 403/429 rate limits: @octokit/plugin-throttling, which honours GitHub's own signals: the `retry-after`
//   header of a secondary rate limit, or `x-ratelimit-reset` when `x-ratelimit-remaining` is 0 (primary
//   limit). Both are listed in plugin-retry's doNotRetry so it stays out of the way.
// - Any other 4xx is an answer, not a hiccup: never retried (callers match it with ./failures.ts).

import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { createRedactor, SlipwayError } from '../errors/index.js';

/** The client every Slipway GitHub call goes through: a plain @octokit/rest Octokit to its callers. */
export type GitHubClient = Octokit;

/** Where the client reports retries and waits; Octokit's own log shape, so `console` fits. */
export interface GitHubClientLog {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface GitHubClientOptions {
  /** Installation or personal token. Callers in actions must `core.setSecret` it first; the client never logs it. */
  readonly token: string;
  /**
   * REST API root. Default https://api.github.com. For GitHub Enterprise Server use
   * `https://HOST/api/v3`; GraphQL then goes to `https://HOST/api/graphql` (Octokit derives it).
   */
  readonly baseUrl?: string;
  /** Sent as User-Agent; GitHub asks for one that names the app. Default `slipway`. */
  readonly userAgent?: string;
  /** Default: silent for debug/info, `console.warn`/`console.error` for the rest. */
  readonly log?: GitHubClientLog;
  /** How many times one request is retried, for 5xx and for rate limits alike. Default 3. */
  readonly retries?: number;
  /**
   * The length of "one second" in retry waits, in milliseconds. Default 1000. Tests pass 1 so that
   * a `retry-after: 2` waits 2 ms: the same code path, without slow tests.
   */
  readonly retryDelayUnitMs?: number;
  /**
   * The longest rate-limit wait, in (unit) seconds, the client accepts before giving up with the error.
   * Default 120: a CI job should fail clearly rather than sleep for an hour on a primary limit.
   */
  readonly maxRetryAfterSeconds?: number;
  /**
   * Gap between writes (POST/PATCH/PUT/DELETE), in milliseconds. Writes are always serialised.
   * Default 0: GitHub asks for 1 s between writes only when an integration makes a large number of them,
   * and a proposal makes a handful; the throttling plugin's own default (1 s, 3 s for writes that notify)
   * would triple a proposal's wall time for no benefit. Pass 1000 for bulk work.
   */
  readonly writeSpacingMs?: number;
}

// Typed as the plain Octokit: the plugins add no methods callers need, only behaviour.
const SlipwayOctokit: typeof Octokit = Octokit.plugin(retry, throttling);

const DEFAULT_RETRIES = 3;
const DEFAULT_MAX_RETRY_AFTER_SECONDS = 120;
/** plugin-retry's own list, plus 429: rate limits belong to the throttling plugin (see the file comment). */
const NOT_RETRIED_BY_BACKOFF = [400, 401, 403, 404, 410, 422, 429, 451];

const quietLog: GitHubClientLog = {
  debug: () => {},
  info: () => {},
  warn: (message, ...extra) => console.warn(message, ...extra),
  error: (message, ...extra) => console.error(message, ...extra),
};

/**
 * Creates Slipway's GitHub client: @octokit/rest with retries for 5xx (bounded backoff) and for
 * primary and secondary rate limits (honouring `retry-after` / `x-ratelimit-reset`), the base URL
 * for GitHub Enterprise Server, and serialised writes.
 *
 * @example
 * const octokit = createGitHubClient({ token, baseUrl: settings.githubApiUrl });
 * await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  if (!options.token) throw new SlipwayError('A GitHub token is required (input `token` or GITHUB_TOKEN).');
  if (options.baseUrl !== undefined) checkApiUrl(options.baseUrl);
  const retries = options.retries ?? DEFAULT_RETRIES;
  const unitMs = options.retryDelayUnitMs ?? 1000;
  const maxWait = options.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS;
  const log = options.log ?? quietLog;
  const spacing = options.writeSpacingMs ?? 0;

  // Own limiter groups per client: the plugin's defaults are module-global and space writes 1–3 s apart.
  const writes = () => new Bottleneck.Group({ maxConcurrent: 1, minTime: spacing });

  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= retries) {
        log.warn(`GitHub ${kind} rate limit on ${what}: giving up after ${retryCount} retries.`);
        return false;
      }
      if (retryAfter > maxWait) {
        log.warn(
          `GitHub ${kind} rate limit on ${what}: asked to wait ${retryAfter}s (> ${maxWait}s); giving up.`,
        );
        return false;
      }
      log.warn(
        `GitHub ${kind} rate limit on ${what}: retrying after ${retryAfter}s (retry ${retryCount + 1}).`,
      );
      return true;
    };

  const octokit = new SlipwayOctokit({
    auth: options.token,
    userAgent: options.userAgent ?? 'slipway',
    ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
    log,
    retry: { retries, retryAfterBaseValue: unitMs, doNotRetry: NOT_RETRIED_BY_BACKOFF },
    throttle: {
      retryAfterBaseValue: unitMs,
      write: writes(),
      notifications: writes(),
      search: writes(),
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });
  // An API (or a proxy in front of it) that echoes request headers in its error body must not hand the
  // token back into the log.
  const redactor = createRedactor([options.token]);
  octokit.hook.error('request', (error) => {
    if (error instanceof Error) error.message = redactor.redact(error.message);
    const response = (error as { response?: { data?: unknown } }).response;
    if (response && response.data !== undefined) {
      response.data = JSON.parse(redactor.redact(JSON.stringify(response.data) ?? 'null'));
    }
    throw error;
  });
  // A wrong API URL often answers 200 with an HTML page (a login page, a proxy, the web UI): without this
  // check it surfaces later as "Cannot read properties of undefined".
  octokit.hook.after('request', (response, request) => {
    const type = String(response.headers['content-type'] ?? '');
    const empty = response.data === undefined || response.data === '' || response.status === 204;
    if (empty || /json/i.test(type)) return;
    const what = `${request.method} ${String(request.url).split('?')[0]}`;
    throw new SlipwayError(
      `The GitHub API at ${options.baseUrl ?? 'https://api.github.com'} answered ${what} with ${type || 'no content type'} ` +
        `(status ${response.status}), not JSON: it is not the GitHub REST API. For GitHub Enterprise Server, use https://HOST/api/v3.`,
      {
        where: options.baseUrl ?? 'https://api.github.com',
        expected: 'the GitHub REST API root, answering JSON',
      },
    );
  });
  return octokit;
}

/** The API root must be an http(s) URL: `new URL` deep inside Octokit says only "Invalid URL". */
function checkApiUrl(baseUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new SlipwayError(
      `The GitHub API URL '${baseUrl}' is not an http(s) URL. Expected https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server.`,
      { where: baseUrl, expected: 'an https:// URL of the GitHub REST API root' },
    );
  }
}
