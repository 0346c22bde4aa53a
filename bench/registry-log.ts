// The registry's own account of an upload, read from its JSON log (startRegistry({ requestLog: true })):
// distribution 2.8 writes one line per request with its method, URI, end time and duration. The publish
// bench uses it to split a publish's wall time into the blob's upload as the registry timed it (first
// byte of the upload's first request in → blob committed) and everything around it (process start,
// config, the other requests, the tag's settle), the same split for curl's one PUT.
import { readFileSync } from 'node:fs';

interface LoggedRequest {
  readonly method: string;
  readonly uri: string;
  /** When the answer ended, ms since the epoch. */
  readonly end: number;
  readonly durationMs: number;
}

const GO_UNITS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  ns: 1e-6,
};

/** A Go time.Duration as printed ("4.6s", "416.5ms", "665.83µs", "1m2.5s") in ms; NaN if it is none. */
export function goDurationMs(text: string): number {
  const parts = [...text.matchAll(/([\d.]+)(h|ms|m|s|us|µs|ns)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return Number.NaN;
  return parts.reduce((total, [, value, unit]) => total + Number(value) * GO_UNITS[unit!]!, 0);
}

function requests(logFile: string): LoggedRequest[] {
  const logged: LoggedRequest[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line still being written
    }
    const duration = entry['http.response.duration'];
    if (typeof duration !== 'string') continue;
    logged.push({
      method: String(entry['http.request.method']),
      uri: String(entry['http.request.uri']),
      end: Date.parse(String(entry['time'])),
      durationMs: goDurationMs(duration),
    });
  }
  return logged;
}

/**
 * The longest blob upload into `repository` as the registry timed it, in ms: from the start of the first
 * request of an upload session (its PATCH, or a monolithic PUT) to the end of the PUT that closed it.
 * The session's opening POST is left out on both sides.
 */
export function uploadSpanMs(logFile: string, repository: string): number {
  return spanIn(requests(logFile), repository);
}

function spanIn(logged: readonly LoggedRequest[], repository: string): number {
  const sessions = new Map<string, { start: number; end: number }>();
  const prefix = `/v2/${repository}/blobs/uploads/`;
  for (const request of logged) {
    if (!request.uri.startsWith(prefix) || (request.method !== 'PATCH' && request.method !== 'PUT')) continue;
    const uuid = request.uri.slice(prefix.length).split('?')[0]!;
    const start = request.end - request.durationMs;
    const known = sessions.get(uuid);
    sessions.set(uuid, {
      start: Math.min(known?.start ?? start, start),
      end: Math.max(known?.end ?? request.end, request.end),
    });
  }
  const spans = [...sessions.values()].map((s) => s.end - s.start);
  if (spans.length === 0) throw new Error(`the registry's log has no upload into ${repository}`);
  return Math.max(...spans);
}

/**
 * uploadSpanMs for each repository, once the log has them all: the registry writes a request's line
 * just after its answer, and the line reaches the file through this process's event loop.
 */
export async function uploadSpansMs(
  logFile: string,
  repositories: readonly string[],
  timeoutMs = 10_000,
): Promise<number[]> {
  return await once(logFile, timeoutMs, (logged) =>
    repositories.map((repository) => spanIn(logged, repository)),
  );
}

/** What `read` makes of the log, once it stops throwing (a line not written yet), or its error after `timeoutMs`. */
async function once<T>(logFile: string, timeoutMs: number, read: (logged: LoggedRequest[]) => T): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return read(requests(logFile));
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}

/**
 * For each repository, how long the registry saw nothing of the version tag between the answer to the
 * manifest PUT that wrote `tag` and the start of the next request that read it back: a publish's settle,
 * its guard against a rival publish of the same version, as the registry timed it. Waits, like
 * uploadSpansMs, until the log has every read-back.
 */
export async function settleGapsMs(
  logFile: string,
  repositories: readonly string[],
  tag: string,
  timeoutMs = 10_000,
): Promise<number[]> {
  return await once(logFile, timeoutMs, (logged) =>
    repositories.map((repository) => settleIn(logged, repository, tag)),
  );
}

function settleIn(logged: readonly LoggedRequest[], repository: string, tag: string): number {
  const uri = `/v2/${repository}/manifests/${tag}`;
  const written = logged.filter((request) => request.uri === uri && request.method === 'PUT').at(-1);
  if (!written) throw new Error(`the registry's log has no PUT of ${uri}`);
  const readBack = logged
    .filter((request) => request.uri === uri && (request.method === 'GET' || request.method === 'HEAD'))
    .map((request) => request.end - request.durationMs)
    .filter((start) => start >= written.end)
    .sort((a, b) => a - b)[0];
  if (readBack === undefined) throw new Error(`the registry's log has no read of ${uri} after its PUT`);
  return readBack - written.end;
}
