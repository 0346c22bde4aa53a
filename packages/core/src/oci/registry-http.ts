// HTTP to one repository of a registry: authentication on demand, manual redirects, error decoding.
//
// Authorization is attached only to requests for the registry's own origin: a redirect to blob storage on
// another host (S3, a CDN), or to plain http, is followed without it, so a token never leaks. Each request
// body is a factory, because a 401 or a redirect means sending it again. Requests go through http-exchange.ts
// (node:http, not fetch: see there why), which also ends a request that goes idle or outlives the deadline.
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
import { type Answer, type Body, exchange } from './http-exchange.js';
import { parseRetryAfter, RetryableStatusError } from './retry.js';

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
  /** The login under way, which requests challenged meanwhile wait for rather than start their own. */
  #authenticating: Promise<void> | undefined;
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
  async send(method: string, target: URL | string, options: RequestOptions): Promise<Answer> {
    const url = typeof target === 'string' ? new URL(target, this.baseUrl) : target;
    const sentWith = this.#authorization;
    let response = await this.#sendFollowingRedirects(method, url, options);
    if (response.status === 401) {
      const header = response.headers.get('www-authenticate');
      await response.body?.cancel();
      const challenge = header ? parseChallenge(header) : undefined;
      if (!challenge)
        throw new AuthError(`${this.location}: ${options.what} answered 401 without a challenge.`);
      // Requests sent together are challenged together: one login serves them all, and a request that
      // went out before a login that has since finished simply goes again with it.
      if (this.#authorization === sentWith) {
        this.#authenticating ??= this.#authenticate(challenge).finally(() => {
          this.#authenticating = undefined;
        });
        await this.#authenticating;
      }
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
  async expect(response: Answer, expected: readonly number[], what: string): Promise<Answer> {
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
        parseRetryAfter(response.headers.get('retry-after'), Date.now(), response.headers.get('date')),
      );
    }
    throw new RegistryError(message, response.status, codes);
  }

  async #sendFollowingRedirects(method: string, start: URL, options: RequestOptions): Promise<Answer> {
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...options.headers };
      // The origin, not the host: a redirect from https to plain http on the same host would otherwise send
      // the token in the clear.
      if (this.#authorization && url.origin === new URL(this.baseUrl).origin)
        headers['authorization'] = this.#authorization;
      const response = await exchange(method, url, headers, options.body?.(), {
        idleMs: this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        ...(this.#options.signal ? { signal: this.#options.signal } : {}),
      });
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
      idleMs: this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      ...(this.#options.signal ? { signal: this.#options.signal } : {}),
    }).catch((error: unknown) => {
      if (error instanceof Error) error.message = this.#redactor.redact(error.message);
      throw error;
    });
    this.#redactor.add(token);
    this.#authorization = `Bearer ${token}`;
  }
}
