// HTTP to one repository of a registry: authentication on demand, manual redirects, error decoding.
//
// Authorization is attached only to requests for the registry's own host: a redirect to blob storage on
// another host (S3, a CDN) is followed without it, so a token never leaks. Each request body is a
// factory, because a 401 or a redirect means sending it again.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createRedactor, type Redactor } from '../errors/index.js';
import {
  basicHeader,
  basicPair,
  type Challenge,
  fetchToken,
  parseChallenge,
  type RegistryCredentials,
} from './auth.js';
import { AuthError, errorCodes, OciError, RETRYABLE_STATUSES, RegistryError } from './errors.js';
import { parseRetryAfter, RetryableStatusError } from './retry.js';

export type Body = Buffer | string | AsyncIterable<Uint8Array>;

export interface RegistryConnectionOptions {
  /** Host and optional port, e.g. ghcr.io or 127.0.0.1:5000. */
  readonly registry: string;
  readonly repository: string;
  readonly credentials?: RegistryCredentials;
  /** Speak HTTP instead of HTTPS; the default for localhost and 127.0.0.1. */
  readonly plainHttp?: boolean;
  /** pull for reading, pull,push for publishing. */
  readonly actions: 'pull' | 'pull,push';
  /** Repositories blobs may be mounted from; their pull scope is asked for too. */
  readonly mountFrom?: readonly string[];
  readonly onSecret?: (secret: string) => void;
  /** A request with no bytes moving either way for this long is abandoned (and retried); default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Ends every request at once when it aborts: the whole publish's deadline. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** A registry is a host and optional port; a URL or a path given instead makes `new URL` say only "Invalid URL". */
function checkRegistryHost(registry: string): void {
  if (/^([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i.test(registry))
    return;
  if (/^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(registry)) return;
  const hint = /^[a-z]+:\/\//i.test(registry)
    ? ` Leave out the scheme: ${registry.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')}.`
    : registry.includes('/')
      ? ' The repository goes in artifact.repository (or the repository input), not in the registry.'
      : '';
  throw new OciError(
    `Registry '${registry}' is not a registry host: expected a host and optional port such as ghcr.io or localhost:5000.${hint}`,
  );
}

/** The error an idle request ends with: a network failure (ETIMEDOUT), so it is retried. */
function idleError(idleMs: number): Error {
  return Object.assign(new Error(`no bytes moved for ${formatSeconds(idleMs)}`), { code: 'ETIMEDOUT' });
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: () => Body;
  /** What this request is, for error messages: "upload of sha256:… (weights.bin)". */
  readonly what: string;
}

const MAX_REDIRECTS = 5;

export class RegistryConnection {
  readonly registry: string;
  readonly repository: string;
  readonly baseUrl: string;
  readonly #options: RegistryConnectionOptions;
  #authorization: string | undefined;
  /** Every secret this connection sends, removed from the messages it builds from what registries say. */
  readonly #redactor: Redactor;

  constructor(options: RegistryConnectionOptions) {
    this.#options = options;
    this.registry = options.registry;
    this.repository = options.repository;
    checkRegistryHost(options.registry);
    this.#redactor = createRedactor();
    const pair = options.credentials ? basicPair(options.credentials) : undefined;
    if (pair) this.#redactor.addBasic(pair[0], pair[1]);
    // The Basic header's base64 is a string of its own: masked like the password it carries.
    for (const form of this.#redactor.forms) options.onSecret?.(form);
    const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(options.registry);
    this.baseUrl = `${(options.plainHttp ?? local) ? 'http' : 'https'}://${options.registry}`;
  }

  get location(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** `/v2/<repository>/<rest>` as a URL. */
  url(rest: string): URL {
    return new URL(`/v2/${this.repository}/${rest}`, this.baseUrl);
  }

  /** Sends a request, authenticating once when challenged. Statuses are the caller's to judge. */
  async send(method: string, target: URL | string, options: RequestOptions): Promise<Response> {
    const url = typeof target === 'string' ? new URL(target, this.baseUrl) : target;
    let response = await this.#sendFollowingRedirects(method, url, options);
    if (response.status === 401) {
      const header = response.headers.get('www-authenticate');
      await response.body?.cancel();
      const challenge = header ? parseChallenge(header) : undefined;
      if (!challenge)
        throw new AuthError(`${this.location}: ${options.what} answered 401 without a challenge.`);
      await this.#authenticate(challenge);
      response = await this.#sendFollowingRedirects(method, url, options);
      if (response.status === 401) {
        await response.body?.cancel();
        throw new AuthError(
          `${this.location}: ${options.what} was refused (401) even after authenticating for ${this.#options.actions}. ` +
            'Check that the credentials may push to this repository.',
        );
      }
    }
    return response;
  }

  /** Throws a RegistryError for a status outside `expected` (retryable ones as RetryableStatusError). */
  async expect(response: Response, expected: readonly number[], what: string): Promise<Response> {
    if (expected.includes(response.status)) return response;
    const body = await response.text().catch(() => '');
    const codes = errorCodes(body);
    const detail = codes.length > 0 ? codes.join(', ') : body.slice(0, 200).trim();
    const message = this.#redactor.redact(
      `${this.location}: ${what} answered ${response.status}${detail ? ` (${detail})` : ''}.`,
    );
    if (response.status === 403) {
      throw new AuthError(`${message} The credentials may not ${this.#options.actions} this repository.`);
    }
    if (RETRYABLE_STATUSES.has(response.status)) {
      throw new RetryableStatusError(
        message,
        response.status,
        codes,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    throw new RegistryError(message, response.status, codes);
  }

  async #sendFollowingRedirects(method: string, start: URL, options: RequestOptions): Promise<Response> {
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...options.headers };
      if (this.#authorization && url.host === new URL(this.baseUrl).host)
        headers['authorization'] = this.#authorization;
      const body = options.body?.();
      const idleMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
      this.#options.signal?.throwIfAborted();
      let response: Response;
      if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
        response = await streamRequest(method, url, headers, body, idleMs, this.#options.signal);
      } else {
        response = await idleFetch(
          url,
          { method, headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) },
          idleMs,
          this.#options.signal,
        );
      }
      // A login page or a proxy answers HTML: say so, rather than fail later parsing it as the API.
      if ((response.headers.get('content-type') ?? '').includes('text/html')) {
        await response.body?.cancel();
        throw new RegistryError(
          `${this.location}: ${options.what} was answered with an HTML page (status ${response.status}), not the OCI distribution API. ` +
            `Is ${this.registry} a container registry? Give its host (and port), e.g. ghcr.io.`,
          response.status,
        );
      }
      const location = response.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
      await response.body?.cancel();
      url = new URL(location, url);
    }
    throw new RegistryError(
      `${this.location}: ${options.what} redirected more than ${MAX_REDIRECTS} times.`,
      310,
    );
  }

  async #authenticate(challenge: Challenge): Promise<void> {
    const credentials = this.#options.credentials ?? {};
    if (challenge.scheme === 'basic') {
      const header = basicHeader(credentials);
      if (!header) {
        throw new AuthError(`${this.location} needs a username and password (Basic auth); none were given.`);
      }
      this.#authorization = header;
      return;
    }
    if (challenge.scheme !== 'bearer') {
      throw new AuthError(
        `${this.location} asked for '${challenge.scheme}' auth; Slipway speaks Basic and Bearer.`,
      );
    }
    const scopes = [`repository:${this.repository}:${this.#options.actions}`];
    for (const from of this.#options.mountFrom ?? []) scopes.push(`repository:${from}:pull`);
    const token = await fetchToken({
      challenge,
      scopes,
      credentials,
      registry: this.registry,
      ...(this.#options.onSecret ? { onSecret: this.#options.onSecret } : {}),
    }).catch((error: unknown) => {
      if (error instanceof Error) error.message = this.#redactor.redact(error.message);
      throw error;
    });
    this.#redactor.add(token);
    this.#authorization = `Bearer ${token}`;
  }
}

/**
 * Sends a streamed body with node:http. fetch's streamed request bodies (undici) read ahead of the
 * socket and held most of a 1 GiB blob in memory. Here each chunk is written and the next one pulled
 * only once the socket has taken it (the write callback): the body's reused buffers are safe, at most
 * one chunk is in flight, and memory stays flat whatever the blob's size. The answer is small and read
 * whole; a registry may answer (401, 413) before the body is all sent, and then the answer wins.
 */
async function streamRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: AsyncIterable<Uint8Array>,
  idleMs: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let answered = false;
  let failed: (error: unknown) => void = () => {};
  const request = send(url, { method, headers });
  // The socket's own inactivity timer: a registry that stops reading mid-body (or never answers)
  // leaves nothing moving either way.
  request.setTimeout(idleMs, () => request.destroy(idleError(idleMs)));
  const onAbort = () => request.destroy(signal?.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  const response = new Promise<Response>((done, fail) => {
    failed = fail;
    request.on('error', fail);
    request.on('response', (incoming) => {
      answered = true;
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', fail);
      incoming.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const status = incoming.statusCode ?? 502;
        const text = [204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
        done(new Response(text, { status, headers: answer }));
      });
    });
  });
  // A write whose callback never comes (the socket went away first) must not hang the upload.
  const closed = new Promise<never>((_, broken) =>
    request.once('close', () =>
      broken(Object.assign(new Error('the connection closed during the upload'), { code: 'ECONNRESET' })),
    ),
  );
  closed.catch(() => undefined);
  const sending = (async () => {
    try {
      for await (const chunk of body) {
        if (answered || request.destroyed) return;
        const written = new Promise<void>((ok, broken) =>
          request.write(chunk, (error) => (error ? broken(error) : ok())),
        );
        await Promise.race([written, closed]);
      }
      request.end();
    } catch (error) {
      // A body that failed (a model file that changed) or a broken socket: the registry gets a short
      // body, which Content-Length tells it is incomplete, and the error is the caller's answer.
      if (!answered) {
        failed(error);
        request.destroy();
      }
    }
  })();
  try {
    return await response;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!request.writableEnded) request.destroy();
    await sending;
  }
}

/**
 * fetch with an idle timeout: aborted when no answer comes, or the answer's body stops, for `idleMs`.
 * undici's own header and body timeouts are 5 minutes each, and a stalled HEAD retried five times cost
 * 25 minutes before it failed.
 */
async function idleFetch(
  url: URL,
  init: RequestInit,
  idleMs: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(idleError(idleMs)), idleMs);
    timer.unref();
  };
  arm();
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      signal: signal ? AbortSignal.any([idle.signal, signal]) : idle.signal,
    });
  } catch (error) {
    clearTimeout(timer);
    throw error;
  }
  if (!response.body) {
    clearTimeout(timer);
    return response;
  }
  arm();
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        arm();
        controller.enqueue(chunk);
      },
      flush() {
        clearTimeout(timer);
      },
    }),
  );
  return new Response(watched, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
