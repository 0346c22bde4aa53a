import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEvalReport,
  ingestPredictions,
  type MetricsConfig,
  mergePartials,
  type PartialResult,
  type Task,
} from '../../src/metrics/index.js';

const classes = ['cat', 'dog', 'bird'];
const slices = ['night', 'rain'];
const context = {
  model: { name: 'm' },
  commit: 'c',
  command: 'eval',
  runner: { name: 'r', os: 'Linux' },
  gpus: [],
};

function config(task: Task): MetricsConfig {
  return {
    task,
    classes: task === 'classification' ? classes : undefined,
    eval: { bootstrap: { samples: 200, seed: 7 } },
    'test-sets': [{ name: 'main', path: 'data', slices: slices.map((name) => ({ name })) }],
    problems: { 'missing-slice': 'warning', 'empty-test-set': 'warning' },
  };
}

// Regression values mix magnitudes so that naive float sums would differ between orders.
const regressionValue = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(0.1, 0.2, 0.3, 1e-9, 1e9),
  // Labels with a large mean (timestamps): where R² from rounded sums of squares cancelled.
  fc.double({ min: 1.7e12 - 1e3, max: 1.7e12 + 1e3, noNaN: true }),
);
const row = (task: Task) =>
  fc.record({
    label: task === 'classification' ? fc.constantFrom(...classes) : regressionValue,
    prediction: task === 'classification' ? fc.constantFrom(...classes) : regressionValue,
    slices: fc.subarray(slices),
  });

async function ingest(
  task: Task,
  rows: readonly object[],
  shard: { index: number; count: number },
  sampleLimit: number,
): Promise<PartialResult> {
  const text = rows.map((r) => JSON.stringify(r)).join('\n');
  return ingestPredictions(Readable.from(text.length > 0 ? [text] : []), {
    task,
    testSet: 'main',
    classes: task === 'classification' ? classes : undefined,
    slices,
    shard,
    sampleLimit,
  });
}

describe('sharded evaluation', () => {
  for (const task of ['classification', 'regression'] as const) {
    it(`gives exactly the unsharded ${task} report for any sharding, in any merge order`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(row(task), { minLength: 0, maxLength: 120 }),
          fc.integer({ min: 1, max: 6 }),
          fc.infiniteStream(fc.nat()),
          fc.integer({ min: 5, max: 200 }),
          fc.boolean(),
          async (base, count, picks, sampleLimit, reverse) => {
            const rows = base.map((r, i) => ({ id: `ex-${i}`, ...r }));
            const shards: object[][] = Array.from({ length: count }, () => []);
            const pick = picks[Symbol.iterator]();
            for (const r of rows) shards[pick.next().value % count]!.push(r);

            const whole = await ingest(task, rows, { index: 0, count: 1 }, sampleLimit);
            const parts = await Promise.all(
              shards.map((s, index) => ingest(task, s, { index, count }, sampleLimit)),
            );
            // Partial results travel between runners as JSON.
            const travelled = parts.map((p) => JSON.parse(JSON.stringify(p)) as PartialResult);
            const merged = mergePartials(reverse ? travelled.reverse() : travelled);

            const unsharded = buildEvalReport({ config: config(task), results: [whole], context });
            const sharded = buildEvalReport({ config: config(task), results: [merged], context });
            expect(sharded).toStrictEqual(unsharded);
          },
        ),
        { numRuns: 60, seed: 20240601 },
      );
    });
  }
});
