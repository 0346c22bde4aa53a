// One HTTP request and its answer over node:http(s), for the registry and its token server.
//
// Not fetch: fetch is undici, which Node compiles on first use, and so is importing node:http as an ES
// module (its namespace object reads the lazy WebSocket and EventSource getters). On a busy two-core
// runner that load cost more than a whole no-op re-publish otherwise does, so http and https are taken
// with process.getBuiltinModule and the answer is a small class of our own rather than a Response.
//
// A streamed body is written a chunk at a time, the next chunk pulled only once the socket took the
// last (the write callback): the body's reused buffers are safe, at most one chunk is in flight, and
// memory stays flat whatever the blob's size. A registry may answer (401, 413) before the body is all
// sent, and then the answer wins.
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { MAX_TIMER_MS } from './deadline.js';
import { OciError } from './errors.js';

const http = process.getBuiltinModule('node:http');
// TLS is loaded for the first https registry only: a plain-HTTP one (a local registry, a cluster's
// in-house one behind a mesh) never needs it.
let httpsModule: typeof import('node:https') | undefined;
function https(): typeof import('node:https') {
  httpsModule ??= process.getBuiltinModule('node:https');
  return httpsModule;
}

export type Body = Buffer | string | AsyncIterable<Uint8Array>;

/** The headers of an answer, by lower-case name. */
export class AnswerHeaders {
  readonly #raw: IncomingMessage['headers'];
  constructor(raw: IncomingMessage['headers']) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }
}

/** The body of an answer: read it whole, iterate it, or cancel it so the connection can be reused. */
export interface AnswerBody extends AsyncIterable<Buffer> {
  cancel(): Promise<void>;
}

/** An HTTP answer, shaped like the part of fetch's Response the registry code uses. */
export class Answer {
  readonly status: number;
  readonly headers: AnswerHeaders;
  readonly body: AnswerBody | null;
  readonly #incoming: AsyncIterable<Buffer>;

