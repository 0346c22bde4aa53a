// The eval report as Markdown, for the job summary and the sticky PR comment: a verdict line, one table per
// test set (slices as rows, the baseline side by side), the gates, warnings, and a mermaid bar chart that
// GitHub renders in place.
import { defaultBaselineMetrics } from '../config/metric-catalogue.js';
import { fitBody, GITHUB_BODY_LIMIT, markdownSafe } from '../errors/index.js';
import type { EvalReport, GateVerdict, GroupReport, MetricValue, TestSetReport } from '../metrics/index.js';

export interface SummaryOptions {
  readonly baseline?: EvalReport;
  /** Where the report JSON was written, shown at the end. */
  readonly reportPath?: string;
  /** Slice rows shown per test set before the rest is summarised (comments are limited to 65,536 characters). */
  readonly maxSlices?: number;
}

/** The metrics shown: the defaults of the task, then every gated metric, as far as the report has them. */
export function shownMetrics(report: EvalReport): string[] {
  const names = [...defaultBaselineMetrics(report.task), ...report.gates.map((gate) => gate.metric)];
  const present = new Set(
    report.testSets.flatMap((set) => [set, ...set.slices].flatMap((g) => Object.keys(g.metrics))),
  );
  return [...new Set(names)].filter((name) => present.has(name));
}

/**
 * The gates' verdict in words. A report without gates says there were none: "all 0 gates passed" reads as a
 * check that happened.
 */
export function gatesVerdict(gates: readonly GateVerdict[]): string {
  if (gates.length === 0)
    return 'No gates: the project sets no thresholds or baseline checks, so nothing was checked';
  const failed = gates.filter((gate) => !gate.passed).length;
  if (failed === 0) return gates.length === 1 ? 'The 1 gate passed' : `All ${gates.length} gates passed`;
  return `${failed} of ${gates.length} gates failed`;
}

export function renderEvalSummary(report: EvalReport, options: SummaryOptions = {}): string {
  const metrics = shownMetrics(report);
  const model = `${report.model.name}${report.model.version ? ` ${report.model.version}` : ''}`;
  const lines: string[] = [];
  lines.push(
    report.passed
      ? `## ✅ Accuracy test passed: ${model}`
      : `## ❌ Accuracy test failed: ${model} (${gatesVerdict(report.gates)})`,
  );
  if (report.gates.length === 0) lines.push('', `${gatesVerdict(report.gates)}.`);
  lines.push('');
  const gpus =
    report.gpus.length === 0 ? 'no GPU' : report.gpus.map((g) => `${g.name} (${g.memoryMiB} MiB)`).join(', ');
  lines.push(
    `Commit \`${report.commit.slice(0, 12)}\` · runner ${cell(report.runner.name)} (${cell(report.runner.os)}) · ${gpus} · ` +
      `${Math.round(report.confidence * 100)}% confidence intervals`,
  );
  const line = baselineLine(report, options.baseline);
  if (line) lines.push(line);
  for (const testSet of report.testSets) {
    lines.push('', ...testSetTable(testSet, metrics, options));
  }
  if (report.gates.length > 0) lines.push('', ...gateTable(report.gates));
  if (report.warnings.length > 0) {
    lines.push('', '### Warnings', '');
    for (const warning of report.warnings) {
      const where = `${warning.testSet}${warning.slice ? ` / ${warning.slice}` : ''}`;
      const examples = warning.examples?.length
        ? ` (e.g. ${warning.examples.map((id) => cell(id)).join(', ')})`
        : '';
      lines.push(`- ⚠️ **${warning.kind}** in ${cell(where)}: ${cell(warning.message)}${examples}`);
    }
  }
  const primary = metrics[0];
  const chartLines = primary ? ['', ...chart(report, primary, options)] : [];
  const reportLine = options.reportPath ? ['', `Report: \`${options.reportPath}\``] : [];
  const whole = `${[...lines, ...chartLines, ...reportLine].join('\n')}\n`;
  if (whole.length <= EVAL_SUMMARY_LIMIT) return whole;
  // The summary is also the sticky PR comment: however many gates fail, it fits GitHub's limit (less
  // room for the comment's marker line). Too long, it loses the chart first: a cut inside its code block
  // would leave the block open, and the note saying where the rest is would vanish into it.
  return fitBody(`${[...lines, ...reportLine].join('\n')}\n`, {
    limit: EVAL_SUMMARY_LIMIT,
    rest: options.reportPath
      ? `The full report is ${cell(options.reportPath)}.`
      : 'The full report is in the eval report file.',
  });
}

