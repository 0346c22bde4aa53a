// Freeze windows: a start given by an RFC 5545 RRULE (the `rrule` library) or a cron expression
// (`cron-parser`), a duration, and the time zone both are read in.
//
// Why wall-clock arithmetic: "Fridays at 16:00 in Europe/Berlin" means 16:00 on the wall clock in Berlin
// whatever the UTC offset that week. Both libraries are run in UTC on *wall-clock* instants (the local
// date and time written as if it were UTC), so a rule means what its reader sees, across DST changes; the
// window's end is turned back into a real instant to compare with now (and both ends for the sentence on
// the pull request), so the wall clock going back in a fall-back hour does not lift a freeze and restore it.
import { CronExpressionParser } from 'cron-parser';
import * as rruleModule from 'rrule';
import { formatDuration } from './duration.js';

// rrule ships CommonJS to Node and ESM to bundlers; take its exports from whichever this is.
const rrule: typeof rruleModule =
  'rrulestr' in rruleModule ? rruleModule : (Reflect.get(rruleModule, 'default') as typeof rruleModule);

export interface FreezeWindow {
  readonly rrule?: string;
  readonly cron?: string;
  /** Milliseconds each window lasts from its start. */
  readonly durationMs: number;
  /** IANA time zone; UTC when not given. */
  readonly timezone: string;
  readonly reason?: string;
}

/** A window in force now: when it started and when it ends (real instants). */
export interface ActiveFreeze {
  readonly window: FreezeWindow;
  readonly start: Date;
  readonly end: Date;
}

/** Why a freeze rule cannot be used, in a sentence; undefined when it parses. */
export function checkFreezeWindow(window: Omit<FreezeWindow, 'durationMs'>): string | undefined {
  if (!isTimeZone(window.timezone))
    return `time zone '${window.timezone}' is not an IANA time zone (expected e.g. Europe/Berlin or UTC)`;
  try {
    latestStart(window, new Date(Date.UTC(2026, 0, 1)));
    return undefined;
  } catch (error) {
    const what = window.rrule === undefined ? `cron '${window.cron}'` : `RRULE '${window.rrule}'`;
    if (error instanceof RuleRefused) return `${what} ${error.message}`;
    return `${what} does not parse: ${(error as Error).message}`;
  }
}

/** A rule that parses but would not mean what its reader sees: said as it is, not as a parse failure. */
class RuleRefused extends Error {}

/** The window in force at `now`, if any (the one that ends last when several overlap). */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date): ActiveFreeze | undefined {
  let found: ActiveFreeze | undefined;
  for (const window of windows) {
    const wallNow = toWallClock(now, window.timezone);
    const start = latestStart(window, wallNow);
    if (!start) continue;
    // The end is compared as a real instant: in the hour a fall-back repeats, the wall clock goes back,
    // and a window ending then would lift and come back an hour later.
    const end = fromWallClock(new Date(start.getTime() + window.durationMs), window.timezone);
    if (now < end) {
      const real = { window, start: fromWallClock(start, window.timezone), end };
      if (!found || real.end > found.end) found = real;
    }
  }
  return found;
}

export function describeFreeze(freeze: ActiveFreeze): string {
  const what = freeze.window.reason ?? 'a freeze window';
  return `${what} (${freeze.window.rrule ?? freeze.window.cron}, ${formatDuration(freeze.window.durationMs)}, ${freeze.window.timezone})`;
}

/** The latest start at or before `wallNow` (a wall-clock instant), or undefined when there is none yet. */
function latestStart(window: Omit<FreezeWindow, 'durationMs'>, wallNow: Date): Date | undefined {
  if (window.rrule !== undefined) {
    const text = window.rrule.trim();
    const hasStart = /(^|\n)DTSTART[:;]/i.test(text);
    const body = /(^|\n)RRULE:/i.test(text) || hasStart ? text : `RRULE:${text}`;
    // Without a DTSTART the rule runs from Monday 2000-01-03, so any day or hour it names already recurs.
    const full = hasStart ? body : `DTSTART:20000103T000000Z\n${body}`;
    let rule: ReturnType<typeof rrule.rrulestr>;
    try {
      rule = rrule.rrulestr(full, { forceset: false });
    } catch (error) {
      // rrule's own words here are "Invalid frequency: undefined undefined"; say what it wants instead.
      if (/frequency/i.test((error as Error).message))
        throw new Error('FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY or MINUTELY');
      throw error;
    }
    const options = (rule as rruleModule.RRule).options;
    if (options && (options.freq === undefined || options.freq === null))
      throw new Error('it has no FREQ (expected e.g. FREQ=WEEKLY;BYDAY=FR;BYHOUR=16)');
    // rrule turns a DTSTART with a zone (TZID=…, or Z for UTC) into that zone's instant, which is then
    // read here as wall-clock time again: the window would move by the zone's offset. A UTC start in a
    // UTC window (the default) moves by nothing, and contracts written so before this check still stand.
    const utcWindow = window.timezone === 'UTC' || window.timezone === 'Etc/UTC';
    const zone = options?.tzid
      ? `TZID=${options.tzid}`
      : !utcWindow && /DTSTART(;[^:\s]*)?[:=]\d{8}T\d{6}Z/i.test(text)
        ? 'Z'
        : undefined;
    if (zone)
      throw new RuleRefused(
        `gives DTSTART a time zone (${zone}), which would shift the window by its offset; expected a floating DTSTART like DTSTART:20260102T160000; the zone goes in \`timezone:\``,
      );
    return rule.before(wallNow, true) ?? undefined;
  }
  if (window.cron !== undefined) {
    if (window.cron.trim().split(/\s+/).length !== 5)
      throw new Error('expected five fields: minute hour day-of-month month day-of-week');
    const expression = CronExpressionParser.parse(window.cron, {
      currentDate: new Date(wallNow.getTime() + 1000),
      tz: 'UTC',
    });
    return expression.prev().toDate();
  }
  throw new Error('give rrule or cron');
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in `zone` at instant `at`, as a Date whose UTC fields are that reading. */
export function toWallClock(at: Date, zone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return new Date(
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) +
      at.getUTCMilliseconds(),
  );
}

/**
 * The instant whose wall-clock reading in `zone` is `wall`. In the hour a fall-back repeats, the later of
 * the two (a freeze ending then lasts the longer way, in every zone alike); in the hour a spring-forward
 * skips, the reading with the offset from before the change (02:30 → 03:30 summer time, as RFC 5545 has it).
 */
export function fromWallClock(wall: Date, zone: string): Date {
  // Offsets a day either side are those before and after any change near `wall`.
  const offset = (at: number) => toWallClock(new Date(at), zone).getTime() - at;
  const day = 24 * 3600_000;
  const before = wall.getTime() - offset(wall.getTime() - day);
  const after = wall.getTime() - offset(wall.getTime() + day);
  const fits = [before, after].filter((t) => toWallClock(new Date(t), zone).getTime() === wall.getTime());
  return new Date(fits.length > 0 ? Math.max(...fits) : before);
}
