// Gate verdicts: absolute thresholds from slipway.yaml, and regression against a baseline report.
import { compareWithBaseline } from './baseline.js';
import type {
  Direction,
  EvalReport,
  GateVerdict,
  GroupReport,
  ReportWarning,
  ThresholdConfig,
} from './types.js';

const EPSILON = 1e-12;

export function thresholdGate(
  testSet: string,
  slice: string | undefined,
  group: GroupReport,
  t: ThresholdConfig,
): GateVerdict {
  const metric = group.metrics[t.metric];
  const actual = metric?.value ?? null;
  const passed = actual !== null && (t.direction === 'higher' ? actual >= t.value : actual <= t.value);
  const bound = t.direction === 'higher' ? 'at least' : 'at most';
  const reason = !metric
    ? `${t.metric} was not computed for this ${slice ? 'slice' : 'test set'}`
    : actual === null
      ? `${t.metric} is undefined on this data (no examples)`
      : `${t.metric} ${formatPair(actual, t.value).join(` ${passed ? 'is' : 'is not'} ${bound} `)}`;
  return {
    testSet,
    ...(slice !== undefined && { slice }),
    metric: t.metric,
    kind: 'threshold',
    direction: t.direction,
    expected: t.value,
    actual,
    passed,
    reason,
  };
}

export interface BaselineSettings {
  metrics: readonly string[];
  tolerance: number;
  significance: number;
  confidence: number;
  samples: number;
  seed: number;
}

export { defaultBaselineMetrics } from '../config/metric-catalogue.js';

export function baselineGates(
  testSet: string,
  slice: string | undefined,
  group: GroupReport,
  baselineGroup: GroupReport,
  settings: BaselineSettings,
  warnings: ReportWarning[],
): GateVerdict[] {
  const gates: GateVerdict[] = [];
  const where = slice ? `slice '${slice}' of test set '${testSet}'` : `test set '${testSet}'`;
  for (const name of settings.metrics) {
    const current = group.metrics[name];
    const base = baselineGroup.metrics[name];
    if (!base || base.value === null) {
      warnings.push({
        kind: 'baseline',
        testSet,
        ...(slice !== undefined && { slice }),
        message: `the baseline report has no value of ${name} for ${where}; not compared`,
      });
      continue;
    }
    const direction: Direction = current?.direction ?? base.direction;
    const expected =
      direction === 'higher' ? base.value - settings.tolerance : base.value + settings.tolerance;
    const common = {
      testSet,
      ...(slice !== undefined && { slice }),
      metric: name,
      kind: 'baseline' as const,
      direction,
      expected,
      baseline: base.value,
    };
    if (!current || current.value === null) {
      gates.push({
        ...common,
        actual: null,
        test: 'none',
        pValue: null,
        passed: false,
        reason: `${name} is undefined for ${where} while the baseline has ${format(base.value)}`,
      });
      continue;
    }
    const worse = direction === 'higher' ? base.value - current.value : current.value - base.value;
    const { test, pValue } = compareWithBaseline(
      name,
      current,
      base,
      { current: group.sample, baseline: baselineGroup.sample },
      settings,
    );
    const beyond = worse > settings.tolerance + EPSILON;
    const significant = pValue === null || pValue < settings.significance;
    const passed = !(beyond && significant);
    const delta = formatPair(current.value, base.value).join(' vs baseline ');
    const reason = !beyond
      ? `${delta}: within the tolerance of ${format(settings.tolerance)}`
      : pValue === null
        ? `${delta}: worse by more than ${format(settings.tolerance)}, and no interval to test significance`
        : significant
          ? `${delta}: worse by more than ${format(settings.tolerance)}, significant (p = ${format(pValue)} < ${settings.significance})`
          : `${delta}: worse by more than ${format(settings.tolerance)}, but not significant (p = ${format(pValue)} ≥ ${settings.significance})`;
    gates.push({ ...common, actual: current.value, test, pValue, passed, reason });
  }
  return gates;
}

/** The baseline's group for a test set (and slice), if it has one. */
export function findBaselineGroup(
  baseline: EvalReport,
  testSet: string,
  slice: string | undefined,
): GroupReport | undefined {
  const set = baseline.testSets.find((t) => t.name === testSet);
  if (!set || slice === undefined) return set;
  return set.slices.find((s) => s.name === slice);
}

function format(x: number, digits = 4): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(digits);
}

/**
 * Two numbers a verdict compares, each with as many digits as it takes to tell them apart: at four
 * digits 0.89996 and 0.9 both read 0.9000, and "0.9000 is not at least 0.9000" reads as a bug.
 */
export function formatPair(a: number, b: number): [string, string] {
  if (a === b) return [format(a), format(b)];
  for (let digits = 4; digits <= 17; digits++) {
    const pair: [string, string] = [format(a, digits), format(b, digits)];
    // Compared as numbers: 1 and 1.000 are the same reading.
    if (Number(pair[0]) !== Number(pair[1])) return pair;
  }
  return [String(a), String(b)];
}
