import {
  activeFreeze,
  evaluateGates,
  type GateInput,
  type PromotionPolicy,
  recordedVerification,
} from '@slipway/core/environments/promotion';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const digest = `sha256:${'a'.repeat(64)}`;
const staging: PromotionPolicy = {
  environment: 'staging',
  upstream: { require: 'all', environments: ['dev'] },
  autoPromote: true,
  soakMs: 2 * 3600_000,
  verify: ['argocd/{model}-{environment}'],
  freeze: [],
  rollbackHolds: true,
};
const verifiedAt = '2026-12-02T10:00:00Z';
const input = (over: Partial<GateInput> = {}): GateInput => ({
  policy: staging,
  model: 'iris',
  artifactDigest: digest,
  upstreams: [
    {
      environment: 'dev',
      artifactDigest: digest,
      contexts: ['argocd/iris-dev'],
      statuses: [{ context: 'argocd/iris-dev', state: 'success', createdAt: verifiedAt }],
    },
  ],
  now: new Date('2026-12-02T11:00:00Z'),
  ...over,
});

describe('promotion gates', () => {
  it('waits for the Argo CD status of the upstream deployment, saying which', () => {
    const gates = evaluateGates(input({ upstreams: [{ ...input().upstreams[0]!, statuses: [] }] }));
    expect(gates.verified).toEqual({
      context: 'slipway/verified',
      state: 'pending',
      description: 'Awaiting argocd/iris-dev to report success in dev.',
    });
    expect(gates.soak.state).toBe('pending');
    expect(gates.soak.description).toBe('Soak of 2h starts once verified upstream.');
  });

  it('counts soak from the time the version was verified upstream, until the clock passes it', () => {
    const gates = evaluateGates(input());
    expect(gates.verified.state).toBe('success');
    expect(gates.verified.description).toBe('Verified in dev at 2026-12-02T10:00:00.000Z');
    expect(gates.soak).toMatchObject({
      state: 'pending',
      description: 'Soaking until 2026-12-02 12:00 UTC (2h after verified upstream).',
    });
    const later = evaluateGates(input({ now: new Date('2026-12-02T12:00:00Z') }));
    expect(later.soak.state).toBe('success');
  });

  it('keeps the recorded verification time when main moved on and the controller has not reported yet', () => {
    const recorded = recordedVerification({
      context: 'slipway/verified',
      state: 'success',
      description: 'Verified in dev at 2026-12-02T09:00:00.000Z',
      createdAt: verifiedAt,
    });
    const gates = evaluateGates(
      input({ recordedVerifiedAt: recorded!, upstreams: [{ ...input().upstreams[0]!, statuses: [] }] }),
    );
    expect(gates.verified.state).toBe('success');
    expect(gates.soak.description).toBe('Soaked 2h since verified (2026-12-02 09:00 UTC).');
  });

  it('withdraws verified when the upstream deployment turns to failure, even if it was verified before', () => {
    const failed = input({
      recordedVerifiedAt: new Date(verifiedAt),
      upstreams: [
        {
          ...input().upstreams[0]!,
          statuses: [
            { context: 'argocd/iris-dev', state: 'failure', description: 'Degraded', createdAt: verifiedAt },
          ],
        },
      ],
    });
    expect(evaluateGates(failed).verified).toMatchObject({
      state: 'failure',
      description: 'Withdrawn: argocd/iris-dev reports failure in dev: Degraded.',
    });
  });

  it('waits while the upstream still runs another artifact', () => {
    const gates = evaluateGates(
      input({ upstreams: [{ ...input().upstreams[0]!, artifactDigest: `sha256:${'b'.repeat(64)}` }] }),
    );
    expect(gates.verified.description).toBe('Awaiting dev to run aaaaaaaaaaaa (it runs bbbbbbbbbbbb).');
  });

  it('stops counting a recorded verification once the upstream is rolled back to another artifact', () => {
    // dev ran aaaa… and verified it yesterday; then dev was rolled back to bbbb…, whose Argo CD status is green.
    const rolledBack = input({
      recordedVerifiedAt: new Date('2026-12-01T10:00:00Z'),
      upstreams: [{ ...input().upstreams[0]!, artifactDigest: `sha256:${'b'.repeat(64)}` }],
    });
    const gates = evaluateGates(rolledBack);
    expect(gates.verified).toMatchObject({
      state: 'pending',
      description:
        'dev no longer runs aaaaaaaaaaaa (it runs bbbbbbbbbbbb); this PR waits until it does (or promote what runs there now, or close it).',
    });
    expect(gates.soak.state).toBe('pending');
  });

  it('keeps a recorded verification with any of several upstreams while one still runs the artifact', () => {
    const policy = { ...staging, upstream: { require: 'any' as const, environments: ['dev', 'qa'] } };
    const qa = { environment: 'qa', artifactDigest: `sha256:${'b'.repeat(64)}`, contexts: [], statuses: [] };
    const dev = { ...input().upstreams[0]!, statuses: [] };
    const recordedVerifiedAt = new Date('2026-12-01T10:00:00Z');
    expect(evaluateGates(input({ policy, recordedVerifiedAt, upstreams: [dev, qa] })).verified).toMatchObject(
      { state: 'success', description: 'Verified in dev at 2026-12-01T10:00:00.000Z' },
    );
    const bothGone = input({
      policy,
      recordedVerifiedAt,
      upstreams: [{ ...dev, artifactDigest: `sha256:${'c'.repeat(64)}` }, qa],
    });
    expect(evaluateGates(bothGone).verified.state).toBe('pending');
  });

  it('with any of several upstreams, one verified is enough', () => {
    const policy = { ...staging, upstream: { require: 'any' as const, environments: ['dev', 'qa'] } };
    const qa = { environment: 'qa', contexts: ['flux/iris-qa'], statuses: [] };
    expect(evaluateGates(input({ policy, upstreams: [...input().upstreams, qa] })).verified.state).toBe(
      'success',
    );
    const all = { ...policy, upstream: { require: 'all' as const, environments: ['dev', 'qa'] } };
    expect(evaluateGates(input({ policy: all, upstreams: [...input().upstreams, qa] })).verified.state).toBe(
      'pending',
    );
  });

  it('holds a held model with the reason', () => {
    const gates = evaluateGates(
      input({ hold: { environment: 'staging', model: 'iris', reason: 'rolled back' } }),
    );
    expect(gates.hold).toEqual({
      context: 'slipway/hold',
      state: 'pending',
      description: 'Held: rolled back. Remove the hold (slipway release) to go on.',
    });
  });

  it('keeps the freeze pending inside a weekly window read in its own time zone, and lets go after', () => {
    const policy: PromotionPolicy = {
      ...staging,
      freeze: [
        {
          rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0',
          durationMs: 64 * 3600_000,
          timezone: 'Europe/Berlin',
          reason: 'weekend change freeze',
        },
      ],
    };
    // Friday 2026-12-04 16:00 in Berlin is 15:00 UTC; the window ends Monday 08:00 Berlin, 07:00 UTC.
    const inside = evaluateGates(input({ policy, now: new Date('2026-12-05T12:00:00Z') }));
    expect(inside.freeze).toMatchObject({
      state: 'pending',
      description:
        'Frozen until 2026-12-07 07:00 UTC: weekend change freeze (FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0, 2d 16h, Europe/Berlin).',
    });
    expect(evaluateGates(input({ policy, now: new Date('2026-12-04T14:59:00Z') })).freeze.state).toBe(
      'success',
    );
    expect(evaluateGates(input({ policy, now: new Date('2026-12-07T07:00:00Z') })).freeze.state).toBe(
      'success',
    );
  });

  it('reads cron windows in their time zone too', () => {
    const windows = [{ cron: '0 22 * * *', durationMs: 8 * 3600_000, timezone: 'America/New_York' }];
    // 22:00 in New York on 2026-12-01 is 03:00 UTC on 2026-12-02.
    expect(activeFreeze(windows, new Date('2026-12-02T02:59:00Z'))).toBeUndefined();
    expect(activeFreeze(windows, new Date('2026-12-02T03:00:00Z'))?.end.toISOString()).toBe(
      '2026-12-02T11:00:00.000Z',
    );
  });

  it('keeps a freeze that ends in the hour a fall-back repeats until the later of its two readings', () => {
    // Berlin goes from 03:00 summer time back to 02:00 winter time at 01:00 UTC on 2026-10-25. The window
    // runs from Saturday 00:00 to Sunday 02:30 on the wall clock, a time that comes twice that night.
    const windows = [{ cron: '0 0 * * 6', durationMs: (26 * 60 + 30) * 60_000, timezone: 'Europe/Berlin' }];
    const frozen = ['2026-10-25T00:15:00Z', '2026-10-25T00:45:00Z', '2026-10-25T01:15:00Z'].map((t) =>
      activeFreeze(windows, new Date(t))?.end.toISOString(),
    );
    expect(frozen).toEqual(Array(3).fill('2026-10-25T01:30:00.000Z'));
    expect(activeFreeze(windows, new Date('2026-10-25T01:30:00Z'))).toBeUndefined();
  });

  it("reads a floating DTSTART on the wall clock of the window's time zone", () => {
    const windows = [
      {
        rrule: 'DTSTART:20260102T160000\nRRULE:FREQ=WEEKLY;BYDAY=FR',
        durationMs: 3600_000,
        timezone: 'Europe/Berlin',
      },
    ];
    expect(activeFreeze(windows, new Date('2026-12-04T14:59:00Z'))).toBeUndefined();
    expect(activeFreeze(windows, new Date('2026-12-04T15:00:00Z'))?.end.toISOString()).toBe(
      '2026-12-04T16:00:00.000Z',
    );
  });

  it('never lets a frozen or held promotion be all green, whatever else holds', () => {
    const freeze = [{ cron: '0 0 * * *', durationMs: 24 * 3600_000, timezone: 'UTC' }];
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }),
        fc.boolean(),
        fc.integer({ min: 0, max: 10 * 3600_000 }),
        (now, held, soakMs) => {
          const gates = evaluateGates(
            input({
              now,
              policy: { ...staging, soakMs, freeze: held ? [] : freeze },
              ...(held ? { hold: { environment: 'staging', model: 'iris', reason: 'x' } } : {}),
            }),
          );
          return Object.values(gates).some((g) => g.state !== 'success');
        },
      ),
    );
  });
});
