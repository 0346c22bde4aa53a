// The summary is also the sticky PR comment: it fits GitHub's limit with room for the marker line, never
// leaves the chart's code block open, and never mentions anyone an example id names.
import { describe, expect, it } from 'vitest';
import { fitBody } from '../../src/errors/index.js';
import { EVAL_SUMMARY_LIMIT, renderEvalSummary } from '../../src/eval/summary.js';
import type { EvalReport, MetricValue, ReportWarning } from '../../src/metrics/index.js';

const metric = (value: number): MetricValue => ({
  value,
  lower: value - 0.05,
  upper: value + 0.02,
  n: 300,
  method: 'wilson',
  direction: 'higher',
});

function report(warnings: ReportWarning[]): EvalReport {
  return {
    apiVersion: 'slipway.dev/v1',
    kind: 'EvalReport',
    model: { name: 'probe' },
    commit: '0123456789abcdef0123456789abcdef01234567',
    command: ['python3', 'eval.py'],
    runner: { name: 'runner', os: 'Linux' },
    gpus: [],
    task: 'classification',
    confidence: 0.95,
    bootstrap: { samples: 1000, seed: 42 },
    testSets: [{ name: 't', hardCase: false, n: 300, metrics: { accuracy: metric(0.9) }, slices: [] }],
    gates: [],
    passed: true,
    warnings,
  };
}

const limitNotes = (count: number, length: number): ReportWarning[] =>
  Array.from({ length: count }, (_, i) => ({
    kind: 'limit',
    testSet: 't',
    message: `${i} ${'x'.repeat(length)}`,
  }));
const fences = (text: string) => (text.match(/```/g) ?? []).length;

describe('the summary as a pull-request comment', () => {
  it('between 65,000 and its limit, is posted whole: the chart’s code block stays closed', () => {
    // Sized so that the chart starts before character 65,000 and ends after it, where the comment used to cut.
    let summary = '';
    search: for (let count = 280; count < 300; count++) {
      for (let extra = 0; extra < 200; extra += 3) {
        const warnings = limitNotes(count, 200);
        warnings[0]!.message += 'y'.repeat(extra);
        summary = renderEvalSummary(report(warnings), { reportPath: 'report.json' });
        const fence = summary.indexOf('```mermaid');
        if (fence < 65_000 && summary.indexOf('```\n', fence + 3) > 65_000) break search;
      }
    }
    expect(summary.length).toBeGreaterThan(65_000);
    expect(summary.length).toBeLessThanOrEqual(EVAL_SUMMARY_LIMIT);
    // What the comment posts: the same limit, so nothing more is cut.
    expect(fitBody(summary, { limit: EVAL_SUMMARY_LIMIT, rest: 'x' })).toBe(summary);
    expect(fences(summary)).toBe(2);
  });

  it('too long, loses the chart rather than cut inside it, and says where the rest is', () => {
    const summary = renderEvalSummary(report(limitNotes(400, 300)), { reportPath: 'report.json' });
    expect(summary.length).toBeLessThanOrEqual(EVAL_SUMMARY_LIMIT);
    expect(fences(summary)).toBe(0);
    expect(summary).toMatch(
      /_…cut to fit GitHub's 65,280-character limit\. The full report is report\.json\._\n$/,
    );
  });

  it('shows an example id that looks like a mention as text, so nobody is notified', () => {
    const summary = renderEvalSummary(
      report([
        {
          kind: 'duplicate-id',
          testSet: 't',
          message: '1 example repeated an earlier example id',
          count: 1,
          examples: ['@acme/security-team', 'user@example.com'],
        },
      ]),
    );
    // Only what GitHub reads as a mention: an @ after a word (an email, repo@ref) mentions nobody.
    expect(summary).not.toMatch(/(^|[^A-Za-z0-9_.-])@[A-Za-z0-9]/m);
    expect(summary).toContain('(e.g. @\u200bacme/security-team, user@example.com)');
  });
});
