import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, startDeadline } from '../../src/oci/deadline.js';

describe('the whole-publish deadline', () => {
  it('treats a deadline longer than a timer can hold as no deadline, instead of stopping at once', async () => {
    const deadline = startDeadline(1e10, 'Publishing iris 1.0.0', 'Raise --timeout.');
    await new Promise((done) => setTimeout(done, 20));
    expect(deadline.signal.aborted).toBe(false);
    deadline.clear();
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });

  it('stops the operation when a short deadline passes, saying which deadline ran out', async () => {
    const deadline = startDeadline(0.0002, 'Publishing iris 1.0.0', 'Raise --timeout.');
    await new Promise((done) => setTimeout(done, 50));
    expect(deadline.signal.aborted).toBe(true);
    expect(String(deadline.signal.reason)).toMatch(
      /Publishing iris 1\.0\.0 did not finish within its deadline/,
    );
  });

  it('ends what runs under it with the reason it is given, with or without a timer', () => {
    for (const minutes of [5, 1e10]) {
      const deadline = startDeadline(minutes, 'Publishing iris 1.0.0', 'Raise --timeout.');
      const failure = new Error('the upload of a.bin failed');
      deadline.stop(failure);
      deadline.clear();
      expect(deadline.signal.aborted).toBe(true);
      expect(deadline.signal.reason).toBe(failure);
    }
  });
});
