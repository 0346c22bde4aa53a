import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildEvalReport,
  DataProblemError,
  type IngestOptions,
  ingestMetricsFile,
  ingestPredictions,
  MetricsInputError,
  type PartialResult,
} from '../../src/metrics/index.js';

const work = mkdtempSync(join(tmpdir(), 'slipway-metrics-ingest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}
const lines = (...rows: unknown[]) =>
  rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const classification: IngestOptions = {
  task: 'classification',
  testSet: 'main',
  classes: ['cat', 'dog', 'bird'],
};

const classificationConfig = {
  task: 'classification',
  classes: ['cat', 'dog', 'bird'],
  'test-sets': [{ name: 'main', path: 'm' }],
} as const;

/** The eval report of one test set's result, with a fixed context. */
const reportOf = (partial: PartialResult, config: Parameters<typeof buildEvalReport>[0]['config']) =>
  buildEvalReport({
    config,
    results: [partial],
    context: {
      model: { name: 'm' },
      commit: 'c',
      command: 'e',
      runner: { name: 'r', os: 'Linux' },
      gpus: [],
    },
  });

describe('ingesting classification predictions', () => {
  it('counts the confusion matrix and gives hand-computed accuracy, precision, recall and F1', async () => {
    const rows = [
      ['cat', 'cat'],
      ['cat', 'cat'],
      ['cat', 'dog'],
      ['dog', 'dog'],
      ['dog', 'cat'],
      ['dog', 'dog'],
      ['bird', 'bird'],
      ['bird', 'dog'],
    ].map(([label, prediction], i) => ({ id: `x${i}`, label, prediction }));
    const partial = await ingestPredictions(file('c.jsonl', `${lines(...rows)}\n`), classification);
    expect(partial.overall.confusion).toEqual({
      classes: ['cat', 'dog', 'bird'],
      matrix: [
        [2, 1, 0],
        [1, 2, 0],
        [0, 1, 1],
      ],
    });
    const report = reportOf(partial, classificationConfig);
    const set = report.testSets[0]!;
    expect(set.metrics['accuracy']!.value).toBe(5 / 8);
    // cat: P 2/3 R 2/3 F1 2/3; dog: P 2/4 R 2/3 F1 4/7; bird: P 1/1 R 1/2 F1 2/3.
    expect(set.metrics['precision.dog']!.value).toBe(0.5);
    expect(set.metrics['recall.bird']!.value).toBe(0.5);
    expect(set.metrics['macro-precision']!.value).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12);
    expect(set.metrics['macro-recall']!.value).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 2) / 3, 12);
    expect(set.metrics['macro-f1']!.value).toBeCloseTo((2 / 3 + 4 / 7 + 2 / 3) / 3, 12);
    const f1 = set.metrics['macro-f1']!;
    expect(f1.method).toBe('bootstrap');
    expect(f1.lower!).toBeLessThanOrEqual(f1.value!);
    expect(f1.upper!).toBeGreaterThanOrEqual(f1.value!);
  });

  it('keeps statistics per configured slice from the slice tags', async () => {
    const partial = await ingestPredictions(
      Readable.from([
        lines(
          { id: 1, label: 'cat', prediction: 'cat', slices: ['night'] },
          { id: 2, label: 'dog', prediction: 'cat', slices: ['night', 'rain'] },
          { id: 3, label: 'dog', prediction: 'dog' },
        ),
      ]),
      { ...classification, slices: ['night'] },
    );
    expect(partial.overall.n).toBe(3);
    expect(Object.keys(partial.slices)).toEqual(['night']);
    expect(partial.slices['night']!.n).toBe(2);
  });

  it('names the file and line of a line that is not JSON', async () => {
    const path = file(
      'bad.jsonl',
      lines({ id: 'a', label: 'cat', prediction: 'cat' }, '{"id": "b", "label": "cat",'),
    );
    await expect(ingestPredictions(path, classification)).rejects.toThrow(
      new RegExp(`${path}:2: not valid JSON .*Expected one JSON object per line`),
    );
  });

  it('says which field is wrong and what was expected', async () => {
    const path = file('fields.jsonl', lines({ id: 'a', label: 'cat' }));
    await expect(ingestPredictions(path, classification)).rejects.toThrow(
      `${path}:1: "prediction" is missing.`,
    );
    const ids = file('ids.jsonl', lines({ id: ['a'], label: 'cat', prediction: 'cat' }));
    await expect(ingestPredictions(ids, classification)).rejects.toThrow(
      `${ids}:1: "id" is an array. Expected a non-empty string or an integer.`,
    );
    await expect(ingestPredictions(join(work, 'absent.jsonl'), classification)).rejects.toBeInstanceOf(
      MetricsInputError,
    );
  });

  it('stops on a label outside the classes unless unknown-label is a warning', async () => {
    const path = file(
      'unknown.jsonl',
      lines({ id: 'a', label: 'cat', prediction: 'cat' }, { id: 'b', label: 'cow', prediction: 'cat' }),
    );
    await expect(ingestPredictions(path, classification)).rejects.toThrow(
      /unknown\.jsonl:2: label 'cow' of example 'b' is not one of the classes/,
    );
    const partial = await ingestPredictions(path, {
      ...classification,
      problems: { 'unknown-label': 'warning' },
    });
    expect(partial.problems).toEqual([{ kind: 'unknown-label', count: 1, examples: ['b'] }]);
    // The example still counts (as a wrong prediction of its own class), so accuracy is not inflated.
    expect(partial.overall.n).toBe(2);
  });

  it('stops on a duplicate example id unless duplicate-id is a warning, then keeps the first', async () => {
    const path = file(
      'dup.jsonl',
      lines({ id: 'a', label: 'cat', prediction: 'cat' }, { id: 'a', label: 'cat', prediction: 'dog' }),
    );
    await expect(ingestPredictions(path, classification)).rejects.toThrow(
      /dup\.jsonl:2: example id 'a' appears more than once/,
    );
    const partial = await ingestPredictions(path, {
      ...classification,
      problems: { 'duplicate-id': 'warning' },
    });
    expect(partial.overall.n).toBe(1);
    expect(partial.problems[0]).toMatchObject({ kind: 'duplicate-id', count: 1 });
  });

  it('says plainly in the report when more distinct ids came than its duplicate check can hold', async () => {
    // A table of 64 slots holds 44 ids (load 0.7), standing in for the 2^23 slots (~5.9 M ids) of a real run.
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, label: 'cat', prediction: 'cat' }));
    const early = { id: 'e3', label: 'cat', prediction: 'dog' };
    const path = file('many-ids.jsonl', lines(...rows, early));
    const options = { ...classification, idTableSlots: 64, problems: { 'duplicate-id': 'warning' as const } };
    const partial = await ingestPredictions(path, options);
    // A repeat of an id it held is still caught.
    expect(partial.problems).toMatchObject([{ kind: 'duplicate-id', count: 1, examples: ['e3'] }]);
    expect(partial.notes).toEqual([
      'the duplicate-id check was partial: it remembered the first 44 distinct ids (its memory bound) and checked the 56 later ones against those, not against each other; a duplicate among those later ids is not caught',
    ]);
    const report = reportOf(partial, classificationConfig);
    expect(report.warnings).toContainEqual({
      kind: 'limit',
      testSet: 'main',
      message: expect.stringMatching(/^the duplicate-id check was partial/),
    });
    // Within the bound, nothing is said.
    const whole = await ingestPredictions(path, { ...options, idTableSlots: 256 });
    expect(whole.notes).toBeUndefined();
  });

  it('treats NaN, null and Infinity values as not-a-number problems', async () => {
    const regression: IngestOptions = { task: 'regression', testSet: 'main' };
    const path = file(
      'nan.jsonl',
      lines({ id: 'a', label: 1, prediction: 2 }, '{"id": "b", "label": NaN, "prediction": 1}', {
        id: 'c',
        label: null,
        prediction: 1,
      }),
    );
    await expect(ingestPredictions(path, regression)).rejects.toThrow(DataProblemError);
    await expect(ingestPredictions(path, regression)).rejects.toThrow(/nan\.jsonl:2: NaN or Infinity found/);
    const partial = await ingestPredictions(path, { ...regression, problems: { 'not-a-number': 'warning' } });
    expect(partial.overall.n).toBe(1);
    expect(partial.problems).toEqual([{ kind: 'not-a-number', count: 2, examples: ['b', 'c'] }]);
  });
});

