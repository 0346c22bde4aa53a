// The part of an eval report (schemas/eval-report.schema.json) a deployment PR shows: each test set's
// metrics beside those of the version now in the environment. Reads reports leniently: a report from an
// older or newer Slipway, or one that is not an eval report at all, yields a note instead of an error,
// because a missing summary must never block a deployment proposal.
import { markdownSafe } from '../errors/index.js';

export interface MetricRow {
  readonly testSet: string;
  readonly metric: string;
  readonly proposed: number | null;
  /** The value of the version now in the environment; undefined when unknown. */
  readonly current?: number | null;
  /** proposed − current, when both are numbers. */
  readonly delta?: number;
  readonly direction?: 'higher' | 'lower';
}

export interface EvalSummary {
  /** Whether every gate passed, as the report says. */
  readonly passed?: boolean;
  /** How many gates the report checked, when it lists them. */
  readonly gateCount?: number;
  readonly rows: readonly MetricRow[];
  readonly failedGates: readonly string[];
  /** Why the summary is partial or missing (unreadable report, no baseline). */
  readonly notes: readonly string[];
  /** The files evaluated, by sha256, as the report recorded them (publishing refuses any other bytes). */
  readonly evaluatedFiles?: readonly { readonly path: string; readonly digest: string }[];
  /** The training run the report carries. */
  readonly training?: { readonly commit: string; readonly wallTimeSeconds?: number };
  /** What the proposed version was compared with when it was evaluated. */
  readonly comparedWith?: string;
}

interface ReportMetrics {
  readonly passed?: boolean;
  readonly evaluatedFiles?: { path: string; digest: string }[];
  readonly training?: { commit: string; wallTimeSeconds?: number };
  readonly comparedWith?: string;
  readonly metrics: Map<string, { value: number | null; direction?: 'higher' | 'lower' }>;
  readonly gateBaselines: Map<string, number | null>;
  readonly failedGates: string[];
  readonly gateCount?: number;
}

const key = (testSet: string, metric: string) => `${testSet}\u0000${metric}`;

function readReport(report: unknown): ReportMetrics | string {
  if (!report || typeof report !== 'object') return 'the eval report is not a JSON object';
  const r = report as { kind?: unknown; testSets?: unknown; passed?: unknown; gates?: unknown };
  if (r.kind !== undefined && r.kind !== 'EvalReport')
    return `the eval report has kind ${String(r.kind)}, expected EvalReport`;
  if (!Array.isArray(r.testSets)) return 'the eval report has no testSets';
  const metrics = new Map<string, { value: number | null; direction?: 'higher' | 'lower' }>();
  for (const set of r.testSets as { name?: unknown; metrics?: unknown }[]) {
    if (!set || typeof set.name !== 'string' || !set.metrics || typeof set.metrics !== 'object') continue;
    for (const [name, m] of Object.entries(set.metrics as Record<string, unknown>)) {
      const value = typeof m === 'number' ? m : (m as { value?: unknown } | null)?.value;
      const direction = (m as { direction?: unknown } | null)?.direction;
      metrics.set(key(set.name, name), {
        value: typeof value === 'number' ? value : null,
        ...(direction === 'higher' || direction === 'lower' ? { direction } : {}),
      });
    }
  }
  const gateBaselines = new Map<string, number | null>();
  const failedGates: string[] = [];
  for (const gate of Array.isArray(r.gates) ? (r.gates as Record<string, unknown>[]) : []) {
    if (!gate || typeof gate.testSet !== 'string' || typeof gate.metric !== 'string') continue;
    const where = gate.slice ? `${gate.testSet}/${String(gate.slice)}` : gate.testSet;
    if (gate.passed === false)
      failedGates.push(`${where} ${gate.metric}: ${String(gate.reason ?? 'failed')}`);
    if (
      gate.kind === 'baseline' &&
      !gate.slice &&
      (typeof gate.baseline === 'number' || gate.baseline === null)
    ) {
      gateBaselines.set(key(gate.testSet, gate.metric), gate.baseline as number | null);
    }
  }
  const files = (report as { artifactFiles?: unknown }).artifactFiles;
  const evaluatedFiles = Array.isArray(files)
    ? (files as { path?: unknown; digest?: unknown }[])
        .filter((f) => typeof f?.path === 'string' && typeof f.digest === 'string')
        .map((f) => ({ path: f.path as string, digest: f.digest as string }))
    : undefined;
  const training = (report as { training?: { commit?: unknown; wallTimeSeconds?: unknown } }).training;
  const baseline = (report as { baseline?: Record<string, unknown> }).baseline;
  const comparedWith =
    baseline?.source === 'environment' && baseline.deployed === true
      ? `${String(baseline.version ?? 'the version')} deployed in ${String(baseline.environment)} (\`${String(baseline.artifact)}\`, eval report \`${String(baseline.reportDigest)}\`)`
      : baseline?.source === 'environment'
        ? `nothing: ${String(baseline.note ?? `nothing with an eval report was deployed in ${String(baseline.environment)}`)}`
        : undefined;
  return {
    ...(typeof r.passed === 'boolean' ? { passed: r.passed } : {}),
    metrics,
    gateBaselines,
    failedGates,
    ...(Array.isArray(r.gates) ? { gateCount: r.gates.length } : {}),
    ...(evaluatedFiles ? { evaluatedFiles } : {}),
    ...(training && typeof training.commit === 'string'
      ? {
          training: {
            commit: training.commit,
            ...(typeof training.wallTimeSeconds === 'number'
              ? { wallTimeSeconds: training.wallTimeSeconds }
              : {}),
          },
        }
      : {}),
    ...(comparedWith ? { comparedWith } : {}),
  };
}

