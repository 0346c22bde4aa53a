// One request over node:http against a real local server that misbehaves on purpose: a request ends when
// no bytes move either way for the idle timeout, whichever direction stopped, and at once when the
// deadline's signal aborts, with the deadline's own error.
import { getEventListeners } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../../../test/registry/certificate.js';
import { SlipwayError } from '../../src/errors/index.js';
import { connectionError, exchange } from '../../src/oci/http-exchange.js';

const servers: Array<Server | import('node:https').Server> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<URL> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server did not listen');
  return new URL(`http://127.0.0.1:${address.port}/v2/`);
}

async function* slowBody(bytes: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < bytes; sent += 64 * 1024) yield Buffer.alloc(64 * 1024);
}

describe('one registry request', () => {
  it('gives up on a registry that never answers once the idle timeout passes', async () => {
    const url = await serve(() => {
      // Never answers.
    });
    const started = performance.now();
    await expect(exchange('HEAD', url, {}, undefined, { idleMs: 300 })).rejects.toMatchObject({
      message: 'no bytes moved for 0.3 s',
      code: 'ETIMEDOUT',
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('gives up on an answer whose body stops halfway, saying no bytes moved', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100));
    });
    const answer = await exchange('GET', url, {}, undefined, { idleMs: 300 });
    expect(answer.status).toBe(200);
    await expect(answer.bytes()).rejects.toThrow('no bytes moved for 0.3 s');
  });

  it('gives up on an upload the registry stops reading, saying no bytes moved', async () => {
    const url = await serve((req) => {
      // Reads nothing: the socket's buffers fill and the upload stops moving.
      req.pause();
    });
    const size = 64 * 1024 * 1024;
    await expect(
      exchange('PATCH', url, { 'content-length': String(size) }, slowBody(size), { idleMs: 300 }),
    ).rejects.toThrow('no bytes moved for 0.3 s');
  });

  it('keeps a slow answer going while its bytes keep moving', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '5' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write('x');
        if (++sent === 5) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    const answer = await exchange('GET', url, {}, undefined, { idleMs: 300 });
    expect((await answer.text()).length).toBe(5);
  });

  it('ends a request at once when the deadline passes, with the deadline as the reason', async () => {
    const url = await serve(() => {
      // Never answers.
    });
    const deadline = new AbortController();
    const reason = new Error('publishing acme/iris:1.0.0 did not finish within its deadline');
    setTimeout(() => deadline.abort(reason), 200);
    await expect(
      exchange('HEAD', url, {}, undefined, { idleMs: 60_000, signal: deadline.signal }),
    ).rejects.toBe(reason);
  });

  it('sends nothing once the deadline has passed', async () => {
    let asked = 0;
    const url = await serve((_req, res) => {
      asked += 1;
      res.end();
    });
    const deadline = new AbortController();
    const reason = new Error('deadline passed');
    deadline.abort(reason);
    await expect(exchange('HEAD', url, {}, undefined, { signal: deadline.signal })).rejects.toBe(reason);
    expect(asked).toBe(0);
  });

  it('leaves no listener on the deadline once each answer is read, however many requests it covers', async () => {
    const url = await serve((_req, res) => res.end('{}'));
    const deadline = new AbortController();
    for (let i = 0; i < 20; i++) {
      const answer = await exchange('GET', url, {}, undefined, { idleMs: 1_000, signal: deadline.signal });
      await answer.json();
    }
    await new Promise((done) => setImmediate(done));
    expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
  });
});

describe('a connection that cannot be made', () => {
  it('says the host is unknown, for a user to fix, not as a crash', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND registry.invalid'), { code: 'ENOTFOUND' });
    const error = connectionError(dns, new URL('https://registry.invalid:5000/v2/'));
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error?.message).toBe(
      'Cannot reach registry.invalid:5000: no such host (its DNS lookup found nothing). Check the host name and port.',
    );
    expect(error?.where).toBe('registry.invalid:5000');
  });

  it('leaves what another try may fix, and what is not the connection, to the caller', () => {
    const url = new URL('https://r.example/v2/');
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOENT', undefined]) {
      expect(connectionError(Object.assign(new Error('x'), { code }), url)).toBeUndefined();
    }
  });

  it('says TLS failed, and what to do, for a certificate this machine does not trust', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-tls-'));
    try {
      const { keyPath, certPath } = await selfSignedCertificate(dir, 'localhost', 'IP:127.0.0.1');
      const server = createHttpsServer(
        { key: await readFile(keyPath), cert: await readFile(certPath) },
        (_, res) => res.end(),
      );
      servers.push(server);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const { port } = server.address() as { port: number };
      const failure = exchange('GET', new URL(`https://127.0.0.1:${port}/v2/`), {});
      await expect(failure).rejects.toBeInstanceOf(SlipwayError);
      await expect(failure).rejects.toThrow(
        new RegExp(
          `^Cannot open a TLS connection to 127\\.0\\.0\\.1:${port}: self-signed certificate.*\\(DEPTH_ZERO_SELF_SIGNED_CERT\\)\\. ` +
            'A registry whose certificate comes from a private CA needs that CA in NODE_EXTRA_CA_CERTS\\.$',
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says TLS failed, and names plain-http, for a server that speaks plain HTTP', async () => {
    const url = await serve((_, res) => res.end());
    url.protocol = 'https:';
    const failure = exchange('GET', url, {});
    await expect(failure).rejects.toBeInstanceOf(SlipwayError);
    await expect(failure).rejects.toThrow(
      /^Cannot open a TLS connection to 127\.0\.0\.1:\d+: .*\(EPROTO\)\..*needs plain-http/s,
    );
  });
});
