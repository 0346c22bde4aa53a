// Builds the eval report from merged statistics, slipway.yaml and where the run happened: metrics with
// intervals per test set and slice, data problems (errors thrown, warnings listed) and every gate's verdict.
import { readJsonFile } from '../config/json-file.js';
import { metricDirection } from '../config/metric-catalogue.js';
import { evalReport as evalReportValidator } from '../config/validators.generated.js';
import { classificationMetrics, type IntervalSettings } from './classification.js';
import { DataProblemError, MetricsInputError } from './errors.js';
import { baselineGates, defaultBaselineMetrics, findBaselineGroup, thresholdGate } from './gates.js';
import { deriveSeed } from './id-hash.js';
import { mergePartials } from './merge.js';
import { severityOf } from './problems.js';
import { regressionMetrics } from './regression.js';
import type {
  ConfusionCounts,
  EvalReport,
  GateVerdict,
  GroupReport,
  GroupStats,
  MetricsConfig,
  MetricValue,
  PartialResult,
  ProblemKind,
  ReportContext,
  ReportedMetric,
  ReportWarning,
  SliceReport,
  TestSetReport,
} from './types.js';

export interface BuildReportInput {
  config: MetricsConfig;
  /** Partial results; several for one test set (its shards) are merged here. */
  results: readonly PartialResult[];
  context: ReportContext;
  baseline?: EvalReport;
}

/** Metrics with intervals, gates and warnings; throws DataProblemError for problems configured as errors. */
export function buildEvalReport(input: BuildReportInput): EvalReport {
  const { config, context } = input;
  const settings = {
    confidence: config.eval?.confidence ?? 0.95,
    samples: config.eval?.bootstrap?.samples ?? 1000,
    seed: config.eval?.bootstrap?.seed ?? 42,
  };
  const byTestSet = new Map<string, PartialResult[]>();
  for (const r of input.results) {
    if (!config['test-sets'].some((t) => t.name === r.testSet)) {
      throw new MetricsInputError(
        'results',
        `test set '${r.testSet}' is not in slipway.yaml (test-sets: ${config['test-sets'].map((t) => t.name).join(', ')}).`,
      );
    }
    if (r.task !== config.task) {
      throw new MetricsInputError(
        'results',
        `test set '${r.testSet}' was evaluated as ${r.task}, but slipway.yaml's task is ${config.task}.`,
      );
    }
    byTestSet.set(r.testSet, [...(byTestSet.get(r.testSet) ?? []), r]);
  }
  if (byTestSet.size === 0)
    throw new MetricsInputError('results', 'no test set was evaluated. Expected at least one result.');

  const warnings: ReportWarning[] = [];
  const gates: GateVerdict[] = [];
  const testSets: TestSetReport[] = [];
  const problem = (kind: ProblemKind, testSet: string, slice: string | undefined, message: string) => {
    if (severityOf(config.problems, kind) === 'error') {
      throw new DataProblemError(
        kind,
        `${message} (problems.${kind} is error; set it to warning to report and go on)`,
      );
    }
    warnings.push({ kind, testSet, ...(slice !== undefined && { slice }), message });
  };

  for (const testSetConfig of config['test-sets']) {
    const parts = byTestSet.get(testSetConfig.name);
    if (!parts) continue;
    const partial = mergePartials(parts);
    const name = testSetConfig.name;
    for (const p of partial.problems) {
      warnings.push({
        kind: p.kind,
        testSet: name,
        message: problemMessage(p.kind, p.count),
        count: p.count,
        examples: p.examples,
      });
    }
    for (const note of partial.notes ?? []) warnings.push({ kind: 'limit', testSet: name, message: note });
    if (partial.source === 'predictions' && partial.overall.n === 0) {
      problem(
        'empty-test-set',
        name,
        undefined,
        `test set '${name}' has no examples: the eval command wrote no predictions`,
      );
    }

    const overall = groupReport(partial, partial.overall, partial.reported?.overall, config, {
      ...settings,
      seed: deriveSeed(settings.seed, name),
    });
    const slices: SliceReport[] = [];
    for (const sliceConfig of testSetConfig.slices ?? []) {
      const stats = partial.slices[sliceConfig.name];
      const reported = partial.reported?.slices[sliceConfig.name];
      const missing = partial.source === 'predictions' ? !stats || stats.n === 0 : !reported;
      if (missing) {
        problem(
          'missing-slice',
          name,
          sliceConfig.name,
          `slice '${sliceConfig.name}' of test set '${name}' has no examples (no prediction is tagged with it)`,
        );
      }
      const group = groupReport(partial, stats ?? emptyStats(partial), reported, config, {
        ...settings,
        seed: deriveSeed(settings.seed, name, sliceConfig.name),
      });
      slices.push({ name: sliceConfig.name, ...group });
    }
    testSets.push({ name, hardCase: testSetConfig['hard-case'] ?? false, ...overall, slices });

    for (const t of testSetConfig.thresholds ?? []) gates.push(thresholdGate(name, undefined, overall, t));
    for (const sliceConfig of testSetConfig.slices ?? []) {
      const slice = slices.find((s) => s.name === sliceConfig.name)!;
      for (const t of sliceConfig.thresholds ?? []) gates.push(thresholdGate(name, slice.name, slice, t));
    }
  }

  if (input.baseline) {
    const baseline = input.baseline;
    const baselineSettings = {
      ...settings,
      metrics: config.baseline?.metrics ?? defaultBaselineMetrics(config.task),
      tolerance: config.baseline?.tolerance ?? 0,
      significance: config.baseline?.significance ?? 0.05,
    };
    if (baseline.task !== config.task) {
      warnings.push({
        kind: 'baseline',
        testSet: '',
        message: `the baseline report is for ${baseline.task}, not ${config.task}; not compared`,
      });
    } else {
      for (const set of testSets) {
        for (const group of [undefined, ...set.slices]) {
          const slice = group?.name;
          const base = findBaselineGroup(baseline, set.name, slice);
          if (!base) {
            warnings.push({
              kind: 'baseline',
              testSet: set.name,
              ...(slice !== undefined && { slice }),
              message: `the baseline report has no ${slice ? `slice '${slice}' of ` : ''}test set '${set.name}'; not compared`,
            });
            continue;
          }
          gates.push(...baselineGates(set.name, slice, group ?? set, base, baselineSettings, warnings));
        }
      }
    }
  }

  const report: EvalReport = {
    apiVersion: 'slipway.dev/v1',
    kind: 'EvalReport',
    model: { ...context.model },
    commit: context.commit,
    command: context.command,
    runner: { ...context.runner },
    gpus: context.gpus.map((g) => ({ ...g })),
    ...(context.createdAt !== undefined && { createdAt: context.createdAt }),
    task: config.task,
    confidence: settings.confidence,
    bootstrap: { samples: settings.samples, seed: settings.seed },
    testSets,
    gates,
    passed: gates.every((g) => g.passed),
    warnings,
  };
  return report;
}

