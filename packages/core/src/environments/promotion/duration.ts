// Durations as people write them in slipway.yaml (`2h`, `1d12h`, `90s`), and back for sentences.

const unitSeconds = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const pattern = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Milliseconds in `text`, or undefined when it is not a duration (the schema's pattern, checked again). */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return (
    (Number(d) * unitSeconds.d + Number(h) * unitSeconds.h + Number(m) * unitSeconds.m + Number(s)) * 1000
  );
}

/** `2h 30m`, `45s`: the largest units first, zero parts left out. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.ceil(ms / 1000));
  const parts: string[] = [];
  for (const [unit, seconds] of Object.entries(unitSeconds)) {
    const n = Math.floor(rest / seconds);
    rest -= n * seconds;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/** 2026-12-02 14:00 UTC: minutes are what people plan by. */
export function formatTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
