// Closed-form intervals and significance tests. The normal distribution comes from stdlib
// (@stdlib/stats-base-dists-*), which is accurate in the tails where hand-rolled approximations are not.
// McNemar's binomial has p = 1/2, whose tail is summed exactly below (stdlib's general binomial CDF brought
// ~200 KB of incomplete-beta code into every action for this one case).
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

export interface Interval {
  lower: number;
  upper: number;
}

/** z such that a two-sided normal interval has this coverage (1.959964… for 0.95). */
export function zFor(confidence: number): number {
  // A report asks for the same level for every metric of every slice: remember the last one.
  if (confidence !== lastZ.confidence)
    lastZ = { confidence, z: normalQuantile(1 - (1 - confidence) / 2, 0, 1) };
  return lastZ.z;
}
let lastZ = { confidence: Number.NaN, z: Number.NaN };

/**
 * Wilson score interval of a proportion (successes of n): unlike the normal (Wald) interval it stays inside
 * [0, 1] and keeps its coverage near 0 and 1, where accuracy gates live. Null when n is 0.
 */
export function wilsonInterval(successes: number, n: number, confidence: number): Interval | null {
  if (n <= 0) return null;
  const z = zFor(confidence);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, center - half), upper: Math.min(1, center + half) };
}

/** Two-sided p-value of a standard normal statistic. */
export function twoSidedNormalP(z: number): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? 1 : 0;
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

/**
 * McNemar's test, mid-p version, for paired outcomes: onlyA = examples right for A and wrong for B, onlyB the
 * reverse. The exact conditional test (binomial with p = 1/2 on the discordant pairs) is conservative; the
 * mid-p subtracts half the probability of the observed count, which keeps the size close to nominal
 * (Fagerland, Lydersen & Laake 2013). Two-sided.
 */
export function mcnemarMidP(onlyA: number, onlyB: number): number {
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  const k = Math.min(onlyA, onlyB);
  const p = 2 * halfBinomialPmf(k, n) * (lowerTailOverPmf(k, n) - 0.5);
  return Math.min(1, Math.max(0, p));
}

/**
 * P(X = k) for X ~ Bin(n, 1/2), from log C(n, k) so large n does not overflow. The terms are added with
 * Neumaier's compensation: McNemar's n is bounded by the per-example sample, but a plain sum of millions of
 * logarithms would drift in the sixth digit.
 */
function halfBinomialPmf(k: number, n: number): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 1; i <= k; i++) {
    const term = Math.log((n - k + i) / i);
    const next = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - next + term : term - next + sum;
    sum = next;
  }
  return Math.exp(sum + compensation - n * Math.LN2);
}

/**
 * P(X ≤ k) / P(X = k) for X ~ Bin(n, 1/2) and k ≤ n/2: the terms below k shrink by i/(n−i+1) each step,
 * so the sum is taken relative to P(X = k) and stops once they no longer change it.
 */
function lowerTailOverPmf(k: number, n: number): number {
  let sum = 1;
  let term = 1;
  for (let i = k; i > 0; i--) {
    term *= i / (n - i + 1);
    if (term < sum * Number.EPSILON) break;
    sum += term;
  }
  return sum;
}

/** Two-proportion z-test (pooled), unpaired: successes x1 of n1 against x2 of n2. Two-sided. */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 1;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return x1 / n1 === x2 / n2 ? 1 : 0;
  return twoSidedNormalP((x1 / n1 - x2 / n2) / se);
}

/**
 * Welch-style z-test of two independent estimates with standard errors se1, se2 (from their intervals:
 * half-width / z). Used for metrics with no closed-form test (macro-F1, MAE, RMSE, R²) when the reports
 * cannot be paired. Two-sided.
 */
export function welchZTest(value1: number, se1: number, value2: number, se2: number): number {
  const se = Math.sqrt(se1 * se1 + se2 * se2);
  if (se === 0) return value1 === value2 ? 1 : 0;
  return twoSidedNormalP((value1 - value2) / se);
}

/**
 * The finite replicates of a bootstrap, ascending, for quantileSorted. A plain loop and the typed array's
 * native numeric sort: a callback per replicate was most of the cost of a report's intervals.
 */
export function sortedFinite(replicates: Float64Array): Float64Array {
  const finite = new Float64Array(replicates.length);
  let size = 0;
  for (let i = 0; i < replicates.length; i++) {
    const x = replicates[i]!;
    if (Number.isFinite(x)) finite[size++] = x;
  }
  return finite.subarray(0, size).sort();
}

/** Quantile (linear interpolation between order statistics, "type 7") of sorted values. */
export function quantileSorted(sorted: Float64Array | readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const fraction = position - below;
  return sorted[below]! + fraction * (sorted[above]! - sorted[below]!);
}
