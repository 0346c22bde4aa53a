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
