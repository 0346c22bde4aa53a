// Classification metrics from a confusion matrix: accuracy and per-class precision/recall with Wilson
// intervals; F1 and the macro averages with a seeded bootstrap that resamples the confusion matrix itself
// (multinomial over its cells), so no per-example rows are needed and shards merge exactly.
import { seededRandom } from './random.js';
import { quantileSorted, sortedFinite, wilsonInterval } from './significance.js';
import type { ClassMetrics, ConfusionCounts, MetricValue } from './types.js';

export interface IntervalSettings {
  confidence: number;
  samples: number;
  seed: number;
}

interface PointMetrics {
  /** Per class: precision, recall (NaN when undefined) and F1. */
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
}

/**
 * Macro averages run over the classes that occur (as a label or a prediction), as scikit-learn does without
 * `labels`; an undefined precision or recall counts as 0 in them (scikit-learn's zero_division=0), and
 * stays null in the per-class figures.
 */
function pointMetrics(matrix: Float64Array, k: number, into?: PointMetrics): PointMetrics {
  // The bootstrap passes the same object for every replicate: no allocation per resample.
  const out = into ?? {
    precision: new Float64Array(k),
    recall: new Float64Array(k),
    f1: new Float64Array(k),
    macroPrecision: 0,
    macroRecall: 0,
    macroF1: 0,
  };
  const { precision, recall, f1 } = out;
  let present = 0;
  let sumP = 0;
  let sumR = 0;
  let sumF = 0;
  for (let c = 0; c < k; c++) {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += matrix[c * k + j]!;
      predicted += matrix[j * k + c]!;
    }
    const tp = matrix[c * k + c]!;
    precision[c] = predicted > 0 ? tp / predicted : Number.NaN;
    recall[c] = support > 0 ? tp / support : Number.NaN;
    f1[c] = support + predicted > 0 ? (2 * tp) / (support + predicted) : Number.NaN;
    if (support + predicted > 0) {
      present++;
      sumP += predicted > 0 ? precision[c]! : 0;
      sumR += support > 0 ? recall[c]! : 0;
      sumF += f1[c]!;
    }
  }
  out.macroPrecision = present > 0 ? sumP / present : Number.NaN;
  out.macroRecall = present > 0 ? sumR / present : Number.NaN;
  out.macroF1 = present > 0 ? sumF / present : Number.NaN;
  return out;
}

export interface ClassificationReport {
  metrics: Record<string, MetricValue>;
  classes: ClassMetrics[];
}

export function classificationMetrics(
  confusion: ConfusionCounts,
  settings: IntervalSettings,
): ClassificationReport {
  const k = confusion.classes.length;
  const flat = new Float64Array(k * k);
  let n = 0;
  let correct = 0;
  confusion.matrix.forEach((row, i) => {
    row.forEach((count, j) => {
      flat[i * k + j] = count;
      n += count;
      if (i === j) correct += count;
    });
  });
  const point = pointMetrics(flat, k);
  const boot = bootstrapConfusion(flat, k, n, settings);
  const support = (c: number) => confusion.matrix[c]!.reduce((s, x) => s + x, 0);
  const predicted = (c: number) => confusion.matrix.reduce((s, row) => s + row[c]!, 0);

  const classes: ClassMetrics[] = confusion.classes.map((name, c) => ({
    name,
    support: support(c),
    precision: wilsonMetric(confusion.matrix[c]![c]!, predicted(c), settings.confidence),
    recall: wilsonMetric(confusion.matrix[c]![c]!, support(c), settings.confidence),
    f1: bootMetric(point.f1[c]!, boot.f1[c]!, support(c) + predicted(c), settings.confidence, 'higher'),
  }));
  const metrics: Record<string, MetricValue> = {
    accuracy: wilsonMetric(correct, n, settings.confidence),
    'macro-precision': bootMetric(
      point.macroPrecision,
      boot.macroPrecision,
      n,
      settings.confidence,
      'higher',
    ),
    'macro-recall': bootMetric(point.macroRecall, boot.macroRecall, n, settings.confidence, 'higher'),
    'macro-f1': bootMetric(point.macroF1, boot.macroF1, n, settings.confidence, 'higher'),
  };
  for (const c of classes) {
    metrics[`precision.${c.name}`] = c.precision;
    metrics[`recall.${c.name}`] = c.recall;
    metrics[`f1.${c.name}`] = c.f1;
  }
  return { metrics, classes };
}

function wilsonMetric(successes: number, n: number, confidence: number): MetricValue {
  const interval = wilsonInterval(successes, n, confidence);
  return {
    value: n > 0 ? successes / n : null,
    lower: interval?.lower ?? null,
    upper: interval?.upper ?? null,
    n,
    method: interval ? 'wilson' : 'none',
    direction: 'higher',
  };
}

/** A point value with the percentile interval of its bootstrap replicates (undefined replicates left out). */
export function bootMetric(
  value: number,
  replicates: Float64Array,
  n: number,
  confidence: number,
  direction: 'higher' | 'lower',
): MetricValue {
  if (!Number.isFinite(value)) return { value: null, lower: null, upper: null, n, method: 'none', direction };
  const finite = sortedFinite(replicates);
  if (finite.length === 0) return { value, lower: null, upper: null, n, method: 'none', direction };
  const alpha = 1 - confidence;
  return {
    value,
    lower: quantileSorted(finite, alpha / 2),
    upper: quantileSorted(finite, 1 - alpha / 2),
    n,
    method: 'bootstrap',
    direction,
  };
}

interface BootstrapReplicates {
  macroPrecision: Float64Array;
  macroRecall: Float64Array;
  macroF1: Float64Array;
  f1: Float64Array[];
}

/**
 * Resamples n examples from the confusion matrix's cells (a multinomial draw, done as one conditional
 * binomial per cell) `samples` times, seeded, so the same matrix always gives the same interval.
 */
function bootstrapConfusion(
  flat: Float64Array,
  k: number,
  n: number,
  settings: IntervalSettings,
): BootstrapReplicates {
  const out: BootstrapReplicates = {
    macroPrecision: new Float64Array(settings.samples),
    macroRecall: new Float64Array(settings.samples),
    macroF1: new Float64Array(settings.samples),
    f1: Array.from({ length: k }, () => new Float64Array(settings.samples)),
  };
  if (n === 0) return out;
  const random = seededRandom(settings.seed);
  const cells: number[] = [];
  for (let i = 0; i < flat.length; i++) if (flat[i]! > 0) cells.push(i);
  const resampled = new Float64Array(k * k);
  const point = pointMetrics(resampled, k);
  for (let s = 0; s < settings.samples; s++) {
    resampled.fill(0);
    let left = n;
    let mass = n;
    for (let c = 0; c < cells.length && left > 0; c++) {
      const count = flat[cells[c]!]!;
      const drawn = c === cells.length - 1 || count >= mass ? left : random.binomial(left, count / mass);
      resampled[cells[c]!] = drawn;
      left -= drawn;
      mass -= count;
    }
    pointMetrics(resampled, k, point);
    out.macroPrecision[s] = point.macroPrecision;
    out.macroRecall[s] = point.macroRecall;
    out.macroF1[s] = point.macroF1;
    for (let c = 0; c < k; c++) out.f1[c]![s] = point.f1[c]!;
  }
  return out;
}
