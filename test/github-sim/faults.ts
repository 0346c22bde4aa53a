// Faults a test can inject: GitHub's 5xx, primary and secondary rate limits, answered in GitHub's own shapes
// (headers and messages) so the client's real retry logic is what gets tested.

export interface FaultSpec {
  /** HTTP method to match; any when left out. */
  readonly method?: string;
  /**
   * Which requests: a RegExp tested against the path (`/repos/o/r/git/trees`), or a string that is the
   * exact path, the OpenAPI template (`/repos/{owner}/{repo}/git/trees`) or the operationId (`git/create-tree`).
   * GraphQL requests have the path `/graphql` and operationId `graphql`.
   */
  readonly path: string | RegExp;
  /** 502/500/503: a server error. 429/403: a rate limit (secondary unless `secondaryRateLimit: false`). */
  readonly status: 500 | 502 | 503 | 429 | 403;
  /** How many matching requests get the fault before it is used up. Default 1; Infinity for "down". */
  readonly times?: number;
  /** Seconds, sent as `retry-after` (and, for a primary limit, as the `x-ratelimit-reset` offset). */
  readonly retryAfter?: number;
  /**
   * For 403/429: true (default) answers GitHub's secondary-rate-limit message; false answers a primary
   * limit (`x-ratelimit-remaining: 0`, `x-ratelimit-reset`). Ignored for 5xx.
   */
  readonly secondaryRateLimit?: boolean;
  /**
   * `before` (default): the request fails and changes nothing. `after`: GitHub did the work, then the
   * answer was lost (a 502 from the proxy after the write) — the case that tests idempotent retries.
   */
  readonly when?: 'before' | 'after';
}

/** A live injected fault; `hits` counts the requests it answered. */
export interface FaultHandle {
  readonly spec: FaultSpec;
  readonly hits: number;
  readonly remaining: number;
}

export class Fault implements FaultHandle {
  readonly spec: FaultSpec;
  hits = 0;
  constructor(spec: FaultSpec) {
    this.spec = spec;
  }

  get remaining(): number {
    return (this.spec.times ?? 1) - this.hits;
  }

  matches(
    method: string,
    path: string,
    template: string | undefined,
    operationId: string | undefined,
  ): boolean {
    if (this.remaining <= 0) return false;
    if (this.spec.method && this.spec.method.toUpperCase() !== method) return false;
    const p = this.spec.path;
    return typeof p === 'string' ? p === path || p === template || p === operationId : p.test(path);
  }

  /** The answer GitHub gives for this fault. */
  response(): { status: number; headers: Record<string, string>; body: unknown } {
    this.hits += 1;
    const { status, retryAfter } = this.spec;
    const headers: Record<string, string> = {};
    if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
    if (status >= 500) {
      return { status, headers, body: { message: status === 502 ? 'Server Error' : 'Service Unavailable' } };
    }
    if (this.spec.secondaryRateLimit === false) {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-reset'] = String(Math.ceil(Date.now() / 1000) + (retryAfter ?? 1));
      return {
        status,
        headers,
        body: {
          message: 'API rate limit exceeded for installation ID 4242.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
      };
    }
    return {
      status,
      headers,
      body: {
        message:
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:SIM.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
    };
  }
}

export interface RefConflictSpec {
  /** `owner/name` of the repository. */
  readonly repo: string;
  /** Only updates of this ref trigger it (`heads/x` or `refs/heads/x`); any ref when left out. */
  readonly ref?: string;
  /**
   * The branch the other writer commits to; default: the ref being updated. Name the base branch
   * (`heads/main`) to simulate a merge landing on it while Slipway works.
   */
  readonly moveRef?: string;
  /** What the other writer's commit changes; default one new file `CONCURRENT-WRITER-<n>.md`. */
  readonly files?: Record<string, string>;
  /** How many ref updates meet a concurrent writer. Default 1. */
  readonly times?: number;
}

/** A live ref conflict; `commits` are the other writer's commits, in order, once it has struck. */
export interface RefConflictHandle {
  readonly spec: RefConflictSpec;
  readonly commits: readonly string[];
}
