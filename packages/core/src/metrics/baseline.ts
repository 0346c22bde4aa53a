// Comparing a metric with the baseline report: worse than the baseline by more than the tolerance AND
// significant at the configured level fails. The test depends on what both reports hold:
// - accuracy, both with per-example samples that overlap (same test examples): McNemar's mid-p test, on the
//   full data's 2×2 table when the test set is larger than the sample (compareAccuracy);
// - accuracy otherwise: the two-proportion z-test (unpaired) on the full counts;
// - MAE/RMSE/R², both with overlapping samples: a paired bootstrap of the difference on the shared examples,
//   scaled to the full data when the test set is larger than the sample (pairedBootstrapP);
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
  if (metric === 'accuracy') return compareAccuracy(current, baseline, samples, pair);
  if (
    (metric === 'mae' || metric === 'rmse' || metric === 'r2') &&
    pair &&
    samples.current?.label &&
    samples.baseline?.label &&
    (holdsEveryExample(samples, current, baseline) || sameExamples(samples, current, baseline, pair))
  ) {
    const full = holdsEveryExample(samples, current, baseline)
      ? undefined
      : { difference: c - b, n: current.n };
    return {
      test: 'paired-bootstrap',
      pValue: pairedBootstrapP(metric, samples.current, samples.baseline, pair, settings, full),
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

/** True when both samples hold all their group's examples (at most `limit` of them): the test data are whole. */
function holdsEveryExample(
  samples: { current?: ExampleSample; baseline?: ExampleSample },
  current: MetricValue,
  baseline: MetricValue,
): boolean {
  return samples.current?.hash.length === current.n && samples.baseline?.hash.length === baseline.n;
}

/**
 * Both reports evaluated the same examples, as far as their samples tell: as many examples, and samples that
 * hold the same ids (a bottom-k sample of one set of ids is the same on both sides).
 */
function sameExamples(
  samples: { current?: ExampleSample; baseline?: ExampleSample },
  current: MetricValue,
  baseline: MetricValue,
  pair: [number[], number[]],
): boolean {
  const shared = pair[0].length;
  return (
    current.n === baseline.n &&
    shared === samples.current?.hash.length &&
    shared === samples.baseline?.hash.length
  );
}

/**
 * "Worse" is judged on the full data (the accuracies of all n examples), so the test must be too: on a test
 * set larger than the sample, McNemar's test on the sample alone tests a 10,000-example subset, and a drop
 * that is certain on 200,000 examples passes as noise. Three cases:
 * - both samples hold every example: McNemar's mid-p test on them is the exact test on the full data;
 * - the same examples (sameExamples), more than the sample holds: McNemar's mid-p test on the full data's 2×2 table. Its
 *   discordant difference is known exactly (right only in the baseline minus right only in the change is the
 *   difference of the full correct counts); only their total is estimated, from the uniform sample scaled by
 *   n/m. Scaling the sample's two discordant counts instead would take the sample's own chance difference
 *   as if it had been measured on all n examples, and call noise significant;
 * - otherwise (different test data): the two-proportion z-test on the full counts, unpaired.
 */
function compareAccuracy(
  current: MetricValue,
  baseline: MetricValue,
  samples: { current?: ExampleSample; baseline?: ExampleSample },
  pair: [number[], number[]] | undefined,
): Comparison {
  const right = Math.round(current.value! * current.n);
  const baselineRight = Math.round(baseline.value! * baseline.n);
  const cs = samples.current?.correct;
  const bs = samples.baseline?.correct;
  if (pair && cs && bs) {
    let onlyCurrent = 0;
    let onlyBaseline = 0;
    pair[0].forEach((i, t) => {
      const x = cs[i]!;
      const y = bs[pair[1][t]!]!;
      if (x > y) onlyCurrent++;
      else if (y > x) onlyBaseline++;
    });
    if (holdsEveryExample(samples, current, baseline))
      return { test: 'mcnemar-mid-p', pValue: mcnemarMidP(onlyCurrent, onlyBaseline) };
    if (sameExamples(samples, current, baseline, pair)) {
      const [fullCurrent, fullBaseline] = fullDiscordant(
        right - baselineRight,
        ((onlyCurrent + onlyBaseline) * current.n) / pair[0].length,
      );
      return { test: 'mcnemar-mid-p', pValue: mcnemarMidP(fullCurrent, fullBaseline) };
    }
  }
  return {
    test: 'two-proportion-z',
    pValue: twoProportionZTest(right, current.n, baselineRight, baseline.n),
  };
}

/**
 * The full data's discordant counts (right only in the change, right only in the baseline) from their exact
 * difference and estimated total. The total is at least the difference, and has its parity, so both counts
 * are whole.
 */
function fullDiscordant(difference: number, estimatedTotal: number): [number, number] {
  let total = Math.max(Math.abs(difference), Math.round(estimatedTotal));
  if ((total - difference) % 2 !== 0) total++;
  return [(total + difference) / 2, (total - difference) / 2];
}

/**
 * Two-sided bootstrap p-value of "no difference": resample the shared examples (the same indices on both
 * sides, which keeps the pairing), and see how often the difference of the metric falls on either side of 0.
 * With `full` (a test set larger than the sample), the test is on the full data's difference, as "worse" is:
 * each replicate's departure from the sample's difference is scaled by sqrt(m/n) around the full-data
 * difference, as the intervals are (regression.ts: these metrics are smooth functions of means, whose spread
 * shrinks as 1/sqrt(n)). Unscaled, the sample's spread would hide a drop that is certain on all n examples.
 */
function pairedBootstrapP(
  metric: 'mae' | 'rmse' | 'r2',
  current: ExampleSample,
  baseline: ExampleSample,
  [ia, ib]: [number[], number[]],
  settings: { samples: number; seed: number },
  full?: { difference: number; n: number },
): number {
  const m = ia.length;
  const random = seededRandom(settings.seed);
  const pick = new Int32Array(m);
  const cLabel = ia.map((i) => current.label![i]!);
  const cPred = ia.map((i) => current.prediction![i]!);
  const bLabel = ib.map((i) => baseline.label![i]!);
  const bPred = ib.map((i) => baseline.prediction![i]!);
  const scale = full ? Math.sqrt(m / full.n) : 1;
  const observed = full ? pointFromSample(cLabel, cPred)[metric] - pointFromSample(bLabel, bPred)[metric] : 0;
  const shifted = (d: number) => (full ? full.difference + scale * (d - observed) : d);
  let atOrBelow = 0;
  let atOrAbove = 0;
  let valid = 0;
  for (let s = 0; s < settings.samples; s++) {
    for (let t = 0; t < m; t++) pick[t] = random.below(m);
    const d = shifted(
      pointFromSample(cLabel, cPred, pick)[metric] - pointFromSample(bLabel, bPred, pick)[metric],
    );
    if (!Number.isFinite(d)) continue;
    valid++;
    if (d <= 0) atOrBelow++;
    if (d >= 0) atOrAbove++;
  }
  if (valid === 0) return 1;
  return Math.min(1, (2 * Math.min(atOrBelow, atOrAbove)) / valid);
}
