import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildEvalReport,
  type EvalReport,
  ingestPredictions,
  type MetricsConfig,
  type PartialResult,
  readEvalReport,
  validateEvalReport,
} from '../../src/metrics/index.js';

const work = mkdtempSync(join(tmpdir(), 'slipway-metrics-report-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const context = {
  model: { name: 'iris', version: '1.2.0' },
  commit: '0123abc',
  command: ['python3', 'eval.py'],
  runner: { name: 'gpu-1', os: 'Linux' },
  gpus: [{ name: 'NVIDIA H100', memoryMiB: 81559, driver: '550.54' }],
};
const config = (extra: Partial<MetricsConfig> = {}): MetricsConfig => ({
  task: 'classification',
  classes: ['a', 'b'],
  'test-sets': [
    {
      name: 'main',
      path: 'data',
      thresholds: [{ metric: 'accuracy', value: 0.8, direction: 'higher' }],
      slices: [{ name: 'night', thresholds: [{ metric: 'accuracy', value: 0.95, direction: 'higher' }] }],
    },
  ],
  ...extra,
});

/** n examples; the first `wrong` of them mispredicted; every third tagged night. */
async function predictions(
  n: number,
  wrong: (i: number) => boolean,
  options: { night?: boolean } = {},
): Promise<PartialResult> {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2 === 0 ? 'a' : 'b';
    const prediction = wrong(i) ? (label === 'a' ? 'b' : 'a') : label;
    rows.push(
      JSON.stringify({
        id: `e${i}`,
        label,
        prediction,
        slices: options.night !== false && i % 3 === 0 ? ['night'] : [],
      }),
    );
  }
  return ingestPredictions(Readable.from([rows.join('\n')]), {
    task: 'classification',
    testSet: 'main',
    classes: ['a', 'b'],
    slices: ['night'],
  });
}

describe('the eval report', () => {
  it('carries model identity, runner, GPUs, metrics with intervals and a verdict per gate', async () => {
    const report = buildEvalReport({
      config: config(),
      results: [await predictions(300, (i) => i % 10 === 0)],
      context,
    });
    expect(validateEvalReport(JSON.parse(JSON.stringify(report)), 'report')).toBeTruthy();
    expect(report).toMatchObject({
      model: context.model,
      commit: '0123abc',
      gpus: context.gpus,
      task: 'classification',
    });
    const accuracy = report.testSets[0]!.metrics['accuracy']!;
    expect(accuracy).toMatchObject({ value: 0.9, n: 300, method: 'wilson' });
    expect(report.gates.map((g) => [g.slice ?? 'all', g.metric, g.passed])).toEqual([
      ['all', 'accuracy', true],
      ['night', 'accuracy', false],
    ]);
    expect(report.passed).toBe(false);
  });

  it('fails on a configured slice with no examples, or lists it as a warning when so configured', async () => {
    const partial = await predictions(30, () => false, { night: false });
    expect(() => buildEvalReport({ config: config(), results: [partial], context })).toThrow(
      /slice 'night' of test set 'main' has no examples/,
    );
    const report = buildEvalReport({
      config: config({ problems: { 'missing-slice': 'warning' } }),
      results: [partial],
      context,
    });
    expect(report.warnings).toContainEqual(
      expect.objectContaining({ kind: 'missing-slice', slice: 'night' }),
    );
    // Its threshold cannot pass on no data.
    expect(report.gates.find((g) => g.slice === 'night')!.passed).toBe(false);
  });

  it('fails on an empty test set', async () => {
    const empty = await ingestPredictions(Readable.from(['']), {
      task: 'classification',
      testSet: 'main',
      classes: ['a', 'b'],
    });
    expect(() =>
      buildEvalReport({
        config: config({ problems: { 'missing-slice': 'warning' } }),
        results: [empty],
        context,
      }),
    ).toThrow(/test set 'main' has no examples/);
  });
});

describe('comparing with the baseline report', () => {
  const baselineConfig = (tolerance: number) =>
    config({
      'test-sets': [{ name: 'main', path: 'data' }],
      baseline: { metrics: ['accuracy'], tolerance, significance: 0.05 },
    });

  it("fails a significant drop in accuracy using McNemar's test on the paired examples", async () => {
    const baseline = buildEvalReport({
      config: baselineConfig(0),
      results: [await predictions(400, (i) => i % 20 === 0)],
      context,
    });
    const worse = buildEvalReport({
      config: baselineConfig(0),
      results: [await predictions(400, (i) => i % 5 === 0)],
      context,
      baseline,
    });
    const gate = worse.gates.find((g) => g.kind === 'baseline')!;
    expect(gate).toMatchObject({
      metric: 'accuracy',
      test: 'mcnemar-mid-p',
      baseline: 0.95,
      actual: 0.8,
      passed: false,
    });
    // Discordant pairs: 60 right only in the baseline, 0 only in the change.
    expect(gate.pValue).toBeLessThan(1e-15);
  });

  it('passes a drop within the tolerance, and a drop that is not significant', async () => {
    const baseline = buildEvalReport({
      config: baselineConfig(0),
      results: [await predictions(400, (i) => i % 20 === 0)],
      context,
    });
    const slightly = await predictions(400, (i) => i % 20 === 0 || i === 1);
    expect(
      buildEvalReport({ config: baselineConfig(0.01), results: [slightly], context, baseline }).passed,
    ).toBe(true);
    const gate = buildEvalReport({ config: baselineConfig(0), results: [slightly], context, baseline })
      .gates[0]!;
    expect(gate).toMatchObject({ passed: true, test: 'mcnemar-mid-p' });
    expect(gate.reason).toMatch(/not significant/);
  });

  it('uses the two-proportion z-test when the examples cannot be paired', async () => {
    const baseline: EvalReport = buildEvalReport({
      config: baselineConfig(0),
      results: [await predictions(400, (i) => i % 20 === 0)],
      context,
    });
    for (const set of baseline.testSets) delete set.sample;
    const worse = buildEvalReport({
      config: baselineConfig(0),
      results: [await predictions(400, (i) => i % 5 === 0)],
      context,
      baseline,
    });
    expect(worse.gates[0]).toMatchObject({ test: 'two-proportion-z', passed: false });
  });

  it('reads a baseline report file and rejects one that is not a report, naming the field', async () => {
    const good = buildEvalReport({
      config: config(),
      results: [await predictions(60, () => false)],
      context,
    });
    const goodPath = join(work, 'baseline.json');
    writeFileSync(goodPath, JSON.stringify(good));
    expect((await readEvalReport(goodPath)).testSets[0]!.name).toBe('main');

    const badPath = join(work, 'bad-baseline.json');
    writeFileSync(badPath, JSON.stringify({ ...good, passed: 'yes' }));
    await expect(readEvalReport(badPath)).rejects.toThrow(
      /bad-baseline\.json: is not an eval report .* at \/passed: must be boolean/,
    );
    const notJson = join(work, 'not-json.json');
    writeFileSync(notJson, 'passed: true');
    await expect(readEvalReport(notJson)).rejects.toThrow(/not-json\.json: not valid JSON/);
  });
});
