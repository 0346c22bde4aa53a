// One HTTP request and its answer over node:http(s), for the registry and its token server.
//
// Not fetch: fetch is undici, which Node compiles on first use, and so is importing node:http as an ES
// module (its namespace object reads the lazy WebSocket and EventSource getters). On a busy two-core
// runner that load cost more than a whole no-op re-publish otherwise does, so http and https are
// required through createRequire and the answer is a small class of our own rather than a Response.
//
// A streamed body is written a chunk at a time, the next chunk pulled only once the socket took the
// last (the write callback): the body's reused buffers are safe, at most one chunk is in flight, and
// memory stays flat whatever the blob's size. A registry may answer (401, 413) before the body is all
// sent, and then the answer wins.
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const http = require('node:http') as typeof import('node:http');
const https = require('node:https') as typeof import('node:https');

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
  constructor(incoming: IncomingMessage, method: string, whole?: Buffer) {
    this.status = incoming.statusCode ?? 502;
    this.headers = new AnswerHeaders(incoming.headers);
    this.#incoming = whole ? once(whole) : (incoming as AsyncIterable<Buffer>);
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

  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.#incoming) chunks.push(chunk);
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

/** Sends one request; resolves with the answer's status and headers, its body still to be read. */
export async function exchange(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: Body,
): Promise<Answer> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  const options: RequestOptions = { method, headers };
  const request: ClientRequest = send(url, options);
  let answered = false;
  let failed: (error: unknown) => void = () => {};
  const streamed = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
  const answer = new Promise<Answer>((done, fail) => {
    failed = fail;
    request.on('error', fail);
    request.on('response', (incoming) => {
      answered = true;
      if (!streamed) {
        done(new Answer(incoming, method));
        return;
      }
      // After a streamed body the answer is small and read whole: the request may be cut short next.
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', fail);
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
