// Exact summation of floats (Shewchuk's non-overlapping partials, the algorithm behind Python's math.fsum).
// Why: sharded metrics must equal unsharded ones exactly, and plain float addition depends on the order of the
// terms. The partials hold the exact sum of every term added, whatever the order or grouping; `roundSum`
// rounds that exact value correctly, so shards merged in any order give the very same double.

/** Adds x to the partials in place (partials stay non-overlapping, smallest magnitude first). */
export function addExact(partials: number[], x: number): void {
  let i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  partials.length = i;
  partials.push(x);
}

/** Adds every partial of `other` (another exact sum) into `partials`. */
export function mergeExact(partials: number[], other: readonly number[]): void {
  for (const x of other) addExact(partials, x);
}

/** The exact sum, correctly rounded to the nearest double (ties to even), as math.fsum does. */
export function roundSum(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  n -= 1;
  let hi = partials[n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    n -= 1;
    const y = partials[n]!;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Half-way case: the remaining partials decide which way to round.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** 2^27 + 1: splits a double into two halves whose products are exact (Veltkamp). */
const SPLITTER = 134217729;
/** Above this magnitude the split overflows; such factors are added rounded (their error is negligible). */
const SPLIT_LIMIT = 2 ** 996;

/**
 * Adds the exact product a·b to the partials: the rounded product and its rounding error (Dekker's
 * TwoProduct). Why: a rounded square of a label near 1e12 is off by ~1e8, more than the whole variance of
 * labels that differ by units, so sums of squares must be exact before anything is subtracted from them.
 */
export function addExactProduct(partials: number[], a: number, b: number): void {
  const p = a * b;
  addExact(partials, p);
  if (!Number.isFinite(p) || Math.abs(a) > SPLIT_LIMIT || Math.abs(b) > SPLIT_LIMIT) return;
  const ca = SPLITTER * a;
  const aHi = ca - (ca - a);
  const aLo = a - aHi;
  const cb = SPLITTER * b;
  const bHi = cb - (cb - b);
  const bLo = b - bHi;
  const error = aLo * bLo - (p - aHi * bHi - aLo * bHi - aHi * bLo);
  if (error !== 0) addExact(partials, error);
}
