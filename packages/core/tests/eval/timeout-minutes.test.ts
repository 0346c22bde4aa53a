import { describeError } from '@slipway/core/errors';
import { parseTimeoutMinutes } from '@slipway/core/eval';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('a timeout given to a door', () => {
  it('is not given when absent or empty, as action.yml leaves it', () => {
    expect(parseTimeoutMinutes(undefined, '--timeout-minutes')).toBeUndefined();
    expect(parseTimeoutMinutes('', 'input timeout-minutes')).toBeUndefined();
    expect(parseTimeoutMinutes('  ', 'input timeout-minutes')).toBeUndefined();
  });

  it('takes any positive number of minutes a timer can hold', () => {
    expect(parseTimeoutMinutes('30', '--timeout-minutes')).toBe(30);
    expect(parseTimeoutMinutes('0.5', '--timeout-minutes')).toBe(0.5);
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 35_000, noNaN: true }), (minutes) => {
        expect(parseTimeoutMinutes(String(minutes), '--timeout-minutes')).toBe(minutes);
      }),
    );
  });

  it.each(['0', '-5', 'soon', 'Infinity', '1e10'])(
    "refuses '%s' as one sentence naming the flag, rather than killing the command at its start",
    (text) => {
      let thrown: unknown;
      try {
        parseTimeoutMinutes(text, '--timeout-minutes');
      } catch (error) {
        thrown = error;
      }
      expect(describeError(thrown)).toBe(
        `Invalid --timeout-minutes '${text}'. Expected a positive number of minutes up to 35791, e.g. 30.`,
      );
    },
  );
});
