// Shards: which part of a test set one run of the eval command evaluates. Example p of a test set belongs
// to shard (p mod count), so shards compose: shard i of n split over G local GPUs is shards i + n·g of n·G,
// and any set of shards can be checked to cover every example exactly once.
import { EvaluationError } from './errors.js';

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

export interface LocalShard extends Shard {
  /** The GPU this shard runs on (CUDA_VISIBLE_DEVICES); undefined on a CPU runner. */
  readonly gpu?: number;
}

export const wholeTestSet: Shard = { index: 0, count: 1 };

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** Checks a shard given as numbers (action inputs, matrix values). */
export function checkShard(index: number, count: number, where = 'shard'): Shard {
  if (!Number.isInteger(count) || count < 1) {
    throw new EvaluationError(`Invalid ${where}: shard count ${count} must be a whole number of at least 1.`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new EvaluationError(
      `Invalid ${where}: shard index ${index} must be a whole number from 0 to ${count - 1} (shards are counted from 0).`,
    );
  }
  return { index, count };
}

/** Parses `i/n` (0-based index), as the CLI's --shard takes it. */
export function parseShard(text: string, where = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match)
    throw new EvaluationError(
      `Invalid ${where} '${text}'. Expected INDEX/COUNT with a 0-based index, e.g. 0/3.`,
    );
  return checkShard(Number(match[1]), Number(match[2]), `${where} '${text}'`);
}

/**
 * The shards this runner evaluates for its (matrix) shard: one per GPU, up to `gpuCount`, each on its own
 * GPU; one on the CPU when there is no GPU.
 */
export function planLocalShards(shard: Shard, gpuCount: number): LocalShard[] {
  const parallel = Math.max(1, gpuCount);
  if (parallel === 1) return [gpuCount > 0 ? { ...shard, gpu: 0 } : shard];
  return Array.from({ length: parallel }, (_, gpu) => ({
    index: shard.index + shard.count * gpu,
    count: shard.count * parallel,
    gpu,
  }));
}

/** Residue classes beyond this are not checked one by one (counts that large are not real shardings). */
const maxCheckedPeriod = 1_000_000;

/**
 * Problems with a set of shards meant to cover a test set exactly once: examples no shard covers, and
 * examples two shards both cover. Empty when the shards partition the test set.
 */
export function shardCoverageProblems(shards: readonly Shard[]): string[] {
  if (shards.length === 0) return ['no shards at all'];
  let period = 1;
  for (const { count } of shards) {
    period = lcm(period, count);
    if (period > maxCheckedPeriod)
      return [`shard counts ${shards.map(formatShard).join(', ')} cannot be checked`];
  }
  const missing: number[] = [];
  const doubled = new Map<number, string[]>();
  for (let residue = 0; residue < period; residue++) {
    const covering = shards.filter((s) => residue % s.count === s.index);
    if (covering.length === 0) missing.push(residue);
    else if (covering.length > 1) doubled.set(residue, covering.map(formatShard));
  }
  const problems: string[] = [];
  if (missing.length > 0) {
    // Name the missing shards in the most common count, the way a user thinks of them.
    const counts = [...new Set(shards.map((s) => s.count))];
    const common = counts.length === 1 ? counts[0]! : undefined;
    const names = common
      ? [...new Set(missing.map((r) => `${r % common}/${common}`))]
      : missing.slice(0, 5).map((r) => `examples at positions ≡ ${r} (mod ${period})`);
    problems.push(`missing shard${names.length === 1 ? '' : 's'} ${names.join(', ')}`);
  }
  if (doubled.size > 0) {
    const pairs = [...new Set([...doubled.values()].map((names) => names.join(' and ')))];
    problems.push(`shards covering the same examples twice: ${pairs.slice(0, 3).join('; ')}`);
  }
  return problems;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
