// @slipway/core/metrics: predictions in, sufficient statistics per test set and slice, exact merge of shards,
// metrics with confidence intervals, gates against thresholds and a baseline report, the eval report out.
// (First-draft signatures: bodies land shortly; the names and types are the contract.)
import type { Readable } from 'node:stream';
import type {
  EvalReport,
  MetricsConfig,
  PartialResult,
  ProblemPolicy,
  ReportContext,
  Task,
} from './types.js';

export type * from './types.js';

/** An input file that is not what was expected; `where` is file:line. */
export class MetricsInputError extends Error {
  readonly where: string;
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'MetricsInputError';
    this.where = where;
  }
}

/** A data problem configured as an error (slipway.yaml `problems:`), or one that can never be a warning. */
export class DataProblemError extends Error {
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.name = 'DataProblemError';
    this.kind = kind;
  }
}

export interface IngestOptions {
  task: Task;
  testSet: string;
  /** classification: the known classes (slipway.yaml `classes`); a label outside them is a data problem. */
  classes?: readonly string[];
  /** The configured slices; statistics are kept for these (every slice tag seen when left out). */
  slices?: readonly string[];
  problems?: ProblemPolicy;
  /** This shard, e.g. { index: 0, count: 4 }; default 0 of 1. */
  shard?: { index: number; count: number };
  /** Name used in error messages when `input` is a stream (default: the path, or "predictions"). */
  name?: string;
  /** Bound of the per-example sample kept for paired tests and bootstrap (default 10000). */
  sampleLimit?: number;
}

/** Streams predictions JSONL (a path or a Readable) into one shard's sufficient statistics. */
export async function ingestPredictions(_input: string | Readable, _options: IngestOptions): Promise<PartialResult> {
  throw new Error('not implemented');
}

export interface MetricsFileOptions {
  task: Task;
  testSet: string;
  shard?: { index: number; count: number };
}
/** Reads a project-computed metrics JSON (schemas/metrics.schema.json) as a partial result. */
export async function ingestMetricsFile(_path: string, _options: MetricsFileOptions): Promise<PartialResult> {
  throw new Error('not implemented');
}

/** Merges shards of one test set; the result equals an unsharded run's exactly. */
export function mergePartials(_parts: readonly PartialResult[]): PartialResult {
  throw new Error('not implemented');
}

/** Reads and validates a partial result file (merge mode). */
export async function readPartialResult(_path: string): Promise<PartialResult> {
  throw new Error('not implemented');
}

export interface BuildReportInput {
  config: MetricsConfig;
  /** One merged partial per test set (several per test set are merged here). */
  results: readonly PartialResult[];
  context: ReportContext;
  baseline?: EvalReport;
}
/** Metrics with intervals, gates and warnings; throws DataProblemError for problems configured as errors. */
export function buildEvalReport(_input: BuildReportInput): EvalReport {
  throw new Error('not implemented');
}

/** Reads and validates a baseline eval report; a clear error names the file and what is wrong. */
export async function readEvalReport(_path: string): Promise<EvalReport> {
  throw new Error('not implemented');
}
