import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkShard, parseShard, planLocalShards, shardCoverageProblems } from '../../src/eval/shards.js';

describe('shards', () => {
  it('reads --shard as a 0-based index over a count', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
  });

  it('refuses a shard index outside its count, saying that shards count from 0', () => {
    expect(() => parseShard('3/3')).toThrow(
      /shard index 3 must be a whole number from 0 to 2 \(shards are counted from 0\)/,
    );
    expect(() => parseShard('1-3')).toThrow(/Expected INDEX\/COUNT with a 0-based index, e.g. 0\/3/);
    expect(() => checkShard(0, 0)).toThrow(/shard count 0 must be a whole number of at least 1/);
  });

  it('runs one shard per GPU, each on its own GPU, and one on the CPU without GPUs', () => {
    expect(planLocalShards({ index: 0, count: 1 }, 0)).toEqual([{ index: 0, count: 1 }]);
    expect(planLocalShards({ index: 0, count: 1 }, 1)).toEqual([{ index: 0, count: 1, gpu: 0 }]);
    expect(planLocalShards({ index: 1, count: 3 }, 2)).toEqual([
      { index: 1, count: 6, gpu: 0 },
      { index: 4, count: 6, gpu: 1 },
    ]);
  });

  it('splits a matrix shard over local GPUs into exactly the examples of that shard', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.nat(200),
        (count, gpus, position) => {
          for (let index = 0; index < count; index++) {
            const local = planLocalShards({ index, count }, gpus);
            const holders = local.filter((s) => position % s.count === s.index);
            expect(holders.length).toBe(position % count === index ? 1 : 0);
          }
        },
      ),
    );
  });

  it('accepts shards that cover a test set exactly once, whatever mix of matrix and GPU splits made them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 6, maxLength: 6 }),
        (count, gpus) => {
          const shards = Array.from({ length: count }, (_, index) =>
            planLocalShards({ index, count }, gpus[index]!),
          ).flat();
          expect(shardCoverageProblems(shards)).toEqual([]);
        },
      ),
    );
  });

  it('names the missing shard and the shards that overlap', () => {
    expect(
      shardCoverageProblems([
        { index: 0, count: 3 },
        { index: 2, count: 3 },
      ]),
    ).toEqual(['missing shard 1/3']);
    expect(
      shardCoverageProblems([
        { index: 0, count: 2 },
        { index: 1, count: 2 },
        { index: 1, count: 2 },
      ]),
    ).toEqual(['shards covering the same examples twice: 1/2 and 1/2']);
  });
});
