import { describe, expect, it } from 'vitest';
import { binomial, seededRandom } from '../../src/metrics/random.js';

/** Exact Binomial(n, p) probabilities by the ratio recurrence. */
function binomialPmf(n: number, p: number): number[] {
  const pmf = [(1 - p) ** n];
  for (let k = 1; k <= n; k++) pmf.push(pmf[k - 1]! * ((n - k + 1) / k) * (p / (1 - p)));
  return pmf;
}

describe('the seeded random numbers behind bootstrap intervals', () => {
  it('give the same stream for the same seed, so a report is reproducible', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 20 }, () => a.binomial(30, 0.3));
    expect(Array.from({ length: 20 }, () => b.binomial(30, 0.3))).toEqual(first);
    expect(Array.from({ length: 20 }, () => c.binomial(30, 0.3))).not.toEqual(first);
  });

  it('draw uniforms in [0, 1) and indices below the bound', () => {
    const random = seededRandom(7);
    const uniforms = Array.from({ length: 10_000 }, () => random.uniform());
    const indices = Array.from({ length: 10_000 }, () => random.below(13));
    expect(uniforms.filter((u) => !(u >= 0 && u < 1))).toEqual([]);
    expect(indices.filter((k) => !(Number.isInteger(k) && k >= 0 && k < 13))).toEqual([]);
    expect(new Set(indices).size).toBe(13);
  });

  // Both samplers (inversion below count·p = 10, BTRS above, and the mirror for p > 1/2) against the exact
  // distribution: a chi-square statistic far above its degrees of freedom means a wrong sampler.
  it.each([
    [12, 0.25],
    [40, 0.2],
    [60, 0.5],
    [30, 0.85],
  ])('draw Binomial(%i, %f) with the right distribution', (n, p) => {
    const random = seededRandom(2024);
    const draws = 100_000;
    const counts = new Array<number>(n + 1).fill(0);
    const outside: number[] = [];
    for (let i = 0; i < draws; i++) {
      const k = random.binomial(n, p);
      if (Number.isInteger(k) && k >= 0 && k <= n) counts[k]!++;
      else outside.push(k);
    }
    expect(outside).toEqual([]);
    let chiSquare = 0;
    let cells = 0;
    binomialPmf(n, p).forEach((probability, k) => {
      const expected = probability * draws;
      if (expected < 5) return;
      chiSquare += (counts[k]! - expected) ** 2 / expected;
      cells++;
    });
    // The 99.9th percentile of chi-square is below df + 5·sqrt(2·df) + 10 for these df.
    const df = cells - 1;
    expect(chiSquare).toBeLessThan(df + 5 * Math.sqrt(2 * df) + 10);
  });

  it('keep the mean and variance for counts as large as a 10-million-row confusion matrix', () => {
    const random = seededRandom(1);
    const [n, p, draws] = [10_000_000, 0.37, 20_000];
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < draws; i++) {
      const k = binomial(random.uniform, n, p);
      sum += k;
      sumSquares += k * k;
    }
    const mean = sum / draws;
    const variance = sumSquares / draws - mean * mean;
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(draws));
    expect(variance / (sd * sd)).toBeGreaterThan(0.95);
    expect(variance / (sd * sd)).toBeLessThan(1.05);
  });

  it('handle the edges without drawing', () => {
    const random = seededRandom(3);
    expect(random.binomial(0, 0.4)).toBe(0);
    expect(random.binomial(17, 0)).toBe(0);
    expect(random.binomial(17, 1)).toBe(17);
  });
});