function problemMessage(kind: ProblemKind, count: number): string {
  const what: Record<ProblemKind, string> = {
    'unknown-label': 'had a label or prediction outside slipway.yaml classes (counted as its own class)',
    'not-a-number': 'had a missing, NaN or infinite value and were left out',
    'duplicate-id': 'repeated an earlier example id and were left out (the first occurrence counts)',
    'missing-slice': 'belong to a slice with no examples',
    'empty-test-set': 'belong to an empty test set',
  };
  return `${count} example${count === 1 ? '' : 's'} ${what[kind]}`;
}

function emptyStats(partial: PartialResult): GroupStats {
  const limit = partial.overall.sample.limit;
  const group: GroupStats = { n: 0, sample: { limit, hash: [] } };
  if (partial.task === 'classification')
    group.confusion = { classes: partial.overall.confusion?.classes ?? [], matrix: [] };
  return group;
}

function groupReport(
  partial: PartialResult,
  stats: GroupStats,
  reported: Record<string, ReportedMetric> | undefined,
  config: MetricsConfig,
  settings: IntervalSettings,
): GroupReport {
  if (partial.source === 'metrics') {
    const metrics: Record<string, MetricValue> = {};
    for (const [name, m] of Object.entries(reported ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const hasInterval = m.lower !== undefined && m.upper !== undefined;
      metrics[name] = {
        value: m.value,
        lower: m.lower ?? null,
        upper: m.upper ?? null,
        n: m.n ?? stats.n,
        method: hasInterval ? 'reported' : 'none',
        direction: m.direction ?? metricDirection(name) ?? 'higher',
      };
    }
    return { n: stats.n, metrics };
  }
  if (partial.task === 'classification') {
    const confusion = canonicalConfusion(
      stats.confusion,
      partial.overall.confusion?.classes ?? [],
      config.classes ?? [],
    );
    const { metrics, classes } = classificationMetrics(confusion, settings);
    return { n: stats.n, metrics, classes, confusion, sample: stats.sample };
  }
  const sums = stats.regression ?? {
    n: 0,
    sumY: [],
    sumY2: [],
    sumPrediction: [],
    sumAbsError: [],
    sumSquaredError: [],
  };
  return { n: stats.n, metrics: regressionMetrics(sums, stats.sample, settings), sample: stats.sample };
}

/**
 * The confusion matrix in a fixed class order (slipway.yaml's classes, then any other class seen, sorted), so
 * the report does not depend on the order in which shards met the classes.
 */
function canonicalConfusion(
  confusion: ConfusionCounts | undefined,
  seen: readonly string[],
  configured: readonly string[],
): ConfusionCounts {
  const extra = [...new Set([...seen, ...(confusion?.classes ?? [])])]
    .filter((c) => !configured.includes(c))
    .sort();
  const classes = [...configured, ...extra];
  const position = new Map(classes.map((c, i) => [c, i]));
  const matrix = classes.map(() => new Array<number>(classes.length).fill(0));
  confusion?.matrix.forEach((row, i) => {
    row.forEach((count, j) => {
      matrix[position.get(confusion.classes[i]!)!]![position.get(confusion.classes[j]!)!]! += count;
    });
  });
  return { classes, matrix };
}

/** Checks a parsed value is an eval report (schemas/eval-report.schema.json); the error names the field. */
export function validateEvalReport(value: unknown, where: string): EvalReport {
  if (!evalReportValidator(value)) {
    const first = evalReportValidator.errors?.[0];
    const at = first?.instancePath ? ` at ${first.instancePath}` : '';
    throw new MetricsInputError(
      where,
      `is not an eval report (schemas/eval-report.schema.json)${at}: ${first?.message ?? 'invalid'}. Expected a report written by the accuracy-test action.`,
    );
  }
  return value as EvalReport;
}

/** Reads and validates a baseline eval report; a clear error names the file and what is wrong. */
export async function readEvalReport(path: string): Promise<EvalReport> {
  const { value } = await readJsonFile(
    path,
    'a baseline eval report there, as the accuracy-test action writes it',
  );
  return validateEvalReport(value, path);
}
