// Comparing a metric with the baseline report: worse than the baseline by more than the tolerance AND
// significant at the configured level fails. The test depends on what both reports hold:
// - accuracy, both with per-example samples that overlap (same test examples): McNemar's mid-p test on the
//   examples both samples hold (paired);
// - accuracy otherwise: the two-proportion z-test (unpaired);
// - MAE/RMSE/R², both with overlapping samples: a paired bootstrap of the difference on the shared examples;
// - any other metric with intervals on both sides: a Welch-style z-test, standard errors from the intervals;
// - no interval: no test is possible, so a worsening beyond the tolerance fails on its own (never a silent pass).
import { seededRandom } from './random.js';
import { pointFromSample } from './regression.js';
import { mcnemarMidP, twoProportionZTest, welchZTest, zFor } from './significance.js';
import type { ExampleSample, MetricValue, SignificanceTest } from './types.js';

export interface Comparison {
  test: SignificanceTest;
  pValue: number | null;
}

/** Examples held by both samples, as index pairs; duplicates of a hash are paired in order. */
function sharedExamples(a: ExampleSample, b: ExampleSample): [number[], number[]] {
  const ia: number[] = [];
  const ib: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.hash.length && j < b.hash.length) {
    const x = a.hash[i]!;
    const y = b.hash[j]!;
    if (x === y) {
      ia.push(i++);
      ib.push(j++);
    } else if (x < y) i++;
    else j++;
  }
  return [ia, ib];
}

/** Pairs only when the samples mostly hold the same examples: otherwise the test data differ. */
function paired(
  a: ExampleSample | undefined,
  b: ExampleSample | undefined,
): [number[], number[]] | undefined {
  if (!a || !b || a.hash.length === 0 || b.hash.length === 0) return undefined;
  const shared = sharedExamples(a, b);
  return shared[0].length * 2 >= Math.min(a.hash.length, b.hash.length) ? shared : undefined;
}

export function compareWithBaseline(
  metric: string,
  current: MetricValue,
  baseline: MetricValue,
  samples: { current?: ExampleSample; baseline?: ExampleSample },
  settings: { confidence: number; samples: number; seed: number },
): Comparison {
  const c = current.value!;
  const b = baseline.value!;
  const pair = paired(samples.current, samples.baseline);
  if (metric === 'accuracy') {
    if (pair && samples.current?.correct && samples.baseline?.correct) {
      let onlyCurrent = 0;
      let onlyBaseline = 0;
      pair[0].forEach((i, t) => {
        const x = samples.current!.correct![i]!;
        const y = samples.baseline!.correct![pair[1][t]!]!;
        if (x > y) onlyCurrent++;
        else if (y > x) onlyBaseline++;
      });
      return { test: 'mcnemar-mid-p', pValue: mcnemarMidP(onlyCurrent, onlyBaseline) };
    }
    const pValue = twoProportionZTest(
      Math.round(c * current.n),
      current.n,
      Math.round(b * baseline.n),
      baseline.n,
    );
    return { test: 'two-proportion-z', pValue };
  }
  if (
    (metric === 'mae' || metric === 'rmse' || metric === 'r2') &&
    pair &&
    samples.current?.label &&
    samples.baseline?.label
  ) {
    return {
      test: 'paired-bootstrap',
      pValue: pairedBootstrapP(metric, samples.current, samples.baseline, pair, settings),
    };
  }
  if (
    current.lower !== null &&
    current.upper !== null &&
    baseline.lower !== null &&
    baseline.upper !== null
  ) {
    const z = zFor(settings.confidence);
    const se1 = (current.upper - current.lower) / (2 * z);
    const se2 = (baseline.upper - baseline.lower) / (2 * z);
    return { test: 'welch-z', pValue: welchZTest(c, se1, b, se2) };
  }
  return { test: 'none', pValue: null };
}

/**
 * Two-sided bootstrap p-value of "no difference": resample the shared examples (the same indices on both
 * sides, which keeps the pairing), and see how often the difference of the metric falls on either side of 0.
 */
function pairedBootstrapP(
  metric: 'mae' | 'rmse' | 'r2',
  current: ExampleSample,
  baseline: ExampleSample,
  [ia, ib]: [number[], number[]],
  settings: { samples: number; seed: number },
): number {
  const m = ia.length;
  const random = seededRandom(settings.seed);
  const pick = new Int32Array(m);
  const cLabel = ia.map((i) => current.label![i]!);
  const cPred = ia.map((i) => current.prediction![i]!);
  const bLabel = ib.map((i) => baseline.label![i]!);
  const bPred = ib.map((i) => baseline.prediction![i]!);
  let atOrBelow = 0;
  let atOrAbove = 0;
  let valid = 0;
  for (let s = 0; s < settings.samples; s++) {
    for (let t = 0; t < m; t++) pick[t] = random.below(m);
    const d = pointFromSample(cLabel, cPred, pick)[metric] - pointFromSample(bLabel, bPred, pick)[metric];
    if (!Number.isFinite(d)) continue;
    valid++;
    if (d <= 0) atOrBelow++;
    if (d >= 0) atOrAbove++;
  }
  if (valid === 0) return 1;
  return Math.min(1, (2 * Math.min(atOrBelow, atOrAbove)) / valid);
}
