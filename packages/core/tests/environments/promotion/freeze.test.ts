import { activeFreeze, checkFreezeWindow, type FreezeWindow } from '@slipway/core/environments/promotion';
import fc from 'fast-check';
import * as rruleModule from 'rrule';
import { describe, expect, it } from 'vitest';
import { fromWallClock, toWallClock } from '../../../src/environments/promotion/freeze.js';

const rrule: typeof rruleModule =
  'rrulestr' in rruleModule ? rruleModule : (Reflect.get(rruleModule, 'default') as typeof rruleModule);
const minutes = (n: number) => n * 60_000;

/** Wall-clock instant as an RFC 5545 floating date-time: 20260102T160000. */
const floating = (at: Date) => at.toISOString().replace(/[-:]|\.\d{3}Z$/g, '');

describe('freeze windows', () => {
  it('tells whether a minutely, secondly or hourly rule is in force at once, however long ago it started', () => {
    // Walked from its start (2000-01-03 when none is given), a minutely rule took minutes to answer.
    const now = new Date('2026-07-10T15:05:30Z');
    const rules: FreezeWindow[] = [
      { rrule: 'FREQ=MINUTELY', durationMs: 45_000, timezone: 'UTC' },
      { rrule: 'FREQ=MINUTELY;INTERVAL=7', durationMs: minutes(1), timezone: 'Europe/Berlin' },
      { rrule: 'FREQ=SECONDLY;INTERVAL=10', durationMs: 1000, timezone: 'UTC' },
      { rrule: 'DTSTART:19700101T000000\nRRULE:FREQ=HOURLY', durationMs: minutes(10), timezone: 'UTC' },
    ];
    const started = performance.now();
    expect(activeFreeze([rules[0]!], now)?.start.toISOString()).toBe('2026-07-10T15:05:00.000Z');
    // 15:05 UTC is 17:05 in Berlin; seven-minute steps from Monday 2000-01-03 00:00 on its wall clock.
    const berlin = activeFreeze([rules[1]!], new Date('2026-07-10T15:03:30Z'));
    expect(berlin?.start.toISOString()).toBe('2026-07-10T15:03:00.000Z');
    expect(activeFreeze([rules[2]!], now)?.start.toISOString()).toBe('2026-07-10T15:05:30.000Z');
    expect(activeFreeze([rules[3]!], now)?.start.toISOString()).toBe('2026-07-10T15:00:00.000Z');
    for (const rule of rules) expect(checkFreezeWindow(rule)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a minutely rule narrowed to some hours of some days, which the rrule library cannot step through', () => {
    // Walked as written, this rule never returned (rrule's stride past a left-out day misses hour 16).
    const why = checkFreezeWindow({ rrule: 'FREQ=MINUTELY;BYDAY=FR;BYHOUR=16', timezone: 'UTC' });
    expect(why).toMatch(
      /^RRULE 'FREQ=MINUTELY;BYDAY=FR;BYHOUR=16' combines FREQ=MINUTELY with BYHOUR and a day filter .*; expected the window as a start and a duration, e\.g\. FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0 with duration: 1h$/,
    );
    expect(checkFreezeWindow({ rrule: 'FREQ=MINUTELY;BYHOUR=16', timezone: 'UTC' })).toBeUndefined();
    expect(checkFreezeWindow({ rrule: 'FREQ=MINUTELY;BYDAY=FR', timezone: 'UTC' })).toBeUndefined();
  }, 10_000);

  it('ends a rule at its UNTIL and after its COUNT', () => {
    const until = [{ rrule: 'FREQ=HOURLY;UNTIL=20261204T120000', durationMs: minutes(30), timezone: 'UTC' }];
    expect(activeFreeze(until, new Date('2026-12-04T12:10:00Z'))?.start.toISOString()).toBe(
      '2026-12-04T12:00:00.000Z',
    );
    expect(activeFreeze(until, new Date('2026-12-04T13:10:00Z'))).toBeUndefined();
    const count = [
      {
        rrule: 'DTSTART:20261201T000000\nRRULE:FREQ=MINUTELY;INTERVAL=30;COUNT=3',
        durationMs: minutes(10),
        timezone: 'Europe/Berlin',
      },
    ];
    // Berlin is UTC+1 in December: the third start is 01:00 Berlin, 00:00 UTC; there is no fourth.
    expect(activeFreeze(count, new Date('2026-12-01T00:05:00Z'))?.start.toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    expect(activeFreeze(count, new Date('2026-12-01T00:35:00Z'))).toBeUndefined();
  });

  it('finds the same window as walking the rule from its DTSTART, across DST changes', () => {
    const frequencies = ['WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY'] as const;
    const days = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
    fc.assert(
      fc.property(
        fc.constantFrom(...frequencies),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.subarray(days, { minLength: 1 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined }),
        fc.date({
          min: new Date('2026-03-20T00:00:00Z'),
          max: new Date('2026-11-05T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 30 * 24 * 60 }),
        fc.integer({ min: 1, max: 3 * 24 * 60 }),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'UTC'),
        (freq, interval, byday, byhour, now, backMinutes, durationMinutes, timezone) => {
          // Walking a minutely rule is the slow thing this replaces: keep its walk to a day here.
          const back = freq === 'MINUTELY' ? backMinutes % (24 * 60) : backMinutes;
          const dtstart = new Date(toWallClock(now, timezone).getTime() - minutes(back));
          dtstart.setUTCSeconds(0, 0);
          // From an hour off its INTERVAL grid, BYHOUR can never be met and rrule searches for ever.
          if (byhour !== undefined) dtstart.setUTCHours(byhour);
          const parts = [`FREQ=${freq}`, `INTERVAL=${interval}`];
          if (byday) parts.push(`BYDAY=${byday.join(',')}`);
          // A minutely rule with both is refused (above): rrule walks it wrongly from any start.
          if (byhour !== undefined && !(freq === 'MINUTELY' && byday)) parts.push(`BYHOUR=${byhour}`);
          const text = `DTSTART:${floating(dtstart)}\nRRULE:${parts.join(';')}`;
          const durationMs = minutes(durationMinutes);
          const walked = rrule.rrulestr(text).before(toWallClock(now, timezone), true);
          const end = walked && fromWallClock(new Date(walked.getTime() + durationMs), timezone);
          const expected =
            walked && end && now < end ? fromWallClock(walked, timezone).toISOString() : undefined;
          const found = activeFreeze([{ rrule: text, durationMs, timezone }], now);
          expect(found?.start.toISOString()).toBe(expected);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
