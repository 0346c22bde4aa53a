// accuracy-test, run exactly as the GitHub runner runs it, on the iris example's real evaluation
// (python3 eval.py over the shipped test sets and weights).
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '../../packages/core/src/metrics/index.js';
import { repoRoot } from '../harness/run-action.js';
import {
  cleanupAll,
  failureOf,
  fixtures,
  irisWorkspace,
  readJson,
  runAccuracyTest,
} from './accuracy-test.helpers.js';

const run = promisify(execFile);
const ajv = new Ajv2020({ allErrors: true, strict: false });
// The eval report embeds the training record's schema by its $id.
ajv.addSchema((await readJson(join(repoRoot, 'schemas/training-record.schema.json'))) as object);
const reportSchema = await readJson(join(repoRoot, 'schemas/eval-report.schema.json'));
const isValidReport = ajv.compile(reportSchema as object);
afterAll(cleanupAll);

/** What must be equal between two reports of the same predictions, whoever ran them and when. */
const verdicts = (report: EvalReport) => ({
  testSets: report.testSets,
  gates: report.gates,
  passed: report.passed,
  warnings: report.warnings,
});

describe('accuracy-test on the iris example', () => {
  it('passes the example model and writes a valid report, outputs and summary tables', async () => {
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(workspace, { config: 'slipway.yaml' });
    expect(failureOf(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.passed).toBe('true');
    expect(result.outputs['report-path']).toBe(join(workspace, '.slipway/eval/report.json'));

    const report = await readJson<EvalReport>(result.outputs['report-path']!);
    expect(isValidReport(report), JSON.stringify(isValidReport.errors)).toBe(true);
    expect(report.model).toEqual({ name: 'iris-classifier', version: '1.0.0' });
    expect(report.commit).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(report.command).toEqual(['python3', 'eval.py']);
    expect(report.gpus).toEqual([]);
    const holdout = report.testSets.find((set) => set.name === 'holdout')!;
    const hard = report.testSets.find((set) => set.name === 'hard-cases')!;
    expect(holdout.n).toBe(30);
    expect(holdout.metrics.accuracy?.value).toBe(1);
    expect(hard.hardCase).toBe(true);
    expect(hard.n).toBe(26);
    expect(hard.metrics.accuracy?.value).toBeCloseTo(16 / 26, 12);
    // Wilson interval around 16/26 at 95%.
    expect(hard.metrics.accuracy?.lower).toBeCloseTo(0.42535, 4);
    expect(hard.metrics.accuracy?.upper).toBeCloseTo(0.77571, 4);
    expect(hard.slices.map((s) => s.name)).toEqual([
      'species:versicolor',
      'species:virginica',
      'petal:medium',
      'petal:large',
    ]);
    expect(report.gates.length).toBeGreaterThan(5);
    expect(report.gates.every((gate) => gate.passed)).toBe(true);

    expect(result.outputs.summary).toBe(result.summary);
    expect(result.summary).toContain('## ✅ Accuracy test passed: iris-classifier 1.0.0');
    expect(result.summary).toContain('### Test set `hard-cases` (hard cases): 26 examples');
    expect(result.summary).toMatch(/\| species:virginica \| \d+ \| /);
    expect(result.summary).toContain('### Gates');
    expect(result.summary).toContain('```mermaid\nxychart-beta');
    // The eval command's own output is streamed to the log, prefixed with its test set.
    expect(result.stdout).toContain('[holdout] holdout shard 1/1: wrote 30 predictions');
  });

  it('fails with a clear verdict when a threshold cannot be met', async () => {
    const workspace = await irisWorkspace((config) => {
      config.setIn(['test-sets', 1, 'thresholds', 0, 'value'], 0.99);
    });
    const result = await runAccuracyTest(workspace);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.passed).toBe('false');
    expect(failureOf(result)).toMatch(/1 of \d+ gates failed:\n {2}hard-cases: accuracy 0\.615.*0\.99/);
    expect(result.summary).toContain('## ❌ Accuracy test failed: iris-classifier 1.0.0 (1 of');
    expect(result.summary).toMatch(/\| ❌ \| hard-cases \| all \| accuracy \| ≥ 0\.990 \| 0\.615 \|/);
    // The report is still written: it is the evidence of the failure.
    const report = await readJson<EvalReport>(result.outputs['report-path']!);
    expect(report.passed).toBe(false);
  });

  it('fails a change that is significantly worse than the baseline on the hard cases', async () => {
    // The baseline: the model as it was when the hard cases were still in its training data.
    const workspace = await irisWorkspace();
    const trainPlus = join(workspace, 'data', 'train-plus-hard.csv');
    await run('python3', [
      '-c',
      'import sys; a=open(sys.argv[1]).read(); b=open(sys.argv[2]).read().split("\\n",1)[1]; open(sys.argv[3],"w").write(a+b)',
      join(workspace, 'data/train.csv'),
      join(workspace, 'data/hard-cases.csv'),
      trainPlus,
    ]);
    const better = join(workspace, 'model', 'before.json');
    await run(
      'python3',
      [
        'train.py',
        '--train',
        trainPlus,
        '--out',
        better,
        '--epochs',
        '4000',
        '--l2',
        '0',
        '--learning-rate',
        '1',
      ],
      { cwd: workspace },
    );
    const before = await runAccuracyTest(
      workspace,
      { 'report-path': 'baseline/report.json' },
      { env: { IRIS_WEIGHTS: better } },
    );
    expect(before.outputs.passed).toBe('true');
    const baseline = await readJson<EvalReport>(before.outputs['report-path']!);
    expect(baseline.testSets[1]?.metrics.accuracy?.value).toBeGreaterThan(0.85);

    const result = await runAccuracyTest(workspace, { baseline: 'baseline/report.json' });
    expect(result.exitCode).toBe(1);
    const report = await readJson<EvalReport>(result.outputs['report-path']!);
    const regression = report.gates.find(
      (g) => g.kind === 'baseline' && g.testSet === 'hard-cases' && !g.slice && g.metric === 'accuracy',
    )!;
    expect(regression.passed).toBe(false);
    expect(regression.test).toBe('mcnemar-mid-p');
    expect(regression.pValue).toBeLessThan(0.05);
    expect(regression.baseline).toBeGreaterThan(0.85);
    // Where both are equally perfect, nothing regressed.
    expect(
      report.gates.find(
        (g) => g.kind === 'baseline' && g.testSet === 'holdout' && !g.slice && g.metric === 'accuracy',
      )?.passed,
    ).toBe(true);
    expect(failureOf(result)).toMatch(/hard-cases/);
    expect(result.summary).toContain('| Slice | n | accuracy | baseline | Δ |');
    expect(result.summary).toMatch(
      /\| \*\*all\*\* \| 26 \| 0\.615 \[[0-9.]+, [0-9.]+\] \| 0\.885 \| −0\.269 🔴 \|/,
    );
  });

  it('merges matrix shards 0..2 of 3 into a report identical to an unsharded run', async () => {
    const workspace = await irisWorkspace();
    const whole = await runAccuracyTest(workspace, { 'report-path': 'whole.json' });
    expect(whole.exitCode).toBe(0);

    for (const index of [0, 1, 2]) {
      const shard = await runAccuracyTest(workspace, { 'shard-index': String(index), 'shard-count': '3' });
      expect(failureOf(shard)).toBe('');
      expect(shard.exitCode).toBe(0);
      expect(shard.outputs.passed).toBe('');
      expect(shard.outputs['partials-dir']).toBe(join(workspace, '.slipway/eval/partials'));
      expect(shard.summary).toContain(`## Accuracy test: shard ${index + 1} of 3`);
    }
    expect((await readdir(join(workspace, '.slipway/eval/partials'))).sort()).toEqual([
      'hard-cases.shard-0-of-3.json',
      'hard-cases.shard-1-of-3.json',
      'hard-cases.shard-2-of-3.json',
      'holdout.shard-0-of-3.json',
      'holdout.shard-1-of-3.json',
      'holdout.shard-2-of-3.json',
    ]);

    const merged = await runAccuracyTest(workspace, { mode: 'merge', 'report-path': 'merged.json' });
    expect(failureOf(merged)).toBe('');
    expect(merged.exitCode).toBe(0);
    expect(merged.stdout).toContain('Merged 6 partial result files');
    const [a, b] = [
      await readJson<EvalReport>(join(workspace, 'whole.json')),
      await readJson<EvalReport>(join(workspace, 'merged.json')),
    ];
    expect(verdicts(b)).toEqual(verdicts(a));
  });

  it('runs one shard per GPU in parallel on a two-GPU runner and merges them into the unsharded result', async () => {
    const workspace = await irisWorkspace();
    const whole = await runAccuracyTest(workspace, { 'report-path': 'whole.json' });
    expect(whole.exitCode).toBe(0);
    // This machine has no GPU: a stand-in nvidia-smi on PATH describes two.
    const gpuRunner = { env: { PATH: `${fixtures}:${process.env.PATH}` } };
    const result = await runAccuracyTest(
      workspace,
      {
        command: `python3 ${join(fixtures, 'gpu_eval.py')}`,
        'require-gpu': 'true',
        'report-path': 'gpus.json',
      },
      gpuRunner,
    );
    expect(failureOf(result)).toBe('');
    expect(result.stdout).toContain(
      'GPUs: #0 NVIDIA H100 80GB HBM3, 81559 MiB, driver 550.54.15; #1 NVIDIA H100 80GB HBM3',
    );
    expect(result.stdout).toContain('[holdout 1/2] CUDA_VISIBLE_DEVICES=0 shard=0/2');
    expect(result.stdout).toContain('[holdout 2/2] CUDA_VISIBLE_DEVICES=1 shard=1/2');
    const report = await readJson<EvalReport>(join(workspace, 'gpus.json'));
    expect(report.gpus).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, driver: '550.54.15' },
      { name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, driver: '550.54.15' },
    ]);
    expect(verdicts(report)).toEqual(verdicts(await readJson<EvalReport>(join(workspace, 'whole.json'))));
  });

  it('refuses to merge when a shard is missing, naming it', async () => {
    const workspace = await irisWorkspace();
    for (const index of [0, 2])
      await runAccuracyTest(workspace, { 'shard-index': String(index), 'shard-count': '3' });
    const merged = await runAccuracyTest(workspace, { mode: 'merge' });
    expect(merged.exitCode).toBe(1);
    expect(failureOf(merged)).toMatch(
      /test set 'holdout' do not cover it exactly once: missing shard 1\/3\. Found .*holdout\.shard-0-of-3\.json \(0\/3\)/,
    );
  });

  it('evaluates only the test sets asked for', async () => {
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(workspace, { 'test-sets': 'hard-cases' });
    expect(result.exitCode).toBe(0);
    const report = await readJson<EvalReport>(result.outputs['report-path']!);
    expect(report.testSets.map((set) => set.name)).toEqual(['hard-cases']);
    const typo = await runAccuracyTest(workspace, { 'test-sets': 'hard-case' });
    expect(failureOf(typo)).toMatch(/Unknown test set 'hard-case'.*Did you mean 'hard-cases'\?/);
  });
});