/**
 * The longest summary renderEvalSummary writes: GitHub's comment limit less room for the sticky comment's
 * marker line. The comment posts the summary as it is; cutting it again elsewhere at another length would
 * cut inside the chart's code block and leave it open.
 */
export const EVAL_SUMMARY_LIMIT = GITHUB_BODY_LIMIT - 256;

/** Which version and digest the change was compared with, or why it was compared with nothing. */
export function baselineLine(report: EvalReport, baseline: EvalReport | undefined): string | undefined {
  const source = report.baseline;
  if (source?.source === 'environment') {
    if (!source.deployed)
      return `Baseline \`${source.environment}\`: ${cell(source.note ?? 'nothing deployed')}.`;
    const model = baseline ? baseline.model.name : report.model.name;
    return (
      `Baseline: ${model}${source.version ? ` ${source.version}` : ''} deployed in **${source.environment}**, ` +
      `\`${source.artifact}\`, eval report \`${source.reportDigest}\`` +
      (source.commit ? ` (commit \`${source.commit.slice(0, 12)}\`)` : '')
    );
  }
  if (!baseline) return undefined;
  return (
    `Baseline: ${baseline.model.name}${baseline.model.version ? ` ${baseline.model.version}` : ''} at \`${baseline.commit.slice(0, 12)}\`` +
    (source?.path ? ` (${cell(source.path)})` : '')
  );
}

function testSetTable(testSet: TestSetReport, metrics: readonly string[], options: SummaryOptions): string[] {
  const base = options.baseline?.testSets.find((set) => set.name === testSet.name);
  const title = `### Test set \`${testSet.name}\`${testSet.hardCase ? ' (hard cases)' : ''}: ${testSet.n} examples`;
  const header = ['Slice', 'n'];
  for (const metric of metrics) header.push(metric, ...(base ? ['baseline', 'Δ'] : []));
  const rows: string[][] = [];
  const limit = options.maxSlices ?? 100;
  const groups: Array<[string, GroupReport, GroupReport | undefined]> = [
    ['**all**', testSet, base],
    ...testSet.slices
      .slice(0, limit)
      .map((slice): [string, GroupReport, GroupReport | undefined] => [
        cell(slice.name),
        slice,
        base?.slices.find((s) => s.name === slice.name),
      ]),
  ];
  for (const [name, group, baseGroup] of groups) {
    const row = [name, String(group.n)];
    for (const metric of metrics) {
      const value = group.metrics[metric];
      row.push(formatMetric(value));
      if (base) {
        const baseValue = baseGroup?.metrics[metric];
        row.push(formatMetric(baseValue, false), formatDelta(value, baseValue));
      }
    }
    rows.push(row);
  }
  const table = [
    title,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
  ];
  for (const row of rows) table.push(`| ${row.join(' | ')} |`);
  if (testSet.slices.length > limit)
    table.push('', `…and ${testSet.slices.length - limit} more slices in the report file.`);
  return table;
}

