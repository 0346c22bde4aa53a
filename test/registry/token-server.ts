// A token server as distribution's token auth expects: it checks Basic credentials, grants the asked
// repository scopes, and signs an ES256 JWT whose x5c certificate is the registry's rootcertbundle.
// Together with startRegistry({ token }) it is a real token-auth registry, like GHCR or Docker Hub.
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificate.js';
import type { RegistryTokenAuth } from './registry-server.js';

export interface TokenServer {
  readonly auth: RegistryTokenAuth;
  /** Every token request: who asked (undefined for anonymous) and for which scopes. */
  readonly requests: Array<{ user: string | undefined; scopes: string[]; granted: boolean }>;
  /** Tokens issued, so tests can check none of them reached a log. */
  readonly issued: string[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** username → password */
  readonly users: Readonly<Record<string, string>>;
  /** Lifetime of a token in seconds (short ones let tests see re-authentication). */
  readonly ttlSeconds?: number;
  /** user → repositories that user is granted nothing on, whatever is asked (a private repository). */
  readonly deny?: Readonly<Record<string, readonly string[]>>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-token-'));
  const { keyPath, certPath } = await selfSignedCertificate(dir, 'slipway-test-token');
  const key = createPrivateKey(await readFile(keyPath));
  const certDer = new X509Certificate(await readFile(certPath)).raw.toString('base64');
  const service = 'slipway-test-registry';
  const issuer = 'slipway-test-token-issuer';
  const requests: TokenServer['requests'] = [];
  const issued: string[] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const scopes = url.searchParams.getAll('scope');
    const user = checkBasic(req.headers.authorization, options.users);
    if (user === false) {
      requests.push({ user: undefined, scopes, granted: false });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"invalid credentials"}');
      return;
    }
    requests.push({ user, scopes, granted: true });
    const now = Math.floor(Date.now() / 1000);
    const denied = (user && options.deny?.[user]) || [];
    // Anonymous callers get a token that grants nothing; a denied repository is left out of the token.
    const access = user
      ? scopes
          .map(parseScope)
          .filter((s) => s !== undefined)
          .filter((s) => !denied.includes(s.name))
      : [];
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: url.searchParams.get('service') ?? service,
      exp: now + (options.ttlSeconds ?? 300),
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${signature.toString('base64url')}`;
    issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: options.ttlSeconds ?? 300,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('token server did not listen');
  return {
    auth: { realm: `http://127.0.0.1:${address.port}/token`, service, issuer, rootCertBundle: certPath },
    requests,
    issued,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** The user when the Basic credentials are right, undefined when none were sent, false when wrong. */
function checkBasic(
  header: string | undefined,
  users: Readonly<Record<string, string>>,
): string | undefined | false {
  if (!header) return undefined;
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] !== undefined && users[user] === decoded.slice(colon + 1) ? user : false;
}

/** `repository:acme/iris:pull,push` → the access claim distribution checks. */
function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(','),
  };
}
