// The shapes that flow through metrics: prediction rows in, a shard's partial result (sufficient statistics,
// JSON-serializable, exactly mergeable) in the middle, the eval report out. Field names follow the JSON schemas
// in schemas/ (predictions, metrics, eval-report); what users write in slipway.yaml is typed from the schema.
import type { Project, ProjectTestSet, ProjectThreshold } from '../config/types.generated.js';

export type Task = 'classification' | 'regression';
export type Severity = 'error' | 'warning';
export type Direction = 'higher' | 'lower';

/** A data problem Slipway detects; slipway.yaml `problems:` says whether each is an error or a warning. */
export type ProblemKind =
  | 'missing-slice'
  | 'empty-test-set'
  | 'unknown-label'
  | 'duplicate-id'
  | 'not-a-number';
export type ProblemPolicy = Partial<Record<ProblemKind, Severity>>;

/** One line of the predictions JSONL (schemas/predictions.schema.json). */
export interface PredictionRow {
  id: string | number;
  label: string | number;
  prediction: string | number;
  scores?: Record<string, number> | number[];
  slices?: string[];
}

/** The part of slipway.yaml metrics read (kebab-case keys as in the file), typed from schemas/project.schema.json. */
export type MetricsConfig = Pick<Project, 'task' | 'classes' | 'test-sets' | 'baseline' | 'problems'> & {
  eval?: Pick<Project['eval'], 'confidence' | 'bootstrap'>;
};
export type ThresholdConfig = ProjectThreshold;
export type TestSetConfig = ProjectTestSet;

/** Confusion matrix counts: matrix[i][j] = examples labelled classes[i] and predicted classes[j]. */
export interface ConfusionCounts {
  classes: string[];
  matrix: number[][];
}

/**
 * Exact sums of regression quantities. Each sum is a list of non-overlapping float partials (Shewchuk's
 * expansion, as in Python's math.fsum), so adding shards in any order keeps the exact value and the rounded
 * result never depends on the sharding.
 */
export interface RegressionSums {
  n: number;
  sumY: number[];
  sumY2: number[];
  sumPrediction: number[];
  sumAbsError: number[];
  sumSquaredError: number[];
}

/**
 * A uniform sample of examples, bounded in size: the `limit` examples whose id hashes are smallest (a bottom-k
 * sketch). It is the same whatever the sharding (the bottom-k of a union is the bottom-k of the bottom-ks), it
 * holds every example when a set has at most `limit`, and two reports sample the same ids, so it pairs them
 * for McNemar's test and the paired bootstrap. `hash` is a 53-bit hash of the id, sorted ascending.
 */
export interface ExampleSample {
  limit: number;
  hash: number[];
  /** classification: 1 when the prediction was right, else 0. */
  correct?: number[];
  /** regression: label and prediction. */
  label?: number[];
  prediction?: number[];
}

/** Sufficient statistics of one group of examples: a whole test set or one slice. */
export interface GroupStats {
  n: number;
  confusion?: ConfusionCounts;
  regression?: RegressionSums;
  sample: ExampleSample;
}

/** A counted data problem that was configured as a warning (errors stop ingestion instead). */
export interface ProblemCount {
  kind: ProblemKind;
  count: number;
  /** Up to five affected example ids, the smallest first, so the list is the same whatever the sharding. */
  examples: string[];
}

/** A metric the project computed itself (eval.output: metrics), as schemas/metrics.schema.json has it. */
export interface ReportedMetric {
  value: number;
  lower?: number;
  upper?: number;
  n?: number;
  direction?: Direction;
}

/** One shard's result for one test set, written by the action and merged in `merge` mode. */
export interface PartialResult {
  kind: 'PartialResult';
  task: Task;
  testSet: string;
  source: 'predictions' | 'metrics';
  /** Shards covered, as "index/count" strings, sorted. */
  shards: string[];
  overall: GroupStats;
  slices: Record<string, GroupStats>;
  /** source metrics: the project's own metrics; never merged across shards. */
  reported?: {
    overall: Record<string, ReportedMetric>;
    slices: Record<string, Record<string, ReportedMetric>>;
  };
  problems: ProblemCount[];
  /** Limits that were reached (for example the duplicate-id check's memory bound), reported as warnings. */
  notes?: string[];
  /**
   * A matrix shard's digests of the artifact files it evaluated (artifact.files of slipway.yaml). The merge
   * job's checkout may hold other bytes; the report records these, once every shard agrees on them.
   */
  artifactFiles?: RecordedFile[];
}

