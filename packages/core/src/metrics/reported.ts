// Metrics the project computes itself (eval.output: metrics): one JSON file per test set and shard,
// validated against schemas/metrics.schema.json, carried into the report as they are.
import { readFile } from 'node:fs/promises';
import { metrics as metricsValidator } from '../config/validators.generated.js';
import { MetricsInputError } from './errors.js';
import { emptyGroup } from './group-stats.js';
import type { PartialResult, ReportedMetric, Task } from './types.js';

export interface MetricsFileOptions {
  task: Task;
  testSet: string;
  shard?: { index: number; count: number };
}

type MetricSet = Record<string, number | ReportedMetric>;
interface MetricsDocument {
  n?: number;
  metrics: MetricSet;
  slices?: Record<string, { n?: number; metrics: MetricSet }>;
}

/** Reads a project-computed metrics JSON (schemas/metrics.schema.json) as a partial result. */
export async function ingestMetricsFile(path: string, options: MetricsFileOptions): Promise<PartialResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MetricsInputError(
      path,
      missing
        ? 'no such file. Expected the eval command to write its metrics JSON there.'
        : `cannot be read (${(error as Error).message}).`,
    );
  }
  return parseMetricsJson(text, path, options);
}

export function parseMetricsJson(text: string, where: string, options: MetricsFileOptions): PartialResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MetricsInputError(
      where,
      `not valid JSON (${(error as Error).message}). Expected a metrics JSON ({"metrics": {...}}).`,
    );
  }
  const validate = metricsValidator;
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const at = first?.instancePath ? ` at ${first.instancePath}` : '';
    throw new MetricsInputError(
      where,
      `does not match schemas/metrics.schema.json${at}: ${first?.message ?? 'invalid'}. Expected {"metrics": {"name": value or {"value", "lower", "upper"}}, "slices": {...}}.`,
    );
  }
  const doc = value as MetricsDocument;
  const shard = options.shard ?? { index: 0, count: 1 };
  const group = (n: number | undefined) => ({ ...emptyGroup(options.task, 1), n: n ?? 0 });
  const slices = Object.entries(doc.slices ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    kind: 'PartialResult',
    task: options.task,
    testSet: options.testSet,
    source: 'metrics',
    shards: [`${shard.index}/${shard.count}`],
    overall: group(doc.n),
    slices: Object.fromEntries(slices.map(([name, s]) => [name, group(s.n)])),
    reported: {
      overall: normalize(doc.metrics, doc.n),
      slices: Object.fromEntries(slices.map(([name, s]) => [name, normalize(s.metrics, s.n)])),
    },
    problems: [],
  };
}

function normalize(set: MetricSet, n: number | undefined): Record<string, ReportedMetric> {
  return Object.fromEntries(
    Object.entries(set).map(([name, m]) => {
      const metric: ReportedMetric = typeof m === 'number' ? { value: m } : { ...m };
      if (metric.n === undefined && n !== undefined) metric.n = n;
      return [name, metric];
    }),
  );
}
