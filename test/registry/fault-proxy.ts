// A reverse proxy on 127.0.0.1 in front of a registry that misbehaves on purpose: it answers 500 or 503
// to chosen requests, cuts the connection after part of an upload's body went through, or flips a byte
// of a body on its way, or loses the answer to a request the registry carried out. Each fault
// fires a set number of times; everything else is forwarded untouched.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

export type Fault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly retryAfter?: number;
      /** Answer only once the whole body has been read (as a registry that checks auth late does). */
      readonly afterBody?: boolean;
      /** Further headers of the answer (e.g. a www-authenticate challenge). */
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Forward this many body bytes, then destroy both connections. */
  | { readonly kind: 'drop'; readonly afterBytes: number }
  /** Read this many body bytes, then stop reading and never answer: a registry that hangs. */
  | { readonly kind: 'stall'; readonly afterBytes: number }
  /** Forward the body with the byte at this offset flipped, as a broken middle box would. */
  | { readonly kind: 'corrupt'; readonly atByte: number }
  /** Forward the request whole, let the registry act on it, then cut the connection instead of answering. */
  | { readonly kind: 'lose-answer' };

export interface FaultRule {
  readonly method?: string;
  /** Matched against the request path (query included); a function for what a pattern cannot say. */
  readonly path: RegExp | ((path: string) => boolean);
  readonly fault: Fault;
  /** How many matching requests get the fault before the rule goes quiet. */
  times: number;
}

export interface FaultProxy {
  /** host:port of the proxy. */
  readonly address: string;
  readonly rules: FaultRule[];
  /**
   * Every request seen: method, path, the fault it got if any, and when it arrived and its answer ended
   * (performance.now(), for counting round trips).
   */
  readonly log: Array<{ method: string; path: string; fault?: Fault['kind']; start: number; end?: number }>;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Response headers dropped from every answer (e.g. docker-content-digest, which some registries omit). */
  readonly dropResponseHeaders?: readonly string[];
}

export async function startFaultProxy(
  upstream: string,
  rules: FaultRule[],
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const log: FaultProxy['log'] = [];
  const [upstreamHost, upstreamPort] = upstream.split(':') as [string, string];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const rule = rules.find(
      (r) =>
        r.times > 0 &&
        (!r.method || r.method === req.method) &&
        (typeof r.path === 'function' ? r.path(path) : r.path.test(path)),
    );
    if (rule) rule.times -= 1;
    const entry: FaultProxy['log'][number] = {
      method: req.method ?? '',
      path,
      ...(rule ? { fault: rule.fault.kind } : {}),
      start: performance.now(),
    };
    log.push(entry);
    res.on('finish', () => {
      entry.end = performance.now();
    });
    if (rule?.fault.kind === 'status') {
      const fault = rule.fault;
      const answer = () => {
        const headers: Record<string, string> = { 'content-type': 'application/json', ...fault.headers };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        res
          .writeHead(fault.status, headers)
          .end('{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}');
      };
      req.resume();
      if (fault.afterBody) req.on('end', answer);
      else answer();
      return;
    }
    if (rule?.fault.kind === 'stall') {
      const limit = rule.fault.afterBytes;
      let seen = 0;
      if (limit === 0) req.pause();
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        // Stop reading: the client's socket buffer fills and nothing moves either way.
        if (seen >= limit) req.pause();
      });
      return;
    }
    // The Host header stays the proxy's, so the registry names the proxy in its Location headers.
    const headers = { ...req.headers };
    const forward = request(
      { host: upstreamHost, port: Number(upstreamPort), method: req.method, path, headers },
      (upstreamRes) => {
        if (rule?.fault.kind === 'lose-answer') {
          upstreamRes.resume();
          upstreamRes.on('end', () => req.socket.destroy());
          return;
        }
        const location = upstreamRes.headers.location;
        // Keep the client talking to the proxy: the registry names itself in Location.
        if (location) upstreamRes.headers.location = location.replace(`//${upstream}`, `//${proxyAddress}`);
        for (const name of options.dropResponseHeaders ?? []) delete upstreamRes.headers[name.toLowerCase()];
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    if (rule?.fault.kind === 'drop') {
      const limit = rule.fault.afterBytes;
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        if (seen >= limit) return;
        const room = limit - seen;
        seen += chunk.length;
        if (chunk.length < room) {
          forward.write(chunk);
          return;
        }
        forward.write(chunk.subarray(0, room));
        forward.destroy();
        req.socket.destroy();
      });
      req.on('end', () => forward.end());
      return;
    }
    if (rule?.fault.kind === 'corrupt') {
      const at = rule.fault.atByte;
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        if (at >= seen && at < seen + chunk.length) {
          const copy = Buffer.from(chunk);
          copy[at - seen] = copy[at - seen]! ^ 0xff;
          forward.write(copy);
        } else forward.write(chunk);
        seen += chunk.length;
      });
      req.on('end', () => forward.end());
      return;
    }
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const bound = server.address();
  if (!bound || typeof bound === 'string') throw new Error('fault proxy did not listen');
  const proxyAddress = `127.0.0.1:${bound.port}`;
  return {
    address: proxyAddress,
    rules,
    log,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