  /** `whole`: the body already read, when the request had to be cut short after the answer came. */
  /** `cause`: why the request was ended, if it was (idle, deadline); the body's reader gets it rather than "aborted". */
  constructor(incoming: IncomingMessage, method: string, whole?: Buffer, cause?: () => Error | undefined) {
    this.status = incoming.statusCode ?? 502;
    this.headers = new AnswerHeaders(incoming.headers);
    this.#incoming = whole
      ? once(whole)
      : cause
        ? explained(incoming, cause)
        : (incoming as AsyncIterable<Buffer>);
    const empty = method === 'HEAD' || [204, 205, 304].includes(this.status);
    const source = this.#incoming;
    this.body = empty
      ? null
      : {
          [Symbol.asyncIterator]: () => source[Symbol.asyncIterator](),
          cancel: async () => {
            // Drained rather than destroyed: a small body read to its end keeps the socket for the next request.
            if (!whole) incoming.resume();
          },
        };
    if (empty && !whole) incoming.resume();
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The whole body; with `limit`, undefined as soon as it is longer (the rest is not read). */
  async bytes(): Promise<Buffer>;
  async bytes(limit: number): Promise<Buffer | undefined>;
  async bytes(limit = Number.POSITIVE_INFINITY): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of this.#incoming) {
      length += chunk.length;
      if (length > limit) {
        await this.body?.cancel();
        return undefined;
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function* explained(incoming: IncomingMessage, cause: () => Error | undefined): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of incoming as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw cause() ?? error;
  }
}

export interface ExchangeOptions {
  /** The request is abandoned when no bytes move either way for this long (the socket's inactivity timer). */
  readonly idleMs?: number;
  /** Ends the request at once, with the signal's reason as its error: the whole operation's deadline. */
  readonly signal?: AbortSignal;
}

/** The error an idle request ends with: a network failure (ETIMEDOUT), so it is retried. */
export function idleError(idleMs: number): Error {
  return Object.assign(new Error(`no bytes moved for ${Number((idleMs / 1000).toFixed(1))} s`), {
    code: 'ETIMEDOUT',
  });
}

// Connection failures another try will not fix: the host is unknown or unreachable, or TLS cannot be set
// up with it. They are the user's to fix (a mistyped registry, a private CA, a plain-HTTP registry), so
// they are said as such rather than reported as a crash. Anything transient (refused, reset, timed out)
// is left to the retries.
const UNREACHABLE = new Set(['ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** A user's error for a connection that cannot be made to `url`, or undefined for any other failure. */
export function connectionError(error: unknown, url: URL): OciError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return undefined;
  const host = url.host;
  const message = (error as Error).message;
  if (UNREACHABLE.has(code)) {
    return new OciError(
      `Cannot reach ${host}: ${code === 'ENOTFOUND' ? 'no such host (its DNS lookup found nothing)' : `${message}`}. ` +
        'Check the host name and port.',
      { where: host, expected: 'a host name this machine can resolve and reach', cause: error },
    );
  }
  const certificate = CERTIFICATE_CODES.has(code) || code.startsWith('ERR_TLS_CERT');
  if (certificate || code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new OciError(
      `Cannot open a TLS connection to ${host}: ${message} (${code}). ` +
        (certificate
          ? 'A registry whose certificate comes from a private CA needs that CA in NODE_EXTRA_CA_CERTS.'
          : 'A registry that speaks plain HTTP needs plain-http (--plain-http, or the action input plain-http).'),
      {
        where: host,
        expected: 'an HTTPS server with a certificate this machine trusts for that name',
        cause: error,
      },
    );
  }
  return undefined;
}

/** Sends one request; resolves with the answer's status and headers, its body still to be read. */
export async function exchange(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: Body,
  limits: ExchangeOptions = {},
): Promise<Answer> {
  const { idleMs, signal } = limits;
  signal?.throwIfAborted();
  const send = url.protocol === 'https:' ? https().request : http.request;
  const options: RequestOptions = { method, headers };
  const request: ClientRequest = send(url, options);
  // The socket's own inactivity timer covers both directions: a registry that never answers, stops
  // reading a body mid-upload, or stops sending its answer's body. Node drops the listener once the
  // socket goes back to the pool, so a kept-alive socket carries no stale timer.
  let ended: Error | undefined;
  const end = (error: Error) => {
    ended ??= error;
    request.destroy(error);
  };
  // Past the longest delay a timer holds, the limit is no limit (Node would fire it at once).
  if (idleMs !== undefined && idleMs <= MAX_TIMER_MS)
    request.setTimeout(idleMs, () => end(idleError(idleMs)));
  const onAbort = () => end(signal?.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  // The answer's body is read after this returns: the deadline keeps watching until the socket closes
  // or the answer ends.
  const release = () => signal?.removeEventListener('abort', onAbort);
  request.once('close', release);
  let answered = false;
  let failed: (error: unknown) => void = () => {};
  const streamed = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
  const answer = new Promise<Answer>((done, fail) => {
    failed = fail;
    request.on('error', (error) => fail(connectionError(error, url) ?? error));
    request.on('response', (incoming) => {
      answered = true;
      if (!streamed) {
        done(new Answer(incoming, method, undefined, () => ended));
        return;
      }
      // After a streamed body the answer is small and read whole: the request may be cut short next.
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', (error) => fail(ended ?? error));
      incoming.on('end', () => done(new Answer(incoming, method, Buffer.concat(chunks))));
    });
  });
  if (!streamed) {
    request.end(body as Buffer | string | undefined);
    return answer;
  }
  // A write whose callback never comes (the socket went away first) must not hang the upload.
  const closed = new Promise<never>((_, broken) =>
    request.once('close', () =>
      broken(Object.assign(new Error('the connection closed during the upload'), { code: 'ECONNRESET' })),
    ),
  );
  closed.catch(() => undefined);
  const sending = (async () => {
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
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
    const result = await answer;
    // The answer came before the body was all sent: nothing more goes, and the body's reader stops.
    if (!request.writableEnded) request.destroy();
    return result;
  } catch (error) {
    if (!request.writableEnded) request.destroy();
    throw error;
  } finally {
    await sending;
  }
}
