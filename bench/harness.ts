// The one way benches compare Slipway with a peer: both sides measured in the same run, alternated
// round by round after a warm-up (so a noisy neighbour, a cold cache or thermal drift hits both alike),
// reported as medians with their spread, and the ratio judged against its target from the medians
// while saying when the per-round ratios straddle the target (one run of a noisy machine is not proof).
//
// Lines starting `RATIO ` are collected by bench/run.ts into the final table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitHubClient } from '../packages/core/src/github/client.js';

/** A measurement of one run of one side: its time in ms, and any other figures it reports (peak RSS…). */
export interface Sample {
  readonly ms: number;
  readonly [figure: string]: number;
}

export type Run = () => Promise<number | Sample> | number | Sample;

export interface Side {
  readonly label: string;
  readonly run: Run;
}

/**
 * slowdown: ours / peer time, lower is better (target is a maximum).
 * speedup: peer / ours time, higher is better (target is a minimum).
 * difference: ours − peer in seconds, lower is better (target is a maximum).
 */
export type RatioKind = 'slowdown' | 'speedup' | 'difference';

export interface ComparisonOptions {
  /** The RATIO line's name, e.g. publish-vs-curl. */
  readonly name: string;
  readonly ours: Side;
  readonly peer: Side;
  readonly kind: RatioKind;
  readonly target: number;
  readonly rounds?: number;
  readonly warmups?: number;
  /** Run between rounds, outside the timing (fresh repositories, cleared caches). */
  readonly between?: () => Promise<void> | void;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
}

export interface Comparison {
  readonly ours: readonly Sample[];
  readonly peer: readonly Sample[];
  readonly ratio: number;
  /** The ratio of each round's pair, spread. */
  readonly perRound: Spread;
  readonly met: boolean;
  /** The per-round ratios fall on both sides of the target. */
  readonly straddles: boolean;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    // Linear interpolation between closest ranks, as numpy's default percentile does.
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return { median: at(0.5), min: sorted[0]!, max: sorted.at(-1)!, q1: at(0.25), q3: at(0.75) };
}

export function median(values: readonly number[]): number {
  return spread(values).median;
}

const asSample = (value: number | Sample): Sample => (typeof value === 'number' ? { ms: value } : value);

/** Times a function in ms. */
export async function time(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function ratioOf(kind: RatioKind, ours: number, peer: number): number {
  if (kind === 'slowdown') return ours / peer;
  if (kind === 'speedup') return peer / ours;
  return (ours - peer) / 1000;
}

function meets(kind: RatioKind, value: number, target: number): boolean {
  return kind === 'speedup' ? value >= target : value <= target;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

export function describeSpread(s: Spread, format: (value: number) => string = formatMs): string {
  return `${format(s.median)} (min–max ${format(s.min)}–${format(s.max)}, IQR ${format(s.q1)}–${format(s.q3)})`;
}

/** Alternates the two sides over the rounds (ABBA order) after warm-ups, and prints the result. */
export async function compare(options: ComparisonOptions): Promise<Comparison> {
  const rounds = options.rounds ?? 5;
  const warmups = options.warmups ?? 1;
  for (let i = 0; i < warmups; i++) {
    await options.ours.run();
    await options.between?.();
    await options.peer.run();
    await options.between?.();
  }
  const ours: Sample[] = [];
  const peer: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    // ABBA: neither side always goes first, so neither always inherits the other's leftovers.
    const order = round % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
    for (const side of order) {
      if (side === 'ours') ours.push(asSample(await options.ours.run()));
      else peer.push(asSample(await options.peer.run()));
      await options.between?.();
    }
  }
  const oursMs = spread(ours.map((s) => s.ms));
  const peerMs = spread(peer.map((s) => s.ms));
  const ratio = ratioOf(options.kind, oursMs.median, peerMs.median);
  const perRound = spread(ours.map((s, i) => ratioOf(options.kind, s.ms, peer[i]!.ms)));
  const met = meets(options.kind, ratio, options.target);
  const straddles =
    meets(options.kind, perRound.min, options.target) !== meets(options.kind, perRound.max, options.target);
  console.log(`${options.ours.label}: ${describeSpread(oursMs)}`);
  console.log(`${options.peer.label}: ${describeSpread(peerMs)}`);
  const unit = options.kind === 'difference' ? ' s' : 'x';
  const sign = options.kind === 'speedup' ? '>=' : '<=';
  console.log(
    `RATIO ${options.name}: ${ratio.toFixed(2)}${unit} from medians of ${rounds} rounds ` +
      `(per round ${perRound.min.toFixed(2)}–${perRound.max.toFixed(2)}; target ${sign} ${options.target}) ` +
      `${met ? 'MET' : 'NOT MET'}${straddles ? ', but the spread crosses the target' : ''}`,
  );
  return { ours, peer, ratio, perRound, met, straddles };
}

/** A request as traced: when it was sent (or arrived) and when its answer ended. */
export interface TracedRequest {
  readonly start: number;
  readonly end: number;
}

/**
 * Round trips on the critical path: a request is one trip deeper than the deepest request that had ended
 * before it started, so requests issued together share a depth.
 */
export function roundTrips(trace: readonly TracedRequest[]): number {
  const sorted = [...trace].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  sorted.forEach((request, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.end <= request.start) before = Math.max(before, depth[j]!);
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

/** Records when each request of a GitHub client starts and ends, for roundTrips(); empty it with `length = 0`. */
export function traceRequests(client: GitHubClient): TracedRequest[] {
  const trace: TracedRequest[] = [];
  client.hook.wrap('request', async (request, options) => {
    const start = performance.now();
    try {
      return await request(options);
    } finally {
      trace.push({ start, end: performance.now() });
    }
  });
  return trace;
}

/** Prints a figure that is not a ratio (peak memory, bytes, requests) against its target. */
export function figure(
  name: string,
  value: number,
  unit: string,
  target: { readonly max?: number; readonly min?: number },
  detail = '',
): boolean {
  const met =
    (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
  const wanted = [
    ...(target.min !== undefined ? [`>= ${plain(target.min)}`] : []),
    ...(target.max !== undefined ? [`<= ${plain(target.max)}`] : []),
  ].join(' and ');
  console.log(
    `RATIO ${name}: ${plain(value)}${unit} (target ${wanted}${detail ? `; ${detail}` : ''}) ${met ? 'MET' : 'NOT MET'}`,
  );
  return met;
}

/** A number as a reader wants it: whole numbers whole, tiny ones in exponent form, others to 3 digits. */
function plain(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 0.01) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

export interface ProcessSample extends Sample {
  readonly peakRssMb: number;
}

/**
 * Runs a command to completion under GNU time for its peak RSS; the wall time is measured around it.
 * Returns the sample and the command's stdout.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {},
): { sample: ProcessSample; stdout: string; stderr: string } {
  // A run that hangs fails the bench with what it was, rather than holding it forever.
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-time-'));
  try {
    const rssFile = join(dir, 'rss');
    const started = performance.now();
    const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], {
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    const ms = performance.now() - started;
    if (result.error) {
      const why = result.signal === 'SIGKILL' ? `ran past ${timeoutMs / 1000} s` : result.error.message;
      throw new Error(`${command} ${args.join(' ')} failed: ${why}: ${result.stderr}`);
    }
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr}`);
    }
    const peakRssMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024;
    return { sample: { ms, peakRssMb }, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
