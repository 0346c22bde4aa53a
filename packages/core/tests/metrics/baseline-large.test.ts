// On a test set larger than the per-example sample (10,000), "worse than the baseline" is judged on every
// example, so the significance test must be too. These sets are built so that the sample shows no difference
// at all while the full data show a certain one: a test on the sample alone passes them.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hashId } from '../../src/metrics/id-hash.js';
import {
  buildEvalReport,
  type GateVerdict,
  ingestPredictions,
  type MetricsConfig,
} from '../../src/metrics/index.js';

const N = 200_000;
const SAMPLE = 10_000;
const context = {
  model: { name: 'probe' },
  commit: 'c0ffee',
  command: ['python3', 'eval.py'],
  runner: { name: 'runner', os: 'Linux' },
  gpus: [],
};
const ids = Array.from({ length: N }, (_, i) => `e${i}`);
/** The rows whose ids the bounded sample keeps: the SAMPLE smallest id hashes. */
const inSample = (() => {
  const order = ids.map((id, i) => [hashId(id), i] as const).sort((a, b) => a[0] - b[0]);
  const kept = new Uint8Array(N);
  for (const [, i] of order.slice(0, SAMPLE)) kept[i] = 1;
  return kept;
})();

/** Hands out row categories in order, separately inside and outside the sample. */
function assign(inside: Record<string, number>, outside: Record<string, number>): string[] {
  const take = (quota: Record<string, number>) => {
    for (const [kind, left] of Object.entries(quota)) {
      if (left > 0) {
        quota[kind] = left - 1;
        return kind;
      }
    }
    return 'both-right';
  };
  return ids.map((_, i) => take(inSample[i] ? inside : outside));
}

function report(config: MetricsConfig, lines: string[], baseline?: ReturnType<typeof buildEvalReport>) {
  return ingestPredictions(Readable.from([lines.join('\n')]), {
    task: config.task,
    testSet: 'big',
  }).then((result) =>
    buildEvalReport({ config, results: [result], context, ...(baseline ? { baseline } : {}) }),
  );
}

const baselineGate = (r: ReturnType<typeof buildEvalReport>): GateVerdict =>
  r.gates.find((gate) => gate.kind === 'baseline')!;

describe('baseline gates on a test set larger than the sample', () => {
  it('fail a drop in accuracy from 0.9005 to 0.8975 on 200,000 examples that the sample does not show', async () => {
    const config: MetricsConfig = {
      task: 'classification',
      classes: ['a', 'b'],
      'test-sets': [{ name: 'big', path: 'big.jsonl' }],
      baseline: { metrics: ['accuracy'], tolerance: 0, significance: 0.05 },
    };
    // In the sample: 250 right only in the baseline and 250 only in the change (McNemar's p = 1 there).
    // Outside it: 4,750 against 5,350. In all: 5,000 against 5,600, a full-data McNemar p of about 5.6e-9.
    const kinds = assign(
      { 'both-wrong': 900, 'baseline-wrong': 250, 'current-wrong': 250 },
      { 'both-wrong': 14_000, 'baseline-wrong': 4_750, 'current-wrong': 5_350 },
    );
    const rows = (wrong: (kind: string) => boolean) =>
      ids.map((id, i) => JSON.stringify({ id, label: 'a', prediction: wrong(kinds[i]!) ? 'b' : 'a' }));
    const baseline = await report(
      config,
      rows((kind) => kind === 'both-wrong' || kind === 'baseline-wrong'),
    );
    const current = await report(
      config,
      rows((kind) => kind === 'both-wrong' || kind === 'current-wrong'),
      baseline,
    );
    const gate = baselineGate(current);
    expect(gate).toMatchObject({ baseline: 0.9005, actual: 0.8975, test: 'mcnemar-mid-p', passed: false });
    expect(gate.pValue).toBeLessThan(1e-6);
    expect(gate.reason).toMatch(/significant \(p = .* < 0\.05\)/);
  });

  it('still pass a change that is no worse on the full data', async () => {
    const config: MetricsConfig = {
      task: 'classification',
      classes: ['a', 'b'],
      'test-sets': [{ name: 'big', path: 'big.jsonl' }],
      baseline: { metrics: ['accuracy'], tolerance: 0.001, significance: 0.05 },
    };
    // The sample sees the change lose 30 examples net, the full data only 100 of 200,000 (0.0005).
    const kinds = assign(
      { 'baseline-wrong': 200, 'current-wrong': 230 },
      { 'baseline-wrong': 4_800, 'current-wrong': 4_870 },
    );
    const rows = (wrong: string) =>
      ids.map((id, i) => JSON.stringify({ id, label: 'a', prediction: kinds[i] === wrong ? 'b' : 'a' }));
    const baseline = await report(config, rows('baseline-wrong'));
    const gate = baselineGate(await report(config, rows('current-wrong'), baseline));
    expect(gate).toMatchObject({ test: 'mcnemar-mid-p', passed: true });
    expect(gate.reason).toMatch(/within the tolerance/);
  });

  it('fail a rise in MAE on 200,000 examples that the sample does not show (paired bootstrap)', async () => {
    const config: MetricsConfig = {
      task: 'regression',
      'test-sets': [{ name: 'big', path: 'big.jsonl' }],
      baseline: { metrics: ['mae'], tolerance: 0, significance: 0.05 },
    };
    // The baseline is off by 1 everywhere. The change is off by 1.1 and 0.9 in turn in the sample (no
    // difference there), by 1.1 and 0.92 outside it: its MAE is about 0.0095 worse on the full data.
    let inside = 0;
    let outside = 0;
    const currentError = (i: number) =>
      inSample[i] ? (inside++ % 2 ? 0.9 : 1.1) : outside++ % 2 ? 0.92 : 1.1;
    const rows = (error: (i: number) => number) =>
      ids.map((id, i) => JSON.stringify({ id, label: i % 10, prediction: (i % 10) + error(i) }));
    const baseline = await report(
      config,
      rows(() => 1),
    );
    const gate = baselineGate(await report(config, rows(currentError), baseline));
    expect(gate).toMatchObject({ metric: 'mae', test: 'paired-bootstrap', passed: false });
    expect(gate.actual! - gate.baseline!).toBeCloseTo(0.0095, 3);
    expect(gate.pValue).toBeLessThan(0.01);
  });
});