export type IntervalMethod = 'wilson' | 'bootstrap' | 'reported' | 'none';
export interface MetricValue {
  /** null when undefined on this data (no examples, a class never predicted). */
  value: number | null;
  lower: number | null;
  upper: number | null;
  n: number;
  method: IntervalMethod;
  direction: Direction;
}
export interface ClassMetrics {
  name: string;
  support: number;
  precision: MetricValue;
  recall: MetricValue;
  f1: MetricValue;
}
export interface GroupReport {
  n: number;
  metrics: Record<string, MetricValue>;
  classes?: ClassMetrics[];
  confusion?: ConfusionCounts;
  sample?: ExampleSample;
}
export interface SliceReport extends GroupReport {
  name: string;
}
export interface TestSetReport extends GroupReport {
  name: string;
  hardCase: boolean;
  slices: SliceReport[];
}

export type SignificanceTest = 'mcnemar-mid-p' | 'two-proportion-z' | 'paired-bootstrap' | 'welch-z' | 'none';
export interface GateVerdict {
  testSet: string;
  /** Absent for the whole test set. */
  slice?: string;
  metric: string;
  kind: 'threshold' | 'baseline';
  direction: Direction;
  /** threshold: the threshold; baseline: the worst value the tolerance allows. */
  expected: number;
  actual: number | null;
  baseline?: number | null;
  pValue?: number | null;
  test?: SignificanceTest;
  passed: boolean;
  reason: string;
}
export interface ReportWarning {
  kind: ProblemKind | 'baseline' | 'limit' | 'training';
  testSet: string;
  slice?: string;
  message: string;
  count?: number;
  examples?: string[];
}
export interface Gpu {
  name: string;
  memoryMiB: number;
  driver: string;
}
export interface ReportContext {
  model: { name: string; version?: string };
  commit: string;
  command: string | string[];
  runner: { name: string; os: string };
  gpus: Gpu[];
  /** ISO time; left out of reports that must compare equal. */
  createdAt?: string;
}

import type { RecordedFile } from '../config/recorded-files.js';

export type { RecordedFile };
/** One run of train.command (schemas/training-record.schema.json). */
export interface TrainingRecord {
  apiVersion: 'slipway.dev/v1';
  kind: 'TrainingRecord';
  model: { name: string; version?: string };
  commit: string;
  config: RecordedFile;
  command: string[];
  data: RecordedFile[];
  outputs: RecordedFile[];
  parameters: Record<string, unknown>;
  runner: { name: string; os: string };
  gpus: Gpu[];
  startedAt: string;
  wallTimeSeconds: number;
}
/** What a change was compared with (the report's `baseline`). */
export interface BaselineSource {
  source: 'file' | 'environment';
  path?: string;
  environment?: string;
  repository?: string;
  /** False when nothing with an eval report is deployed in the environment yet. */
  deployed?: boolean;
  version?: string;
  artifact?: string;
  reportDigest?: string;
  commit?: string;
  note?: string;
}
export interface EvalReport {
  apiVersion: 'slipway.dev/v1';
  kind: 'EvalReport';
  model: { name: string; version?: string };
  commit: string;
  command: string | string[];
  runner: { name: string; os: string };
  gpus: Gpu[];
  createdAt?: string;
  task: Task;
  confidence: number;
  bootstrap: { samples: number; seed: number };
  testSets: TestSetReport[];
  gates: GateVerdict[];
  passed: boolean;
  warnings: ReportWarning[];
  /** sha256 of every artifact.files file as evaluated: publish refuses other bytes. */
  artifactFiles?: RecordedFile[];
  training?: TrainingRecord;
  baseline?: BaselineSource;
}