describe('ingesting regression predictions', () => {
  it('gives hand-computed MAE, RMSE and R²', async () => {
    // y = 1,2,3,4; prediction = 1.5,2,2,5 → errors 0.5,0,-1,1.
    const rows = [
      [1, 1.5],
      [2, 2],
      [3, 2],
      [4, 5],
    ].map(([label, prediction], i) => ({ id: i, label, prediction }));
    const partial = await ingestPredictions(file('r.jsonl', lines(...rows)), {
      task: 'regression',
      testSet: 'main',
    });
    const report = reportOf(partial, { task: 'regression', 'test-sets': [{ name: 'main', path: 'm' }] });
    const m = report.testSets[0]!.metrics;
    expect(m['mae']!.value).toBeCloseTo(2.5 / 4, 12);
    expect(m['rmse']!.value).toBeCloseTo(Math.sqrt(2.25 / 4), 12);
    // SS_tot = 5, SS_res = 2.25.
    expect(m['r2']!.value).toBeCloseTo(1 - 2.25 / 5, 12);
    expect(m['mae']!.method).toBe('bootstrap');
  });
});

describe('project-computed metrics', () => {
  it('reads a metrics JSON with intervals into the report', async () => {
    const path = file(
      'metrics.json',
      JSON.stringify({
        n: 50,
        metrics: { bleu: { value: 0.4, lower: 0.35, upper: 0.45 }, latency: 3 },
        slices: { long: { metrics: { bleu: 0.3 } } },
      }),
    );
    const partial = await ingestMetricsFile(path, { task: 'classification', testSet: 'main' });
    expect(partial.reported?.overall['bleu']).toEqual({ value: 0.4, lower: 0.35, upper: 0.45, n: 50 });
  });

  it('rejects a metrics JSON that breaks the schema, naming the field', async () => {
    const path = file('bad-metrics.json', JSON.stringify({ metrics: { bleu: 'high' } }));
    await expect(ingestMetricsFile(path, { task: 'classification', testSet: 'main' })).rejects.toThrow(
      /bad-metrics\.json: does not match schemas\/metrics\.schema\.json at \/metrics\/bleu/,
    );
  });
});
