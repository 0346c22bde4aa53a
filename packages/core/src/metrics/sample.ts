// The bounded per-example sample (see ExampleSample): the `limit` examples with the smallest id hashes, kept
// in a max-heap so a new example costs one comparison once the sample is full. Entries order by
// (hash, a, b), a total order on their content, so the bottom-k of any sharding is the same multiset.
import type { ExampleSample } from './types.js';

export const DEFAULT_SAMPLE_LIMIT = 10_000;

export class BottomSample {
  readonly limit: number;
  private hash: Float64Array;
  private a: Float64Array;
  private b: Float64Array;
  private size = 0;

  constructor(limit: number) {
    this.limit = limit;
    // Grown lazily: most slices are small.
    this.hash = new Float64Array(Math.min(limit, 1024));
    this.a = new Float64Array(this.hash.length);
    this.b = new Float64Array(this.hash.length);
  }

  get length(): number {
    return this.size;
  }

  /** Offers one example: hash of its id, and (correct) or (label, prediction). */
  offer(hash: number, a: number, b = 0): void {
    if (this.size === this.limit) {
      const top = this.hash[0]!;
      if (hash > top) return;
      if (hash === top && compare(hash, a, b, top, this.a[0]!, this.b[0]!) >= 0) return;
      this.set(0, hash, a, b);
      this.siftDown(0);
      return;
    }
    if (this.size === this.hash.length) this.grow();
    let i = this.size++;
    this.set(i, hash, a, b);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.cmp(parent, i) >= 0) break;
      this.swap(parent, i);
      i = parent;
    }
  }

  /** Ascending entries, as the JSON form has them. */
  toJSON(kind: 'classification' | 'regression'): ExampleSample {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((x, y) => this.cmp(x, y));
    const out: ExampleSample = { limit: this.limit, hash: order.map((i) => this.hash[i]!) };
    if (kind === 'classification') out.correct = order.map((i) => this.a[i]!);
    else {
      out.label = order.map((i) => this.a[i]!);
      out.prediction = order.map((i) => this.b[i]!);
    }
    return out;
  }

  private cmp(i: number, j: number): number {
    return compare(this.hash[i]!, this.a[i]!, this.b[i]!, this.hash[j]!, this.a[j]!, this.b[j]!);
  }
  private set(i: number, hash: number, a: number, b: number): void {
    this.hash[i] = hash;
    this.a[i] = a;
    this.b[i] = b;
  }
  private swap(i: number, j: number): void {
    const h = this.hash[i]!;
    const a = this.a[i]!;
    const b = this.b[i]!;
    this.set(i, this.hash[j]!, this.a[j]!, this.b[j]!);
    this.set(j, h, a, b);
  }
  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) return;
      let largest = left;
      if (left + 1 < this.size && this.cmp(left + 1, left) > 0) largest = left + 1;
      if (this.cmp(largest, i) <= 0) return;
      this.swap(largest, i);
      i = largest;
    }
  }
  private grow(): void {
    const capacity = Math.min(this.limit, this.hash.length * 2);
    this.hash = grown(this.hash, capacity);
    this.a = grown(this.a, capacity);
    this.b = grown(this.b, capacity);
  }
}

function grown(array: Float64Array, capacity: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(array);
  return next;
}

function compare(h1: number, a1: number, b1: number, h2: number, a2: number, b2: number): number {
  return h1 - h2 || a1 - a2 || b1 - b2;
}

/** The bottom-`limit` of several samples' union: exactly the sample of the unsharded data. */
export function mergeSamples(
  samples: readonly ExampleSample[],
  kind: 'classification' | 'regression',
): ExampleSample {
  const limit = Math.min(...samples.map((s) => s.limit));
  const merged = new BottomSample(limit);
  for (const s of samples) {
    for (let i = 0; i < s.hash.length; i++) {
      if (kind === 'classification') merged.offer(s.hash[i]!, s.correct?.[i] ?? 0);
      else merged.offer(s.hash[i]!, s.label?.[i] ?? 0, s.prediction?.[i] ?? 0);
    }
  }
  return merged.toJSON(kind);
}
