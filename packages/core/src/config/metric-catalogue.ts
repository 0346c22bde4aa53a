// The one catalogue of the metrics Slipway computes: their names, the task they belong to, which way is
// better, and the ones compared with a baseline (and shown first) when slipway.yaml names none. Validation,
// gates, reports and summaries all read it here, so a new metric is added in one place.

export type MetricTask = 'classification' | 'regression';
export type MetricDirection = 'higher' | 'lower';

export interface MetricInfo {
  readonly task: MetricTask;
  readonly direction: MetricDirection;
}

export const metricCatalogue = {
  accuracy: { task: 'classification', direction: 'higher' },
  'macro-precision': { task: 'classification', direction: 'higher' },
  'macro-recall': { task: 'classification', direction: 'higher' },
  'macro-f1': { task: 'classification', direction: 'higher' },
  mae: { task: 'regression', direction: 'lower' },
  rmse: { task: 'regression', direction: 'lower' },
  r2: { task: 'regression', direction: 'higher' },
} as const satisfies Record<string, MetricInfo>;

/** Classification metrics also computed per class, named `<metric>.<class>` (f1.setosa). */
export const perClassMetrics = ['precision', 'recall', 'f1'] as const;

/** The metrics Slipway computes for each task, in the order reports show them. */
export const metricsByTask: Readonly<Record<MetricTask, readonly string[]>> = {
  classification: names('classification'),
  regression: names('regression'),
};

/** Compared with the baseline when slipway.yaml's baseline.metrics is left out; shown first in summaries. */
export function defaultBaselineMetrics(task: MetricTask): string[] {
  return task === 'classification' ? ['accuracy', 'macro-f1'] : [...metricsByTask.regression];
}

/** Which way is better for a metric Slipway knows (per-class ones included); undefined for others. */
export function metricDirection(name: string): MetricDirection | undefined {
  if (name in metricCatalogue) return metricCatalogue[name as keyof typeof metricCatalogue].direction;
  const perClass = name.slice(0, name.indexOf('.'));
  return (perClassMetrics as readonly string[]).includes(perClass) ? 'higher' : undefined;
}

function names(task: MetricTask): string[] {
  return Object.entries(metricCatalogue)
    .filter(([, info]) => info.task === task)
    .map(([name]) => name);
}
