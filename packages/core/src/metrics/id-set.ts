// The duplicate-id check: an open-addressing set of 64-bit id hashes in two Int32Arrays (8 bytes per slot,
// linear probing), about 15 times smaller than a Set of id strings. Two different ids collide with
// probability ~n²/2^65 (about 1 in 10^6 at 6 million ids). Memory is bounded: the table stops growing at
// MAX_SLOTS (64 MiB); after that, further ids are still checked against the ones already held, but no longer
// remembered, and the check reports how many ids it covered.

const MAX_SLOTS = 1 << 23;
const MAX_LOAD = 0.7;

export class IdHashSet {
  private high: Int32Array<ArrayBuffer>;
  private low: Int32Array<ArrayBuffer>;
  private mask: number;
  private count = 0;
  private limit: number;
  /** Ids that arrived after the table was full and were not remembered. */
  unchecked = 0;

  private readonly maxSlots: number;

  constructor(initialSlots = 1 << 12, maxSlots = MAX_SLOTS) {
    if (!Number.isInteger(Math.log2(maxSlots)) || maxSlots < 2)
      throw new RangeError(`the duplicate-id table needs a power of two of slots, not ${maxSlots}`);
    initialSlots = Math.min(initialSlots, maxSlots);
    this.maxSlots = maxSlots;
    this.high = new Int32Array(initialSlots);
    this.low = new Int32Array(initialSlots);
    this.mask = initialSlots - 1;
    this.limit = Math.floor(initialSlots * MAX_LOAD);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a 64-bit hash; false when it was already there (a duplicate). */
  add(high: number, low: number): boolean {
    // (0, 0) marks an empty slot, so a real (0, 0) hash is stored as (0, 1).
    if (high === 0 && low === 0) low = 1;
    let i = (low ^ Math.imul(high, 0x9e3779b1)) & this.mask;
    for (;;) {
      const h = this.high[i]!;
      const l = this.low[i]!;
      if (h === 0 && l === 0) break;
      if (h === high && l === low) return false;
      i = (i + 1) & this.mask;
    }
    if (this.count >= this.limit) {
      if (!this.grow()) {
        this.unchecked++;
        return true;
      }
      return this.add(high, low);
    }
    this.high[i] = high;
    this.low[i] = low;
    this.count++;
    return true;
  }

  private grow(): boolean {
    const slots = this.high.length * 2;
    if (slots > this.maxSlots) return false;
    const oldHigh = this.high;
    const oldLow = this.low;
    this.high = new Int32Array(slots);
    this.low = new Int32Array(slots);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * MAX_LOAD);
    this.count = 0;
    for (let j = 0; j < oldHigh.length; j++) {
      const h = oldHigh[j]!;
      const l = oldLow[j]!;
      if (h !== 0 || l !== 0) this.add(h, l);
    }
    // The old table's memory goes back now, not at some later collection: detaching its buffers frees them,
    // and the peak of a long evaluation is otherwise both tables at once (96 MiB at the last doubling).
    oldHigh.buffer.transfer(0);
    oldLow.buffer.transfer(0);
    return true;
  }
}
