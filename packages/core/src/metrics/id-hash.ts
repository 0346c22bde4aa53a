// Hashes of example ids: 64 bits for the duplicate check, 53 of them (a safe JSON integer) for the sample.
// cyrb53 (public domain, by bryc): two 32-bit multiply-xor lanes, fast on short strings.

let lastHigh = 0;
let lastLow = 0;

/** Hashes an id; read both halves with hashHigh()/hashLow() right after (no allocation per row). */
export function hashId(id: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const ch = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  lastHigh = h2 | 0;
  lastLow = h1 | 0;
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
export function hashHigh(): number {
  return lastHigh;
}
export function hashLow(): number {
  return lastLow;
}

/** A stable 32-bit seed from a seed and names (test set, slice), so each group's bootstrap is reproducible. */
export function deriveSeed(seed: number, ...names: string[]): number {
  hashId(`${seed}\u0000${names.join('\u0000')}`);
  return lastLow >>> 0 || 1;
}