function gateTable(gates: readonly GateVerdict[]): string[] {
  const sorted = [...gates].sort((a, b) => Number(a.passed) - Number(b.passed));
  const lines = [
    '### Gates',
    '',
    '| | Test set | Slice | Metric | Gate | Actual | Why |',
    '| --- | --- | --- | --- | --- | ---: | --- |',
  ];
  for (const gate of sorted) {
    const comparison = gate.direction === 'higher' ? '≥' : '≤';
    const kind =
      gate.kind === 'baseline'
        ? `baseline ${comparison} ${fixed(gate.expected)}`
        : `${comparison} ${fixed(gate.expected)}`;
    lines.push(
      `| ${gate.passed ? '✅' : '❌'} | ${cell(gate.testSet)} | ${gate.slice ? cell(gate.slice) : 'all'} | ${gate.metric} | ${kind} | ` +
        `${gate.actual === null ? '—' : fixed(gate.actual)} | ${cell(gate.reason)} |`,
    );
  }
  return lines;
}

function chart(report: EvalReport, metric: string, options: SummaryOptions): string[] {
  const labels: string[] = [];
  const current: number[] = [];
  const baseline: number[] = [];
  for (const testSet of report.testSets) {
    const base = options.baseline?.testSets.find((set) => set.name === testSet.name);
    const groups: Array<[string, GroupReport, GroupReport | undefined]> = [
      [testSet.name, testSet, base],
      ...testSet.slices
        .slice(0, 12)
        .map((s): [string, GroupReport, GroupReport | undefined] => [
          `${testSet.name}/${s.name}`,
          s,
          base?.slices.find((b) => b.name === s.name),
        ]),
    ];
    for (const [label, group, baseGroup] of groups) {
      labels.push(label);
      current.push(round(group.metrics[metric]?.value ?? 0));
      baseline.push(round(baseGroup?.metrics[metric]?.value ?? 0));
    }
  }
  const all = [...current, ...(options.baseline ? baseline : [])];
  const bounded = all.every((v) => v >= 0 && v <= 1);
  const top = bounded ? 1 : Math.max(...all, 0) * 1.1 || 1;
  const title = options.baseline ? `${metric}: this change (first bar) and baseline (second bar)` : metric;
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "${quote(title)}"`,
    `  x-axis [${labels.map((l) => `"${quote(l)}"`).join(', ')}]`,
    `  y-axis "${quote(metric)}" ${bounded ? 0 : Math.min(0, ...all)} --> ${round(top)}`,
    `  bar [${current.join(', ')}]`,
  ];
  if (options.baseline) lines.push(`  bar [${baseline.join(', ')}]`);
  lines.push('```');
  return lines;
}

function formatMetric(value: MetricValue | undefined, withInterval = true): string {
  if (!value || value.value === null) return '—';
  const interval =
    withInterval && value.lower !== null && value.upper !== null
      ? ` [${fixed(value.lower)}, ${fixed(value.upper)}]`
      : '';
  return `${fixed(value.value)}${interval}`;
}

function formatDelta(value: MetricValue | undefined, base: MetricValue | undefined): string {
  if (!value || value.value === null || !base || base.value === null) return '—';
  const delta = value.value - base.value;
  const better = value.direction === 'higher' ? delta > 0 : delta < 0;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const mark = Math.abs(delta) < 5e-4 ? '' : better ? ' 🟢' : ' 🔴';
  return `${sign}${fixed(Math.abs(delta))}${mark}`;
}

const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(3));
const round = (value: number) => Math.round(value * 1e4) / 1e4;
/**
 * Report text (slice and test-set names, example ids, reasons) is the user's: shown as text, never as
 * Markdown or HTML, and never as a mention. An example id `@acme/security-team` in a warning would
 * notify that team on every pull request; a zero-width space after the `@` keeps it readable, unlinked.
 * Only an `@` GitHub would read as a mention (not after a word: `repo@main`, `a@b.c`) is touched.
 */
const cell = (text: string) =>
  markdownSafe(text).replace(/(^|[^A-Za-z0-9_.-])@(?=[A-Za-z0-9])/g, '$1@\u200b');
/** Mermaid strings cannot hold double quotes, and a label must not end the code block or the line. */
const quote = (text: string) =>
  text
    .replace(/"/g, "'")
    .replace(/`/g, "'")
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/[\r\n]+/g, ' ');
