// Checks of a Project config that a JSON Schema cannot express: names that must be unique, metrics that
// the task never produces, files that are not where the config says.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { checkArtifactPath } from './artifact-path.js';
import { didYouMean } from './did-you-mean.js';
import type { Finding, Severity } from './finding.js';
import { formatPath, locateValue, type PathSegment } from './locate.js';
import { metricDirection, metricsByTask, perClassMetrics } from './metric-catalogue.js';
import type { Project } from './types.generated.js';

// Metrics Slipway computes from predictions come from the catalogue (classification adds precision.<class>,
// recall.<class> and f1.<class> for each class). Projects that write their own metrics may name any.

/** Everything optional, all the way down: these checks also run on configs that failed the schema. */
type Loose<T> = T extends readonly (infer U)[]
  ? Loose<U>[]
  : T extends object
    ? { [K in keyof T]?: Loose<T[K]> }
    : T;
type ProjectShape = Loose<Pick<Project, 'task' | 'classes' | 'eval' | 'test-sets' | 'baseline' | 'artifact'>>;

interface Context {
  readonly file: string;
  /** Read only when there is something to report: positions are parsed lazily. */
  readonly document: Document;
  readonly lineCounter: LineCounter;
}

/** `path` is where the config file is on disk; paths inside it are relative to its directory. */
export function projectChecks(data: unknown, context: Context, path: string): Finding[] {
  const project = data as ProjectShape;
  const findings: Finding[] = [];
  const report = (
    severity: Severity,
    rule: string,
    segments: PathSegment[],
    message: string,
    suggestion?: string,
  ): void => {
    findings.push({
      file: context.file,
      ...locateValue(context.document, context.lineCounter, segments),
      severity,
      rule,
      path: formatPath(segments),
      message,
      ...(suggestion ? { suggestion } : {}),
    });
  };

  const testSets = project['test-sets'] ?? [];
  duplicates(
    testSets.map((t) => t.name),
    (index, name) =>
      report(
        'error',
        'project.duplicate-test-set',
        ['test-sets', index, 'name'],
        `Test set '${name}' is named twice; each test set needs its own name (reports and gates are keyed by it).`,
      ),
  );

  const perClass =
    project.task === 'classification'
      ? perClassMetrics.flatMap((metric) => (project.classes ?? []).map((c) => `${metric}.${c}`))
      : [];
  const known = project.task ? [...metricsByTask[project.task], ...perClass] : undefined;
  const checkMetric = (metric: string | undefined, segments: PathSegment[]) => {
    if (!known || !metric || project.eval?.output === 'metrics' || known.includes(metric)) return;
    // Without a class list the per-class names cannot be checked; the no-classes warning says so.
    if (project.task === 'classification' && !project.classes && /^(precision|recall|f1)\./.test(metric))
      return;
    const suggestion = didYouMean(metric, known);
    report(
      'warning',
      'project.unknown-metric',
      segments,
      `Metric '${metric}' is not computed for ${project.task}; Slipway computes ${metricsByTask[project.task!].join(', ')}${perClass.length > 0 ? ' and precision, recall and f1 per class (f1.<class>)' : ''}.${suggestion ? ` Did you mean '${suggestion}'?` : ' Set eval.output: metrics if the evaluation reports it itself.'}`,
      suggestion,
    );
  };

  // A threshold's direction says which side of the value passes. Against the metric's own direction it
  // inverts the gate: `mae … direction: higher` passes any model whose error is at least the value.
  const checkDirection = (threshold: { metric?: string; direction?: string }, segments: PathSegment[]) => {
    const better = threshold.metric ? metricDirection(threshold.metric) : undefined;
    if (!better || !threshold.direction || threshold.direction === better) return;
    const bound = better === 'higher' ? 'at least' : 'at most';
    report(
      'error',
      'project.threshold-direction',
      [...segments, 'direction'],
      `Threshold direction '${threshold.direction}' contradicts ${threshold.metric}, which is ${better}-is-better: ` +
        `the gate would pass models on the wrong side of the value. Use direction: ${better} (${threshold.metric} ${bound} the value).`,
      better,
    );
  };

  const base = dirname(resolve(path));
  testSets.forEach((testSet, t) => {
    if (testSet.path && !existsSync(resolve(base, testSet.path))) {
      report(
        'warning',
        'project.missing-path',
        ['test-sets', t, 'path'],
        `Test set data '${testSet.path}' does not exist (relative to ${context.file}).`,
      );
    }
    for (const [i, threshold] of (testSet.thresholds ?? []).entries()) {
      checkMetric(threshold.metric, ['test-sets', t, 'thresholds', i, 'metric']);
      checkDirection(threshold, ['test-sets', t, 'thresholds', i]);
    }
    duplicates(testSet.slices?.map((s) => s.name) ?? [], (index, name) =>
      report(
        'error',
        'project.duplicate-slice',
        ['test-sets', t, 'slices', index, 'name'],
        `Slice '${name}' is listed twice in test set '${testSet.name}'.`,
      ),
    );
    for (const [s, slice] of (testSet.slices ?? []).entries()) {
      for (const [i, threshold] of (slice.thresholds ?? []).entries()) {
        checkMetric(threshold.metric, ['test-sets', t, 'slices', s, 'thresholds', i, 'metric']);
        checkDirection(threshold, ['test-sets', t, 'slices', s, 'thresholds', i]);
      }
    }
  });
  for (const [i, metric] of (project.baseline?.metrics ?? []).entries())
    checkMetric(metric, ['baseline', 'metrics', i]);

  if (project.task === 'classification' && !project.classes && project.eval?.output !== 'metrics') {
    report(
      'warning',
      'project.no-classes',
      ['task'],
      "No 'classes' listed: labels outside the known classes cannot be caught. List every label under 'classes'.",
    );
  }
  project.artifact?.files?.forEach((entry, i) => {
    if (!entry.path) return;
    const checked = checkArtifactPath(base, entry.path);
    if (checked.kind === 'refused') {
      report(
        'error',
        'project.artifact-path',
        ['artifact', 'files', i, 'path'],
        `Artifact file '${entry.path}' ${checked.reason}. Publishing refuses it.`,
      );
    } else if (checked.kind === 'missing') {
      report(
        'warning',
        'project.missing-path',
        ['artifact', 'files', i, 'path'],
        `Artifact file '${entry.path}' does not exist (relative to ${context.file}); publishing will fail until it does.`,
      );
    }
  });
  return findings;
}

function duplicates(
  names: Array<string | undefined>,
  onDuplicate: (index: number, name: string) => void,
): void {
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (name === undefined) return;
    if (seen.has(name)) onDuplicate(index, name);
    seen.add(name);
  });
}
