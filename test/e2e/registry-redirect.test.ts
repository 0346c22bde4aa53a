// Where the registry's token goes when a request is redirected. Registries send blob downloads to their
// storage (S3, a CDN) with a 307; the token must go only where it came from: the registry's own origin,
// scheme and port included. A downgrade from https to plain http on the same host is the case a host
// comparison misses: the token would cross the network in the clear.
//
// The front here speaks TLS and plain HTTP on one port (it tells them apart by the first byte), in front
// of a real token-auth docker-registry. Over TLS it forwards to the registry, but answers a blob GET with
// a redirect; the redirect's target serves the blob and records the headers it was sent.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { setDefaultCACertificates } from 'node:tls';
import { RegistryStore } from '@slipway/core/oci';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../registry/certificate.js';
import { type RunningRegistry, startRegistry } from '../registry/registry-server.js';
import { startTokenServer, type TokenServer } from '../registry/token-server.js';

let tokens: TokenServer;
let registry: RunningRegistry;
let front: Server;
let frontAddress: string;
const sockets = new Set<Socket>();
let certDir: string;
/** What each request to the redirect's target carried. */
const storageRequests: Array<{ url: string; authorization: string | undefined }> = [];
/** The Authorization header of each blob GET the front redirected. */
const redirected: Array<string | undefined> = [];
/** Blob contents by digest, as the storage serves them. */
const stored = new Map<string, Buffer>();
/** Where the front sends blob GETs: a function of the blob's digest. */
let target: (digest: string) => string;

function forward(req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    {
      host: '127.0.0.1',
      port: Number(registry.address.split(':')[1]),
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'x-forwarded-proto': 'https' },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  // A reset on either side ends this exchange; the client's own error decides the test.
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

beforeAll(async () => {
  tokens = await startTokenServer({ users: { alice: 'correct-horse' } });
  registry = await startRegistry({ token: tokens.auth });
  certDir = await mkdtemp(join(tmpdir(), 'slipway-tls-'));
  const { keyPath, certPath } = await selfSignedCertificate(certDir, '127.0.0.1', 'IP:127.0.0.1');
  const cert = await readFile(certPath, 'utf8');
  // The registry's certificate is trusted by this test's process, as a CA a runner installed would be.
  setDefaultCACertificates([cert]);

  const tls = createHttpsServer({ key: await readFile(keyPath), cert }, (req, res) => {
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '');
    if (req.method === 'GET' && blob?.[1] && req.headers.authorization) {
      redirected.push(req.headers.authorization);
      res.writeHead(307, { location: target(blob[1]) }).end();
      return;
    }
    forward(req, res);
  });
  const plain = createHttpServer((req, res) => {
    storageRequests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const digest = /^\/storage\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
    const bytes = digest ? stored.get(digest) : undefined;
    if (!bytes) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
    res.end(bytes);
  });
  front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      // A TLS connection opens with a handshake record (content type 22); HTTP opens with a method name.
      if (first[0] !== 0x16) {
        plain.emit('connection', socket);
        socket.resume();
        return;
      }
      // TLS reads a net.Socket's handle directly, past the byte put back: it is given a stream instead.
      const stream = new Duplex({
        read: () => socket.resume(),
        write: (chunk, encoding, done) => socket.write(chunk, encoding, done),
        final: (done) => socket.end(done),
        destroy: (error, done) => {
          socket.destroy(error ?? undefined);
          done(error);
        },
      });
      socket.on('data', (chunk) => stream.push(chunk) || socket.pause());
      socket.on('end', () => stream.push(null));
      socket.on('close', () => stream.destroy());
      tls.emit('connection', stream);
    });
  });
  await new Promise<void>((done) => front.listen(0, '127.0.0.1', done));
  const address = front.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  frontAddress = `127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => (front ? front.close(() => done()) : done()));
  await registry?.stop();
  await tokens?.stop();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

async function pushBlob(repository: string): Promise<{ digest: string; bytes: Buffer }> {
  const bytes = randomBytes(4096);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  stored.set(digest, bytes);
  // Straight to the registry: only the download goes through the front.
  const direct = new RegistryStore({
    registry: registry.address,
    repository,
    actions: 'pull,push',
    credentials: { username: 'alice', password: 'correct-horse' },
  });
  await direct.putBlob(
    { mediaType: 'application/octet-stream', digest, size: bytes.length },
    async function* () {
      yield bytes;
    },
  );
  return { digest, bytes };
}

async function download(repository: string, digest: string, size: number): Promise<Buffer> {
  const store = new RegistryStore({
    registry: frontAddress,
    repository,
    plainHttp: false,
    actions: 'pull',
    credentials: { username: 'alice', password: 'correct-horse' },
  });
  const chunks: Uint8Array[] = [];
  for await (const chunk of store.getBlob({ mediaType: 'application/octet-stream', digest, size }))
    chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('a redirected download', () => {
  it('does not carry the token from https to plain http on the same host and port', async () => {
    const repository = `acme/redirect-${Date.now()}`;
    const { digest, bytes } = await pushBlob(repository);
    target = (d) => `http://${frontAddress}/storage/${d}`;
    const before = storageRequests.length;

    expect((await download(repository, digest, bytes.length)).equals(bytes)).toBe(true);
    // The registry was asked with the token (so there was one to leak) and sent the download elsewhere.
    expect(redirected.at(-1)).toMatch(/^Bearer /);
    const downloads = storageRequests.slice(before);
    expect(downloads.map((r) => r.url)).toEqual([`/storage/${digest}`]);
    expect(downloads[0]?.authorization).toBeUndefined();
  });

  it('does not carry the token to another host', async () => {
    const repository = `acme/redirect-other-${Date.now()}`;
    const { digest, bytes } = await pushBlob(repository);
    // localhost is another host than 127.0.0.1, whatever it resolves to.
    target = (d) => `http://localhost:${frontAddress.split(':')[1]}/storage/${d}`;
    const before = storageRequests.length;

    expect((await download(repository, digest, bytes.length)).equals(bytes)).toBe(true);
    expect(storageRequests.slice(before).map((r) => r.authorization)).toEqual([undefined]);
  });
});