/**
 * Compares the proposed version's report with the current one's. Without a current report, the
 * baseline values its own baseline gates recorded are used (they compare with the deployed model).
 */
export function summarizeEval(proposed: unknown, current?: unknown): EvalSummary {
  const notes: string[] = [];
  const mine = readReport(proposed);
  if (typeof mine === 'string') return { rows: [], failedGates: [], notes: [`No metrics shown: ${mine}.`] };
  let theirs: ReportMetrics | undefined;
  if (current !== undefined) {
    const read = readReport(current);
    if (typeof read === 'string') notes.push(`No comparison with the current version: ${read}.`);
    else theirs = read;
  } else if (mine.gateBaselines.size === 0) {
    notes.push(
      'No eval report of the version now in this environment was given, so no metric diff is shown.',
    );
  }
  const rows: MetricRow[] = [];
  for (const [id, metric] of mine.metrics) {
    const [testSet = '', name = ''] = id.split('\u0000');
    const currentValue = theirs ? theirs.metrics.get(id)?.value : mine.gateBaselines.get(id);
    const known = theirs ? theirs.metrics.has(id) : mine.gateBaselines.has(id);
    const delta =
      typeof currentValue === 'number' && typeof metric.value === 'number'
        ? metric.value - currentValue
        : undefined;
    rows.push({
      testSet,
      metric: name,
      proposed: metric.value,
      ...(known ? { current: currentValue ?? null } : {}),
      ...(delta !== undefined ? { delta } : {}),
      ...(metric.direction ? { direction: metric.direction } : {}),
    });
  }
  return {
    ...(mine.passed !== undefined ? { passed: mine.passed } : {}),
    ...(mine.gateCount !== undefined ? { gateCount: mine.gateCount } : {}),
    rows,
    failedGates: mine.failedGates,
    notes,
    ...(mine.evaluatedFiles ? { evaluatedFiles: mine.evaluatedFiles } : {}),
    ...(mine.training ? { training: mine.training } : {}),
    ...(mine.comparedWith ? { comparedWith: mine.comparedWith } : {}),
  };
}

const format = (n: number | null | undefined) =>
  n === undefined ? '—' : n === null ? 'n/a' : Number(n.toPrecision(4)).toString();

/** A signed delta with an arrow that says whether it is better (▲) or worse (▼) for the metric. */
function formatDelta(row: MetricRow): string {
  if (row.delta === undefined) return '—';
  if (row.delta === 0) return '±0';
  const better = row.direction === 'lower' ? row.delta < 0 : row.delta > 0;
  const sign = row.delta > 0 ? '+' : '−';
  return `${sign}${format(Math.abs(row.delta))} ${row.direction ? (better ? '▲' : '▼') : ''}`.trimEnd();
}

/** GitHub refuses PR bodies over 65,536 characters; a report with hundreds of metrics must still fit. */
export const maxTableRows = 60;
/** Failed gates listed one per line before the rest are counted. */
export const maxFailedGates = 50;

/** Markdown: verdict line, failed gates, then one table row per test set and metric (at most maxTableRows). */
export function renderProposalEvalSummary(summary: EvalSummary, environment: string): string {
  const lines: string[] = [];
  // A report without gates checked nothing; "all gates passed" would read as a check that happened.
  if (summary.gateCount === 0)
    lines.push('No evaluation gates: the project sets none, so nothing was checked.');
  else if (summary.passed !== undefined)
    lines.push(summary.passed ? 'All evaluation gates passed.' : '**Some evaluation gates failed.**');
  for (const gate of summary.failedGates.slice(0, maxFailedGates)) lines.push(`- ❌ ${markdownSafe(gate)}`);
  if (summary.failedGates.length > maxFailedGates)
    lines.push(`- …and ${summary.failedGates.length - maxFailedGates} more failed gates in the eval report.`);
  if (summary.rows.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(
      `| Test set | Metric | Now in ${environment} | Proposed | Change |`,
      '|---|---|---:|---:|---:|',
    );
    for (const row of summary.rows.slice(0, maxTableRows)) {
      lines.push(
        `| ${markdownSafe(row.testSet)} | ${markdownSafe(row.metric)} | ${format(row.current)} | ${format(row.proposed)} | ${formatDelta(row)} |`,
      );
    }
    const hidden = summary.rows.length - maxTableRows;
    if (hidden > 0) lines.push('', `_…and ${hidden} more metrics in the eval report._`);
  }
  for (const note of summary.notes) lines.push('', `_${markdownSafe(note)}_`);
  if (summary.comparedWith) lines.push('', `Evaluated against ${summary.comparedWith}.`);
  if (summary.evaluatedFiles && summary.evaluatedFiles.length > 0) {
    lines.push(
      '',
      `Evaluated files: publish-model checks every file against these digests before it publishes and refuses other bytes; the artifact's \`dev.slipway.evaluated-files: match\` annotation records that they matched.`,
      '',
      ...summary.evaluatedFiles.slice(0, 20).map((file) => `- \`${file.path}\` \`${file.digest}\``),
    );
    if (summary.evaluatedFiles.length > 20) lines.push(`- …and ${summary.evaluatedFiles.length - 20} more`);
  }
  if (summary.training) {
    lines.push(
      '',
      `Trained on the runner at \`${summary.training.commit.slice(0, 12)}\`${summary.training.wallTimeSeconds !== undefined ? ` in ${summary.training.wallTimeSeconds} s` : ''}; the training record is attached to the artifact.`,
    );
  }
  return lines.join('\n').trim();
}
