import { describe, expect, it } from 'vitest';
import {
  addExact,
  mcnemarMidP,
  roundSum,
  twoProportionZTest,
  wilsonInterval,
  zFor,
} from '../../src/metrics/index.js';

describe('Wilson intervals for accuracy and per-class precision/recall', () => {
  // Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score interval without continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('match the published interval for %i of %i', (x, n, lower, upper) => {
    const interval = wilsonInterval(x, n, 0.95)!;
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('is undefined for no examples rather than a made-up range', () => {
    expect(wilsonInterval(0, 0, 0.95)).toBeNull();
  });

  it('uses the z of the configured confidence level', () => {
    expect(zFor(0.95)).toBeCloseTo(1.959964, 6);
    expect(zFor(0.99)).toBeCloseTo(2.575829, 6);
  });
});

describe("McNemar's mid-p test on paired per-example results", () => {
  it('matches the hand-computed mid-p for 10 against 2 discordant pairs', () => {
    // 2·[P(X≤2) − ½P(X=2)], X ~ Bin(12, ½) = 2·(79 − 33)/4096.
    expect(mcnemarMidP(10, 2)).toBeCloseTo(92 / 4096, 12);
    expect(mcnemarMidP(2, 10)).toBeCloseTo(92 / 4096, 12);
  });

  it('finds no difference when the models disagree on no example, or equally often', () => {
    expect(mcnemarMidP(0, 0)).toBe(1);
    // 2·[P(X≤5) − ½P(X=5)], X ~ Bin(10, ½) = 2·(638 − 126)/1024 = 1.
    expect(mcnemarMidP(5, 5)).toBeCloseTo(1, 12);
  });
});

describe('two-proportion z-test for unpaired reports', () => {
  it('matches the hand-computed p-value for 45/100 against 30/100', () => {
    // pooled 0.375, se = sqrt(0.375·0.625·0.02), z = 0.15/se = 2.19089, p = 2·(1 − Φ(z)).
    expect(twoProportionZTest(45, 100, 30, 100)).toBeCloseTo(0.028459, 5);
  });
});

describe('exact sums behind regression metrics', () => {
  it('give the correctly rounded sum whatever the order of the terms', () => {
    const terms = [1e16, 1, -1e16, 1e-3, 3.25, -2.5e10, 2.5e10, 0.1, 0.2];
    const forward: number[] = [];
    const backward: number[] = [];
    for (const t of terms) addExact(forward, t);
    for (const t of [...terms].reverse()) addExact(backward, t);
    expect(roundSum(forward)).toBe(roundSum(backward));
    expect(roundSum(forward)).toBe(4.551);
  });
});
