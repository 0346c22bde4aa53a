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
    latestStart(window, new Date(Date.UTC(2026, 0, 1)), 0);
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
    const start = latestStart(window, wallNow, window.durationMs + offsetSlackMs);
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

/**
 * A start further back than a window's duration cannot be in force now, give or take the difference
 * between the zone's offsets then and now: two days covers every offset change a zone has made.
 */
const offsetSlackMs = 2 * 24 * 3600_000;

/**
 * The latest start at or before `wallNow` (a wall-clock instant) and no earlier than `lookbackMs` before
 * it, or undefined when there is none in that span.
 */
function latestStart(
  window: Omit<FreezeWindow, 'durationMs'>,
  wallNow: Date,
  lookbackMs: number,
): Date | undefined {
  if (window.rrule !== undefined) return latestOccurrence(parseRule(window), wallNow, lookbackMs);
  if (window.cron !== undefined) {
    if (window.cron.trim().split(/\s+/).length !== 5)
      throw new Error('expected five fields: minute hour day-of-month month day-of-week');
    const expression = CronExpressionParser.parse(window.cron, {
      currentDate: new Date(wallNow.getTime() + 1000),
      tz: 'UTC',
    });
    const start = expression.prev().toDate();
    return start.getTime() >= wallNow.getTime() - lookbackMs ? start : undefined;
  }
  throw new Error('give rrule or cron');
}

type Rule = rruleModule.RRule | rruleModule.RRuleSet;
type ParsedOptions = rruleModule.RRule['options'];

function parseRule(window: Omit<FreezeWindow, 'durationMs'>): Rule {
  const text = window.rrule!.trim();
  const hasStart = /(^|\n)DTSTART[:;]/i.test(text);
  const body = /(^|\n)RRULE:/i.test(text) || hasStart ? text : `RRULE:${text}`;
  // Without a DTSTART the rule runs from Monday 2000-01-03, so any day or hour it names already recurs.
  const full = hasStart ? body : `DTSTART:20000103T000000Z\n${body}`;
  let rule: Rule;
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
  if (options && steppedPastDays(options))
    throw new RuleRefused(
      `combines FREQ=${rrule.Frequency[options.freq]} with BYHOUR${options.freq === rrule.Frequency.SECONDLY ? ' or BYMINUTE' : ''} and a day filter (BYDAY, BYMONTHDAY, BYMONTH…), which the rrule library steps through wrongly (it skips days or never returns); expected the window as a start and a duration, e.g. FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0 with duration: 1h`,
    );
  if (zone)
    throw new RuleRefused(
      `gives DTSTART a time zone (${zone}), which would shift the window by its offset; expected a floating DTSTART like DTSTART:20260102T160000; the zone goes in \`timezone:\``,
    );
  return rule;
}

/**
 * rrule moves a minutely (secondly) rule past a day it leaves out by all the hours (minutes) left in that
 * day at once, then on in strides of that size until it meets an hour BYHOUR names: it skips days, and
 * from some hours it never meets one.
 */
function steppedPastDays(options: ParsedOptions): boolean {
  const some = (list: readonly unknown[] | null | undefined) => (list?.length ?? 0) > 0;
  const minutely = options.freq === rrule.Frequency.MINUTELY;
  const secondly = options.freq === rrule.Frequency.SECONDLY;
  const narrowed = some(options.byhour) || (secondly && some(options.byminute));
  const someDays =
    some(options.byweekday) ||
    some(options.bynweekday) ||
    some(options.bymonthday) ||
    some(options.bynmonthday) ||
    some(options.bymonth) ||
    some(options.byyearday) ||
    some(options.byweekno) ||
    (options.byeaster !== null && options.byeaster !== undefined);
  return (minutely || secondly) && narrowed && someDays;
}

/**
 * The rule's latest occurrence in [wallNow − lookbackMs, wallNow]. rrule walks every period from
 * DTSTART (a minutely rule from 2000 is millions of steps), so the rule is restarted near now instead,
 * on a start that keeps its occurrences; the span grows from an hour so a dense rule stops early.
 */
function latestOccurrence(rule: Rule, wallNow: Date, lookbackMs: number): Date | undefined {
  for (let span = Math.min(3600_000, lookbackMs); ; span = Math.min(span * 16, lookbackMs)) {
    const near = restartedBefore(rule, new Date(wallNow.getTime() - span));
    // A rule that cannot be restarted (COUNT counts from the original start) is walked as written.
    if (!near) return rule.before(wallNow, true) ?? undefined;
    const found = near.before(wallNow, true);
    if (found || span >= lookbackMs) return found ?? undefined;
  }
}

function restartedBefore(rule: Rule, from: Date): Rule | undefined {
  if (rule instanceof rrule.RRuleSet) {
    const set = new rrule.RRuleSet();
    for (const [parts, add] of [
      [rule.rrules(), (r: rruleModule.RRule) => set.rrule(r)],
      [rule.exrules(), (r: rruleModule.RRule) => set.exrule(r)],
    ] as const) {
      for (const part of parts) {
        const restarted = restartedBefore(part, from);
        if (!restarted) return undefined;
        add(restarted as rruleModule.RRule);
      }
    }
    for (const date of rule.rdates()) set.rdate(date);
    for (const date of rule.exdates()) set.exdate(date);
    return set;
  }
  const { origOptions, options } = rule as rruleModule.RRule;
  if (options.count !== null) return undefined;
  const dtstart = restartOf(options, from);
  if (!dtstart) return undefined;
  if (dtstart.getTime() <= options.dtstart.getTime()) return rule;
  return new rrule.RRule({ ...origOptions, dtstart });
}

const fixedPeriodMs: Partial<Record<rruleModule.Frequency, number>> = {
  [rrule.Frequency.WEEKLY]: 7 * 24 * 3600_000,
  [rrule.Frequency.DAILY]: 24 * 3600_000,
  [rrule.Frequency.HOURLY]: 3600_000,
  [rrule.Frequency.MINUTELY]: 60_000,
  [rrule.Frequency.SECONDLY]: 1000,
};

/**
 * The last start at or before `from` that lies a whole number of the rule's periods (FREQ × INTERVAL)
 * after `start`. Every field rrule takes from DTSTART (second, minute, hour, weekday, day of month, the
 * week and the INTERVAL grid) is the same there, so the rule yields the same occurrences from it on.
 * Wall-clock instants have no DST, so days and weeks are fixed lengths; months and years are counted on
 * the calendar, only from a day every month has.
 */
function restartOf(options: ParsedOptions, from: Date): Date | undefined {
  const { dtstart: start, freq, interval } = options;
  const fixed = fixedPeriodMs[freq];
  if (fixed !== undefined) {
    const period = fixed * interval;
    const periods = Math.max(Math.floor((from.getTime() - start.getTime()) / period), 0);
    return new Date(start.getTime() + periods * period);
  }
  if (start.getUTCDate() > 28) return undefined;
  const months = (freq === rrule.Frequency.YEARLY ? 12 : 1) * interval;
  const elapsed =
    (from.getUTCFullYear() - start.getUTCFullYear()) * 12 + from.getUTCMonth() - start.getUTCMonth();
  for (let periods = Math.max(Math.floor(elapsed / months), 0); periods >= 0; periods--) {
    const restart = new Date(start);
    restart.setUTCMonth(start.getUTCMonth() + periods * months);
    if (restart <= from) return restart;
  }
  return start;
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
