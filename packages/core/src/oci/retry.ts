// Retries with exponential backoff and jitter for what a registry does when it is briefly unwell:
// dropped connections, 5xx, 429 (honouring Retry-After). Auth and digest errors are never retried.
import { RETRYABLE_STATUSES, RegistryError, RetriesExhaustedError } from './errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  /** The longest backoff of our own choosing. */
  readonly maxDelayMs: number;
  /**
   * The longest Retry-After honoured. A registry asking for more is not hammered sooner than it asked:
   * the request fails at once, saying how long it asked for.
   */
  readonly maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** A RegistryError carrying the server's Retry-After, in milliseconds. */
export class RetryableStatusError extends RegistryError {
  override name = 'RetryableStatusError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, status: number, codes: readonly string[], retryAfterMs: number | undefined) {
    super(message, status, codes);
    this.retryAfterMs = retryAfterMs;
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** True for failures another try may fix: transient statuses and broken connections. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetriesExhaustedError) return false;
  if (error instanceof RetryableStatusError) return true;
  if (error instanceof RegistryError) return RETRYABLE_STATUSES.has(error.status);
  // fetch reports network failures as TypeError('fetch failed') with the socket error as its cause.
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && NETWORK_CODES.has(code)) return true;
    if (e.name === 'TypeError' && e.message === 'fetch failed') return true;
    if (/other side closed|socket hang up|terminated/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Parses Retry-After (seconds or an HTTP date) into milliseconds. A date is read against the answer's own
 * Date header when there is one (`serverDate`), so a runner whose clock is off waits what was meant.
 */
export function parseRetryAfter(
  value: string | null,
  now = Date.now(),
  serverDate?: string | null,
): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const server = serverDate ? Date.parse(serverDate) : Number.NaN;
  return Math.max(0, at - (Number.isNaN(server) ? now : server));
}

/** The wait before the next try: our backoff, or what the server's Retry-After asks when that is longer. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

export async function withRetry<T>(
  what: string,
  policy: RetryPolicy,
  action: (attempt: number) => Promise<T>,
  log?: (message: string) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      signal?.throwIfAborted();
      return await action(attempt);
    } catch (error) {
      // The deadline ends the retries too, with its own message rather than the last request's.
      if (signal?.aborted) throw signal.reason;
      if (attempt >= policy.attempts || !isRetryable(error)) {
        if (attempt > 1 && isRetryable(error)) {
          throw new RetriesExhaustedError(
            `${what} failed after ${attempt} tries: ${describe(error)}`,
            error instanceof RegistryError ? error.status : 0,
          );
        }
        throw error;
      }
      const retryAfterMs = error instanceof RetryableStatusError ? error.retryAfterMs : undefined;
      const longest = policy.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs ?? 0;
      if (retryAfterMs !== undefined && retryAfterMs > longest) {
        throw new RetriesExhaustedError(
          `${what} failed (${describe(error)}), and the registry asks to wait ${Math.ceil(retryAfterMs / 1000)} s ` +
            `before another try (Retry-After), longer than Slipway waits (${longest / 1000} s). Try again later.`,
          error instanceof RegistryError ? error.status : 0,
        );
      }
      const delay = backoffDelay(policy, attempt, retryAfterMs);
      log?.(
        `${what} failed (${describe(error)}); try ${attempt + 1} of ${policy.attempts} in ${Math.round(delay)} ms`,
      );
      await new Promise<void>((done) => {
        const onAbort = () => {
          clearTimeout(timer);
          done();
        };
        // Its listener goes with it: a long publish's retries must not pile them up on the signal.
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          done();
        }, delay);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

/** The innermost useful message of an error chain (fetch hides the socket error in `cause`). */
export function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; e = (e as Error).cause, depth++) {
    if (e instanceof Error) {
      const code = (e as NodeJS.ErrnoException).code;
      parts.push(code ? `${e.message} (${code})` : e.message);
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(': ');
}
