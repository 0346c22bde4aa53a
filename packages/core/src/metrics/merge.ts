// Merging shards of one test set: every statistic adds (counts, exact sums, bottom-k samples), so the merged
// result is the unsharded one exactly, whatever the number and order of shards.
import { readJsonFile } from '../config/json-file.js';
import { DataProblemError, MetricsInputError } from './errors.js';
import { emptyGroup, mergeGroups } from './group-stats.js';
import { mergeProblems } from './problems.js';
import { DEFAULT_SAMPLE_LIMIT } from './sample.js';
import type { GroupStats, PartialResult, RecordedFile } from './types.js';

/**
 * Merges shards of one test set; the result equals an unsharded run's exactly. `names` (the shards' files)
 * name them in messages; by default each is named by its shard label.
 */
export function mergePartials(parts: readonly PartialResult[], names?: readonly string[]): PartialResult {
  const first = parts[0];
  if (!first)
    throw new MetricsInputError('merge', 'no partial results to merge. Expected at least one shard.');
  for (const p of parts) {
    if (p.testSet !== first.testSet || p.task !== first.task || p.source !== first.source) {
      throw new MetricsInputError(
        'merge',
        `shards disagree: '${first.testSet}' (${first.task}, ${first.source}) and '${p.testSet}' (${p.task}, ${p.source}). Expected shards of one test set.`,
      );
    }
  }
  const shards = parts.flatMap((p) => p.shards).sort();
  const repeated = shards.find((s, i) => shards[i - 1] === s);
  if (repeated) {
    throw new MetricsInputError(
      'merge',
      `shard ${repeated} of test set '${first.testSet}' is given twice. Expected each shard once.`,
    );
  }
  if (parts.length === 1) return first;
  assertDisjointShards(parts, names ?? parts.map((p) => `shard ${p.shards.join(', ')}`));
  if (first.source === 'metrics') {
    throw new MetricsInputError(
      'merge',
      `test set '${first.testSet}' has project-computed metrics in ${parts.length} shards; such metrics cannot be merged exactly. Run it unsharded, or write predictions (eval.output: predictions).`,
    );
  }

  const sliceNames = [...new Set(parts.flatMap((p) => Object.keys(p.slices)))].sort();
  const limit = Math.min(...parts.map((p) => p.overall.sample.limit));
  const slices: Record<string, GroupStats> = {};
  for (const name of sliceNames) {
    // A slice missing from a shard had no examples there; its empty statistics keep the sample bound.
    slices[name] = mergeGroups(
      first.task,
      parts.map((p) => p.slices[name] ?? emptyGroup(first.task, limit)),
    );
  }
  const merged: PartialResult = {
    kind: 'PartialResult',
    task: first.task,
    testSet: first.testSet,
    source: first.source,
    shards,
    overall: mergeGroups(
      first.task,
      parts.map((p) => p.overall),
    ),
    slices,
    problems: mergeProblems(parts.map((p) => p.problems)),
  };
  const notes = [...new Set(parts.flatMap((p) => p.notes ?? []))];
  if (notes.length > 0) merged.notes = notes;
  return merged;
}

/**
 * Shards must hold different examples. An eval command that ignores SLIPWAY_SHARD_INDEX/COUNT evaluates the
 * whole test set in every shard, and each shard's statistics are sound on their own, so the merge would
 * count every example once per shard without a word. Each shard's sample holds the examples with the
 * smallest id hashes, the same ids whichever shard reads them: a hash in two shards' samples is one example
 * counted twice. This catches a command that ignores sharding outright (every shard's sample is then the
 * same); an overlap of a few examples among more than the sample holds can slip through.
 */
function assertDisjointShards(parts: readonly PartialResult[], names: readonly string[]): void {
  const holder = new Map<number, number>();
  for (const [p, part] of parts.entries()) {
    for (const hash of part.overall.sample.hash) {
      const other = holder.get(hash);
      if (other === undefined) holder.set(hash, p);
      else if (other !== p) throw sharedExamplesError(parts, names, other, p);
    }
  }
}

function sharedExamplesError(
  parts: readonly PartialResult[],
  names: readonly string[],
  a: number,
  b: number,
): DataProblemError {
  const first = new Set(parts[a]!.overall.sample.hash);
  const shared = parts[b]!.overall.sample.hash.filter((hash) => first.has(hash)).length;
  const where = `${names[a]} and ${names[b]}`;
  return new DataProblemError(
    'duplicate-id',
    `duplicate-id: ${where} both hold ${shared === 1 ? 'an example' : `${shared} examples`} with the same id ` +
      `(test set '${parts[a]!.testSet}'): every example must be in exactly one shard, or the merged metrics ` +
      `count it once per shard. The eval command must honour SLIPWAY_SHARD_INDEX and SLIPWAY_SHARD_COUNT, ` +
      `evaluating only the rows of its shard (e.g. row i when i % SLIPWAY_SHARD_COUNT == SLIPWAY_SHARD_INDEX); ` +
      `if the test set itself repeats ids, remove the repeats.`,
    { where, expected: 'each example id in exactly one shard' },
  );
}

/** Reads a partial result file written by a shard (merge mode), checking it is one. */
export async function readPartialResult(path: string): Promise<PartialResult> {
  const { value } = await readJsonFile(path, "a shard's partial result");
  return checkPartial(value, path);
}

/** Structural check of a partial result (the format is Slipway's own, written by `ingest*`). */
export function checkPartial(value: unknown, where: string): PartialResult {
  const expected = 'Expected a partial result written by the accuracy-test action (kind: PartialResult).';
  const v = value as Partial<PartialResult> | null;
  if (typeof v !== 'object' || v === null || v.kind !== 'PartialResult') {
    throw new MetricsInputError(where, `not a partial result. ${expected}`);
  }
  const problems: string[] = [];
  if (v.task !== 'classification' && v.task !== 'regression') problems.push('task');
  if (typeof v.testSet !== 'string') problems.push('testSet');
  if (v.source !== 'predictions' && v.source !== 'metrics') problems.push('source');
  if (!Array.isArray(v.shards)) problems.push('shards');
  if (!Array.isArray(v.problems)) problems.push('problems');
  if (v.artifactFiles !== undefined && !isRecordedFileList(v.artifactFiles)) problems.push('artifactFiles');
  if (typeof v.slices !== 'object' || v.slices === null) problems.push('slices');
  const groups: [string, unknown][] = [
    ['overall', v.overall],
    ...Object.entries(v.slices ?? {}).map(([k, g]) => [`slices.${k}`, g] as [string, unknown]),
  ];
  for (const [name, g] of groups) {
    const group = g as Partial<GroupStats> | null;
    const ok =
      typeof group === 'object' &&
      group !== null &&
      Number.isInteger(group.n) &&
      typeof group.sample === 'object' &&
      Array.isArray(group.sample?.hash) &&
      (v.task !== 'classification' || v.source === 'metrics' || Array.isArray(group.confusion?.matrix)) &&
      (v.task !== 'regression' || v.source === 'metrics' || Array.isArray(group.regression?.sumY));
    if (!ok) problems.push(name);
  }
  if (problems.length > 0) {
    throw new MetricsInputError(
      where,
      `partial result has missing or malformed fields: ${problems.join(', ')}. ${expected}`,
    );
  }
  return v as PartialResult;
}

function isRecordedFileList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (file: Partial<RecordedFile> | null) =>
        typeof file === 'object' &&
        file !== null &&
        typeof file.path === 'string' &&
        typeof file.digest === 'string' &&
        Number.isInteger(file.size),
    )
  );
}

export const defaultSampleLimit = DEFAULT_SAMPLE_LIMIT;
