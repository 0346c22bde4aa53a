import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExactProduct, roundSum } from '../../src/metrics/exact-sum.js';
import { GroupAccumulator, mergeRegression } from '../../src/metrics/group-stats.js';
import { pointFromSample, pointFromSums } from '../../src/metrics/regression.js';

// Exact rational arithmetic (BigInt fractions): every double is a dyadic rational, so R² of any rows can be
// computed with no rounding at all and compared with what the metrics give.
interface Fraction {
  readonly num: bigint;
  readonly den: bigint;
}
const fraction = (x: number): Fraction => {
  let scaled = x;
  let den = 1n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    den *= 2n;
  }
  return { num: BigInt(scaled), den };
};
const add = (a: Fraction, b: Fraction): Fraction => ({
  num: a.num * b.den + b.num * a.den,
  den: a.den * b.den,
});
const sub = (a: Fraction, b: Fraction): Fraction => add(a, { num: -b.num, den: b.den });
const mul = (a: Fraction, b: Fraction): Fraction => ({ num: a.num * b.num, den: a.den * b.den });
const ZERO: Fraction = { num: 0n, den: 1n };
/** a/b as the nearest double (to well within 1e-15 relative). */
const toNumber = (a: Fraction, b: Fraction): number => {
  const num = a.num * b.den;
  const den = a.den * b.num;
  const sign = num < 0n !== den < 0n ? -1 : 1;
  const n = num < 0n ? -num : num;
  const d = den < 0n ? -den : den;
  return (sign * Number((n << 96n) / d)) / 2 ** 96;
};

/** R² = 1 − n·Σ(p − y)² / (n·Σy² − (Σy)²), exactly. */
function exactR2(labels: readonly number[], predictions: readonly number[]): number {
  let sumY = ZERO;
  let sumY2 = ZERO;
  let residual = ZERO;
  labels.forEach((label, i) => {
    const y = fraction(label);
    const e = sub(fraction(predictions[i]!), y);
    sumY = add(sumY, y);
    sumY2 = add(sumY2, mul(y, y));
    residual = add(residual, mul(e, e));
  });
  const n: Fraction = { num: BigInt(labels.length), den: 1n };
  const total = sub(mul(n, sumY2), mul(sumY, sumY));
  if (total.num === 0n) return Number.NaN;
  return 1 - toNumber(mul(n, residual), total);
}

function sums(labels: readonly number[], predictions: readonly number[], from = 0, to = labels.length) {
  const group = new GroupAccumulator('regression', 10);
  for (let i = from; i < to; i++) group.addRegressed(i, labels[i]!, predictions[i]!);
  return group.toJSON([]).regression!;
}

const offsets = [0, 1, 1e3, 1e6, -1e6, 1e9, 1.7e12, 1e12, -1e12];
const rowsNear = (offset: number) =>
  fc
    .array(
      fc.record({
        // Deviations whose squares underflow (below 1e-154) are beyond what doubles hold at all.
        deviation: fc.double({ min: -100, max: 100, noNaN: true }).map((d) => (Math.abs(d) < 1e-100 ? 0 : d)),
        error: fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.integer({ min: -3, max: 3 })),
      }),
      { minLength: 2, maxLength: 80 },
    )
    .map((rows) => ({
      labels: rows.map((r) => offset + r.deviation),
      predictions: rows.map((r) => offset + r.deviation + r.error),
    }));

const closeTo = (actual: number, exact: number) =>
  expect(Math.abs(actual - exact)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(exact)));

describe('exact products', () => {
  it('hold a·b with nothing rounded away, so sums of squares of large labels are exact', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e15, max: 1e15, noNaN: true }),
        fc.double({ min: -1e15, max: 1e15, noNaN: true }),
        (a, b) => {
          fc.pre(a === 0 || b === 0 || Math.abs(a * b) > 1e-200);
          const partials: number[] = [];
          addExactProduct(partials, a, b);
          const fa = fraction(a);
          const fb = fraction(b);
          const exact = mul(fa, fb);
          const held = partials.map(fraction).reduce(add, ZERO);
          expect(held.num * exact.den).toBe(exact.num * held.den);
          expect(roundSum(partials)).toBe(a * b);
        },
      ),
    );
  });
});

describe('R²', () => {
  it('agrees with exact rational arithmetic within 1e-9 for labels offset by up to 1e12', () => {
    fc.assert(
      fc.property(fc.constantFrom(...offsets).chain(rowsNear), ({ labels, predictions }) => {
        const exact = exactR2(labels, predictions);
        fc.pre(Number.isFinite(exact));
        closeTo(pointFromSums(sums(labels, predictions)).r2, exact);
        // The bootstrap replicates use the same, stable form.
        closeTo(pointFromSample(labels, predictions).r2, exact);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the value scikit-learn gives for timestamps as labels', () => {
    // Milliseconds since the epoch; the model is off by half a second on each.
    const labels = [1_764_633_600_000, 1_764_633_601_000, 1_764_633_602_000, 1_764_633_603_000];
    const predictions = [1_764_633_600_500, 1_764_633_600_500, 1_764_633_602_500, 1_764_633_602_500];
    // sklearn.metrics.r2_score: 1 − 4·250000 / (Σ(y − ȳ)² = 5·10⁶) = 0.8.
    expect(pointFromSums(sums(labels, predictions)).r2).toBe(0.8);
    expect(pointFromSample(labels, predictions).r2).toBe(0.8);
  });

  it('is the same to the last bit however the rows are split into shards', () => {
    fc.assert(
      fc.property(fc.constantFrom(...offsets).chain(rowsNear), fc.nat(), ({ labels, predictions }, cut) => {
        const at = cut % (labels.length + 1);
        const merged = mergeRegression([sums(labels, predictions, at), sums(labels, predictions, 0, at)]);
        expect(pointFromSums(merged)).toEqual(pointFromSums(sums(labels, predictions)));
      }),
    );
  });

  it('is undefined for constant labels, even large ones', () => {
    expect(pointFromSums(sums([1e12, 1e12, 1e12], [1, 2, 3])).r2).toBeNaN();
    expect(pointFromSample([1e12, 1e12, 1e12], [1, 2, 3]).r2).toBeNaN();
  });
});
