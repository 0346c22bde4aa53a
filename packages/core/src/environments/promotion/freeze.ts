// Freeze windows: a start given by an RFC 5545 RRULE (the `rrule` library) or a cron expression
// (`cron-parser`), a duration, and the time zone both are read in.
//
// Why wall-clock arithmetic: "Fridays at 16:00 in Europe/Berlin" means 16:00 on the wall clock in Berlin
// whatever the UTC offset that week. Both libraries are run in UTC on *wall-clock* instants (the local
// date and time written as if it were UTC), so a rule means what its reader sees, across DST changes; the
// window's start and end are turned back into real instants only for the sentence on the pull request.
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
    return `${what} does not parse: ${(error as Error).message}`;
  }
}

/** The window in force at `now`, if any (the one that ends last when several overlap). */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date): ActiveFreeze | undefined {
  let found: ActiveFreeze | undefined;
  for (const window of windows) {
    const wallNow = toWallClock(now, window.timezone);
    const start = latestStart(window, wallNow);
    if (!start) continue;
    const end = new Date(start.getTime() + window.durationMs);
    if (wallNow < end) {
      const real = {
        window,
        start: fromWallClock(start, window.timezone),
        end: fromWallClock(end, window.timezone),
      };
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
    Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')),
  );
}

/** The instant whose wall-clock reading in `zone` is `wall` (the earlier one in a DST overlap). */
export function fromWallClock(wall: Date, zone: string): Date {
  // Two passes settle the offset, DST transitions included.
  let guess = new Date(wall.getTime());
  for (let i = 0; i < 2; i++) {
    const offset = toWallClock(guess, zone).getTime() - guess.getTime();
    guess = new Date(wall.getTime() - offset);
  }
  return guess;
}
