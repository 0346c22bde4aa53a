// Registry authentication: Basic, and the Bearer token exchange a `WWW-Authenticate` challenge asks for
// (distribution's token spec, used by GHCR, Docker Hub, Harbor, ECR, ACR and GAR).
import { AuthError, RETRYABLE_STATUSES } from './errors.js';
import { exchange } from './http-exchange.js';
import { parseRetryAfter, RetryableStatusError } from './retry.js';

export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
  /** A token used as the password (GITHUB_TOKEN for ghcr.io); a username is optional with it. */
  readonly token?: string;
}

export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted or token values, commas inside quotes). */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pairs = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  for (const pair of (match[2] ?? '').matchAll(pairs)) {
    params[pair[1]!.toLowerCase()] =
      pair[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : (pair[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The username and secret to present, or undefined for anonymous access. */
export function basicPair(credentials: RegistryCredentials): [string, string] | undefined {
  const secret = credentials.password ?? credentials.token;
  if (!secret) return undefined;
  // Token registries (GHCR) ignore the username but need one to be there.
  return [credentials.username || 'slipway', secret];
}

export function basicHeader(credentials: RegistryCredentials): string | undefined {
  const pair = basicPair(credentials);
  return pair ? `Basic ${Buffer.from(`${pair[0]}:${pair[1]}`).toString('base64')}` : undefined;
}

export interface TokenRequest {
  readonly challenge: Challenge;
  readonly scopes: readonly string[];
  readonly credentials: RegistryCredentials;
  readonly registry: string;
  /** Told every token, so the caller can mask it before anything is logged. */
  readonly onSecret?: (secret: string) => void;
  /** The request is abandoned (and retried by the caller) when no bytes move for this long. */
  readonly idleMs?: number;
  /** Ends the request at once: the whole operation's deadline. */
  readonly signal?: AbortSignal;
}

/** Exchanges credentials (or nothing, for anonymous pulls) for a Bearer token at the challenge's realm. */
export async function fetchToken(request: TokenRequest): Promise<string> {
  const realm = request.challenge.params['realm'];
  if (!realm)
    throw new AuthError(`Registry ${request.registry} asked for a Bearer token but named no realm.`);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new AuthError(`Registry ${request.registry} named an invalid token realm '${realm}'.`);
  }
  const service = request.challenge.params['service'];
  if (service) url.searchParams.set('service', service);
  for (const scope of request.scopes) url.searchParams.append('scope', scope);
  const authorization = basicHeader(request.credentials);
  // Not followed if it redirects: a token server that does is answered as the failure it is.
  // Held to the registry's own limits: a token server that stops answering must not hang the publish.
  const response = await exchange('GET', url, authorization ? { authorization } : {}, undefined, {
    ...(request.idleMs !== undefined ? { idleMs: request.idleMs } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const body = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new AuthError(
      `Registry ${request.registry} refused the credentials for ${request.scopes.join(' ')} (token server ${url.origin} answered ${response.status}). ` +
        (authorization
          ? 'Check the username and password or token.'
          : 'Give a username and password or token.'),
    );
  }
  if (!response.ok) {
    const message = `Token server ${url.origin} for ${request.registry} answered ${response.status}: ${body.slice(0, 200)}`;
    // Busy or briefly down (a token re-fetched mid-publish meets it as often as the first): tried again
    // as a registry answering so would be, not taken for refused credentials.
    if (RETRYABLE_STATUSES.has(response.status)) {
      throw new RetryableStatusError(
        message,
        response.status,
        [],
        parseRetryAfter(response.headers.get('retry-after'), Date.now(), response.headers.get('date')),
      );
    }
    throw new AuthError(message);
  }
  let token: unknown;
  try {
    const parsed = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    token = parsed.token ?? parsed.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new AuthError(`Token server ${url.origin} for ${request.registry} answered without a token.`);
  }
  request.onSecret?.(token);
  return token;
}
