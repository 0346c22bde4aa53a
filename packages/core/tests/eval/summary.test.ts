import { describe, expect, it } from 'vitest';
import { gatesVerdict, renderEvalSummary, shownMetrics } from '../../src/eval/summary.js';
import type { EvalReport, MetricValue } from '../../src/metrics/index.js';

const metric = (value: number, n: number): MetricValue => ({
  value,
  lower: Math.max(0, value - 0.1),
  upper: Math.min(1, value + 0.05),
  n,
  method: 'wilson',
  direction: 'higher',
});

function report(accuracy: number, sliceAccuracy: number, passed: boolean): EvalReport {
  return {
    apiVersion: 'slipway.dev/v1',
    kind: 'EvalReport',
    model: { name: 'iris-classifier', version: '1.0.0' },
    commit: '0123456789abcdef0123456789abcdef01234567',
    command: ['python3', 'eval.py'],
    runner: { name: 'gpu-runner-1', os: 'Linux' },
    gpus: [{ name: 'NVIDIA H100', memoryMiB: 81559, driver: '550.54' }],
    task: 'classification',
    confidence: 0.95,
    bootstrap: { samples: 1000, seed: 42 },
    testSets: [
      {
        name: 'hard-cases',
        hardCase: true,
        n: 26,
        metrics: { accuracy: metric(accuracy, 26), 'macro-f1': metric(0.6, 26) },
        slices: [
          {
            name: 'species:virginica',
            n: 8,
            metrics: { accuracy: metric(sliceAccuracy, 8), 'macro-f1': metric(0.5, 8) },
          },
        ],
      },
    ],
    gates: [
      {
        testSet: 'hard-cases',
        slice: 'species:virginica',
        metric: 'accuracy',
        kind: 'threshold',
        direction: 'higher',
        expected: 0.9,
        actual: sliceAccuracy,
        passed,
        reason: passed ? 'accuracy 0.950 ≥ 0.9' : 'accuracy 0.500 < 0.9 | needed',
      },
    ],
    passed,
    warnings: [],
  };
}

describe('the job summary', () => {
  it('shows the task’s metrics and every gated one', () => {
    expect(shownMetrics(report(0.6, 0.5, false))).toEqual(['accuracy', 'macro-f1']);
  });

  it('leads with the verdict and lists failed gates with their reason, escaping table pipes', () => {
    const text = renderEvalSummary(report(0.615, 0.5, false));
    expect(text.split('\n')[0]).toBe(
      '## ❌ Accuracy test failed: iris-classifier 1.0.0 (1 of 1 gates failed)',
    );
    expect(text).toContain('### Test set `hard-cases` (hard cases): 26 examples');
    expect(text).toContain('| **all** | 26 | 0.615 [0.515, 0.665] | 0.600 [0.500, 0.650] |');
    expect(text).toContain(
      '| ❌ | hard-cases | species:virginica | accuracy | ≥ 0.900 | 0.500 | accuracy 0.500 &lt; 0.9 \\| needed |',
    );
    expect(text).toContain('NVIDIA H100 (81559 MiB)');
  });

  it('says there were no gates instead of "all 0 gates passed"', () => {
    const text = renderEvalSummary({ ...report(0.9, 0.95, true), gates: [] });
    expect(text).toContain(
      'No gates: the project sets no thresholds or baseline checks, so nothing was checked.',
    );
    expect(text).not.toMatch(/all 0|0 gates/i);
    expect(gatesVerdict([])).not.toMatch(/passed/);
    expect(gatesVerdict(report(0.9, 0.95, true).gates)).toBe('The 1 gate passed');
  });

  it('puts the baseline beside each metric with the difference, and charts both', () => {
    const text = renderEvalSummary(report(0.615, 0.5, true), { baseline: report(0.7, 0.75, true) });
    expect(text).toContain('| Slice | n | accuracy | baseline | Δ | macro-f1 | baseline | Δ |');
    expect(text).toContain('| species:virginica | 8 | 0.500 [0.400, 0.550] | 0.750 | −0.250 🔴 |');
    expect(text).toContain(
      '```mermaid\nxychart-beta\n  title "accuracy: this change (first bar) and baseline (second bar)"',
    );
    expect(text).toContain('  x-axis ["hard-cases", "hard-cases/species:virginica"]');
    expect(text).toContain('  bar [0.615, 0.5]\n  bar [0.7, 0.75]\n```');
  });
});
