// Streams predictions JSONL into one shard's sufficient statistics: one pass, one JSON.parse per line, memory
// bounded by the number of classes, slices and the sample limit (plus the duplicate-id table, see id-set.ts).
import type { Readable } from 'node:stream';
import { MetricsInputError } from './errors.js';
import { ClassIndex, GroupAccumulator } from './group-stats.js';
import { hashHigh, hashId, hashLow } from './id-hash.js';
import { IdHashSet } from './id-set.js';
import { forEachLine, openText } from './lines.js';
import { ProblemLog } from './problems.js';
import { DEFAULT_SAMPLE_LIMIT } from './sample.js';
import type { PartialResult, ProblemPolicy, Task } from './types.js';

export interface IngestOptions {
  task: Task;
  testSet: string;
  /** classification: the known classes (slipway.yaml `classes`); a label outside them is a data problem. */
  classes?: readonly string[];
  /** The configured slices; statistics are kept for these (for every slice tag seen when left out). */
  slices?: readonly string[];
  problems?: ProblemPolicy;
  /** This shard, e.g. { index: 0, count: 4 }; default 0 of 1. */
  shard?: { index: number; count: number };
  /** Name used in error messages when `input` is a stream (default: the path, or "predictions"). */
  name?: string;
  /** Bound of the per-example sample kept for paired tests and bootstrap (default 10000). */
  sampleLimit?: number;
  /** Slots of the duplicate-id table, a power of two (default 2^23: 64 MiB, about 5.9 million ids). */
  idTableSlots?: number;
}

/** Without configured slices, at most this many distinct slice tags get statistics (memory bound). */
const MAX_UNCONFIGURED_SLICES = 1000;
const EXPECTED_LINE =
  'one JSON object per line: {"id": ..., "label": ..., "prediction": ..., "slices": [...]}';
const ID_IN_TEXT = /"id"\s*:\s*"?([^",}]*)/;
const NON_FINITE_TOKEN = /(?:^|[^A-Za-z"])(?:NaN|-?Infinity)(?:[^A-Za-z"]|$)/;

