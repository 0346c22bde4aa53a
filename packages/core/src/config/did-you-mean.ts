import leven from 'leven';

/**
 * The candidate closest to `value` when it is close enough to be a misspelling: within a third of the
 * longer word's length (at least 1, at most 3 edits), or equal ignoring case and separators.
 */
export function didYouMean(value: string, candidates: Iterable<string>): string | undefined {
  const normalized = normalize(value);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === value) return undefined;
    if (normalize(candidate) === normalized) return candidate;
    const distance = leven(value.toLowerCase(), candidate.toLowerCase());
    const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(value.length, candidate.length) / 3)));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

const normalize = (s: string) => s.toLowerCase().replace(/[-_\s.]/g, '');
