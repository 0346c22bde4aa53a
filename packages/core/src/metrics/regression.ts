// Regression metrics (MAE, RMSE, R²) from exact sums, with seeded bootstrap intervals computed on the
// bounded example sample. When the group has more examples than the sample holds (n > m), the sample's
// bootstrap spread is scaled by sqrt(m/n) around the full-data value: these metrics are smooth functions of
// means, whose spread shrinks as 1/sqrt(n), so this recovers the full-data interval without keeping every
// row (and is the ordinary percentile bootstrap when the sample holds every example).
import type { IntervalSettings } from './classification.js';
import { addExactProduct, roundSum } from './exact-sum.js';
import { seededRandom } from './random.js';
import { quantileSorted, sortedFinite } from './significance.js';
import type { ExampleSample, MetricValue, RegressionSums } from './types.js';

interface RegressionPoint {
  mae: number;
  rmse: number;
  r2: number;
}

export function pointFromSums(sums: RegressionSums): RegressionPoint {
  const n = sums.n;
  if (n === 0) return { mae: Number.NaN, rmse: Number.NaN, r2: Number.NaN };
  const total = totalSumOfSquares(sums);
  const residual = roundSum(sums.sumSquaredError);
  return {
    mae: roundSum(sums.sumAbsError) / n,
    rmse: Math.sqrt(residual / n),
    // Constant labels leave R² undefined.
    r2: total > 0 ? 1 - residual / total : Number.NaN,
  };
}

/**
 * Σ(y − ȳ)², from exact Σy² and Σy: n·Σy² − (Σy)² is formed exactly (products of the partials) and rounded
 * once, so labels with a large mean (timestamps, offsets up to 1e12 and beyond) lose nothing to cancellation,
 * and the value depends only on the rows, not on how they were sharded or merged.
 */
function totalSumOfSquares(sums: RegressionSums): number {
  const n = sums.n;
  const spread: number[] = [];
  for (const part of sums.sumY2) addExactProduct(spread, part, n);
  for (const a of sums.sumY) for (const b of sums.sumY) addExactProduct(spread, -a, b);
  return roundSum(spread) / n;
}

/** The metrics of examples picked by `index` (or all of them) from a sample. */
export function pointFromSample(
  label: readonly number[],
  prediction: readonly number[],
  index?: Int32Array,
): RegressionPoint {
  const m = index ? index.length : label.length;
  let sumY = 0;
  let sumAbs = 0;
  let sumSq = 0;
  for (let t = 0; t < m; t++) {
    const i = index ? index[t]! : t;
    const y = label[i]!;
    const e = prediction[i]! - y;
    sumY += y;
    sumAbs += Math.abs(e);
    sumSq += e * e;
  }
  // A second pass around the mean, as Σy² − (Σy)²/m would cancel for labels with a large mean; the
  // correction term removes what the rounded mean adds (the corrected two-pass algorithm).
  const mean = sumY / m;
  let sumD = 0;
  let sumD2 = 0;
  for (let t = 0; t < m; t++) {
    const d = label[index ? index[t]! : t]! - mean;
    sumD += d;
    sumD2 += d * d;
  }
  const total = sumD2 - (sumD * sumD) / m;
  return { mae: sumAbs / m, rmse: Math.sqrt(sumSq / m), r2: total > 0 ? 1 - sumSq / total : Number.NaN };
}

export function regressionMetrics(
  sums: RegressionSums,
  sample: ExampleSample,
  settings: IntervalSettings,
): Record<string, MetricValue> {
  const n = sums.n;
  const point = pointFromSums(sums);
  const label = sample.label ?? [];
  const prediction = sample.prediction ?? [];
  const m = label.length;
  const keys = ['mae', 'rmse', 'r2'] as const;
  const replicates = { mae: new Float64Array(0), rmse: new Float64Array(0), r2: new Float64Array(0) };
  let scale = 1;
  let center = point;
  if (m > 1) {
    replicates.mae = new Float64Array(settings.samples);
    replicates.rmse = new Float64Array(settings.samples);
    replicates.r2 = new Float64Array(settings.samples);
    const random = seededRandom(settings.seed);
    const index = new Int32Array(m);
    for (let s = 0; s < settings.samples; s++) {
      for (let t = 0; t < m; t++) index[t] = random.below(m);
      const r = pointFromSample(label, prediction, index);
      replicates.mae[s] = r.mae;
      replicates.rmse[s] = r.rmse;
      replicates.r2[s] = r.r2;
    }
    if (m < n) {
      scale = Math.sqrt(m / n);
      center = pointFromSample(label, prediction);
    }
  }
  const out: Record<string, MetricValue> = {};
  for (const key of keys) {
    const direction = key === 'r2' ? 'higher' : 'lower';
    const value = point[key];
    const finite = sortedFinite(replicates[key]);
    if (!Number.isFinite(value) || finite.length === 0) {
      out[key] = {
        value: Number.isFinite(value) ? value : null,
        lower: null,
        upper: null,
        n,
        method: 'none',
        direction,
      };
      continue;
    }
    const alpha = 1 - settings.confidence;
    const shift = (q: number) => value + scale * (quantileSorted(finite, q) - center[key]);
    let lower = shift(alpha / 2);
    let upper = shift(1 - alpha / 2);
    if (key !== 'r2') lower = Math.max(0, lower);
    else upper = Math.min(1, upper);
    out[key] = { value, lower, upper, n, method: 'bootstrap', direction };
  }
  return out;
}