/** Streams predictions JSONL (a path or a Readable) into one shard's sufficient statistics. */
export async function ingestPredictions(
  input: string | Readable,
  options: IngestOptions,
): Promise<PartialResult> {
  const name = options.name ?? (typeof input === 'string' ? input : 'predictions');
  const stream = await openText(input, 'the predictions JSONL the eval command writes');
  const task = options.task;
  const sampleLimit = options.sampleLimit ?? DEFAULT_SAMPLE_LIMIT;
  const known = options.classes && options.classes.length > 0 ? new Set(options.classes) : undefined;
  const classes = new ClassIndex(options.classes ?? []);
  const overall = new GroupAccumulator(task, sampleLimit);
  const slices = new Map<string, GroupAccumulator>();
  const configuredSlices = options.slices ? new Set(options.slices) : undefined;
  for (const s of options.slices ?? []) slices.set(s, new GroupAccumulator(task, sampleLimit));
  const problems = new ProblemLog(options.problems);
  const ids = new IdHashSet(undefined, options.idTableSlots);
  const notes: string[] = [];
  let ignoredTags = 0;

  await forEachLine(stream, onLine, {
    name,
    onFirstCharacter: (character, lineNumber) => {
      // A JSON array is one line long or one row per line with brackets and commas around them; either
      // way it is known from its first character, before a line of any length has been read.
      if (character === '[') {
        throw new MetricsInputError(
          `${name}:${lineNumber}`,
          `starts with '[': a JSON array, expected one JSON object per line (JSONL) without enclosing brackets or commas: ${EXPECTED_LINE}.`,
        );
      }
    },
  });
  function onLine(line: string, lineNumber: number): void {
    // Most lines start with '{'; only others need the blank-line check.
    if (line.charCodeAt(0) !== 123 && line.trim().length === 0) return;
    // Built only for a message: a template string per row costs as much as the checks themselves.
    const where = () => `${name}:${lineNumber}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      if (NON_FINITE_TOKEN.test(line)) {
        const id = ID_IN_TEXT.exec(line)?.[1] ?? `line ${lineNumber}`;
        problems.report('not-a-number', id, `${where()}: NaN or Infinity found. Expected finite numbers.`);
        return;
      }
      throw new MetricsInputError(
        where(),
        `not valid JSON (${(error as Error).message}). Expected ${EXPECTED_LINE}.`,
      );
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new MetricsInputError(where(), `found ${describe(row)}. Expected ${EXPECTED_LINE}.`);
    }
    const r = row as Record<string, unknown>;
    const rawId = r['id'];
    if (!((typeof rawId === 'string' && rawId.length > 0) || Number.isInteger(rawId))) {
      throw new MetricsInputError(
        where(),
        `"id" is ${describe(rawId)}. Expected a non-empty string or an integer.`,
      );
    }
    const id = String(rawId);
    const tags = r['slices'];
    if (tags !== undefined && !isStringArray(tags)) {
      throw new MetricsInputError(
        where(),
        `"slices" is ${describe(tags)}. Expected an array of slice names.`,
      );
    }
    const scores = r['scores'];
    if (scores !== undefined && (typeof scores !== 'object' || scores === null)) {
      throw new MetricsInputError(
        where(),
        `"scores" is ${describe(scores)}. Expected an object or array of numbers.`,
      );
    }

    let a: number;
    let b: number;
    const label = r['label'];
    const prediction = r['prediction'];
    if (task === 'classification') {
      const l = classValue(label, 'label', where);
      const p = classValue(prediction, 'prediction', where);
      if (l === undefined || p === undefined) {
        problems.report(
          'not-a-number',
          id,
          `${where()}: example '${id}' has a missing or NaN label or prediction.`,
        );
        return;
      }
      // Configured classes take the first indices, so one map lookup per value also tells a known class.
      a = classes.indexOf(l);
      b = classes.indexOf(p);
      if (known && (a >= known.size || b >= known.size)) {
        const odd = a < known.size ? `prediction '${p}'` : `label '${l}'`;
        problems.report(
          'unknown-label',
          id,
          `${where()}: ${odd} of example '${id}' is not one of the classes (${[...known].join(', ')}).`,
        );
      }
    } else {
      const y = numberValue(label, 'label', where);
      const p = numberValue(prediction, 'prediction', where);
      if (y === undefined || p === undefined) {
        problems.report(
          'not-a-number',
          id,
          `${where()}: example '${id}' has a missing, NaN or infinite label or prediction.`,
        );
        return;
      }
      a = y;
      b = p;
    }

    const hash = hashId(id);
    if (!ids.add(hashHigh(), hashLow())) {
      problems.report(
        'duplicate-id',
        id,
        `${where()}: example id '${id}' appears more than once. Expected unique ids.`,
      );
      return; // the first occurrence counts
    }

    add(overall, task, hash, a, b);
    if (tags === undefined) return;
    for (const tag of tags as string[]) {
      let group = slices.get(tag);
      if (!group) {
        if (configuredSlices || slices.size >= MAX_UNCONFIGURED_SLICES) {
          if (!configuredSlices) ignoredTags++;
          continue;
        }
        group = new GroupAccumulator(task, sampleLimit);
        slices.set(tag, group);
      }
      add(group, task, hash, a, b);
    }
  }

  if (ids.unchecked > 0) {
    notes.push(
      `the duplicate-id check was partial: it remembered the first ${ids.size} distinct ids (its memory bound) and checked the ${ids.unchecked} later ones against those, not against each other; a duplicate among those later ids is not caught`,
    );
  }
  if (ignoredTags > 0) {
    notes.push(
      `only the first ${MAX_UNCONFIGURED_SLICES} slice tags got statistics; configure slices in slipway.yaml`,
    );
  }
  const shard = options.shard ?? { index: 0, count: 1 };
  const result: PartialResult = {
    kind: 'PartialResult',
    task,
    testSet: options.testSet,
    source: 'predictions',
    shards: [`${shard.index}/${shard.count}`],
    overall: overall.toJSON(classes.names),
    slices: Object.fromEntries(
      [...slices.entries()]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([tag, g]) => [tag, g.toJSON(classes.names)]),
    ),
    problems: problems.toJSON(),
  };
  if (notes.length > 0) result.notes = notes;
  return result;
}

function isStringArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

function add(group: GroupAccumulator, task: Task, hash: number, a: number, b: number): void {
  if (task === 'classification') group.addClassified(hash, a, b);
  else group.addRegressed(hash, a, b);
}

/** A class name; undefined for a missing value (null/NaN), which is a data problem rather than a format error. */
function classValue(value: unknown, field: string, where: () => string): string | undefined {
  if (typeof value === 'string') return value.length > 0 && value !== 'NaN' ? value : undefined;
  if (typeof value === 'number') return String(value);
  if (value === null || value === undefined) {
    if (value === undefined)
      throw new MetricsInputError(where(), `"${field}" is missing. Expected ${EXPECTED_LINE}.`);
    return undefined;
  }
  throw new MetricsInputError(where(), `"${field}" is ${describe(value)}. Expected a class name (string).`);
}

function numberValue(value: unknown, field: string, where: () => string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === undefined)
    throw new MetricsInputError(where(), `"${field}" is missing. Expected ${EXPECTED_LINE}.`);
  if (value === null) return undefined;
  if (typeof value === 'string' && /^[-+]?(nan|inf|infinity)$/i.test(value.trim())) return undefined;
  throw new MetricsInputError(
    where(),
    `"${field}" is ${describe(value)}. Expected a finite number (regression).`,
  );
}

export function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
