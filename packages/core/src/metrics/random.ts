// Seeded random numbers for the bootstrap: pure-rand's xoroshiro128+ (a few integer ops per draw, no
// allocation) with 53-bit uniforms, and a binomial sampler on top of it. The same seed always gives the same
// stream, so a report's intervals are reproducible. @stdlib's samplers did the same job but cost the action
// ~250 KB of bundle and ~20 ms of start-up for three functions.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface SeededRandom {
  /** Uniform in [0, 1), 53 random bits. */
  uniform(): number;
  /** Uniform integer in [0, m), for m up to 2^32. */
  below(m: number): number;
  /** Binomial(count, p) draw. */
  binomial(count: number, p: number): number;
}

export function seededRandom(seed: number): SeededRandom {
  const generator = xoroshiro128plus(seed | 0);
  const uniform = () => uniformFloat64(generator);
  return {
    uniform,
    below: (m) => Math.floor(uniform() * m),
    binomial: (count, p) => binomial(uniform, count, p),
  };
}

/**
 * Binomial(count, p): inversion of the CDF when count·min(p, 1−p) < 10 (one uniform, ~count·p steps),
 * Hörmann's BTRS transformed rejection above (bounded work whatever count is, so a 10-million-row confusion
 * matrix resamples as fast as a small one).
 */
export function binomial(uniform: () => number, count: number, p: number): number {
  if (count <= 0 || p <= 0) return 0;
  if (p >= 1) return count;
  if (p > 0.5) return count - binomial(uniform, count, 1 - p);
  return count * p < 10 ? binomialInversion(uniform, count, p) : binomialBtrs(uniform, count, p);
}

/**
 * Kachitvichyanukul & Schmeiser's BINV: walk the CDF from P(0) = q^count with the ratio
 * P(k)/P(k−1) = ((count+1)/k − 1)·p/q. Rounding can leave u above the CDF's last step; such a draw is redone.
 */
function binomialInversion(uniform: () => number, count: number, p: number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (count + 1) * s;
  const start = q ** count;
  for (;;) {
    let u = uniform();
    let r = start;
    let k = 0;
    while (u > r) {
      u -= r;
      k++;
      if (k > count) break;
      r *= a / k - s;
    }
    if (k <= count) return k;
  }
}

/**
 * W. Hörmann, "The generation of binomial random variates", J. Stat. Comput. Simul. 46 (1993): BTRS, for
 * count·p ≥ 10 and p ≤ 1/2. Acceptance is about 80%; most draws end at the squeeze without a logarithm.
 */
function binomialBtrs(uniform: () => number, count: number, p: number): number {
  const spread = Math.sqrt(count * p * (1 - p));
  const b = 1.15 + 2.53 * spread;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = count * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spread;
  const m = Math.floor((count + 1) * p);
  for (;;) {
    const u = uniform() - 0.5;
    let v = uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || k > count || us <= 0) continue;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (count - m + 1))) +
      (count + 1) * Math.log((count - m + 1) / (count - k + 1)) +
      (k + 0.5) * Math.log((r * (count - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(count - m) -
      stirlingTail(k) -
      stirlingTail(count - k);
    if (v <= bound) return k;
  }
}

/** log(k!) − Stirling's approximation of it: tabulated below 10, its asymptotic series above. */
const stirlingTails = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];
function stirlingTail(k: number): number {
  if (k <= 9) return stirlingTails[k]!;
  const k1 = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / k1) / k1) / (k + 1);
}
