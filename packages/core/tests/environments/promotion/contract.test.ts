import { PromotionError, parsePromotionContract } from '@slipway/core/environments/promotion';
import { describe, expect, it } from 'vitest';

const config = (environments: string, extra = '') => `apiVersion: slipway.dev/v1
kind: Environments
environments:
${environments}
models:
  - name: iris
${extra}`;

const chain = config(`  - name: dev
  - name: staging
    policy:
      auto-promote: true
      soak: 2h
      verify: ['argocd/{model}-{environment}']
  - name: prod
    promote-from: { any: [staging, dev] }
    policy:
      freeze:
        - rrule: FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0
          duration: 64h
          timezone: Europe/Berlin
          reason: weekend change freeze
`);

describe('the promotion contract in slipway.yaml', () => {
  it('promotes each environment from the one before it unless promote-from says otherwise', () => {
    const contract = parsePromotionContract(chain);
    expect(contract.policies.get('dev')!.upstream).toEqual({ require: 'all', environments: [] });
    expect(contract.policies.get('staging')).toEqual({
      environment: 'staging',
      upstream: { require: 'all', environments: ['dev'] },
      autoPromote: true,
      soakMs: 2 * 3600_000,
      verify: ['argocd/{model}-{environment}'],
      freeze: [],
      rollbackHolds: true,
    });
    expect(contract.policies.get('prod')!.upstream).toEqual({
      require: 'any',
      environments: ['staging', 'dev'],
    });
    expect(contract.policies.get('prod')!.freeze[0]).toMatchObject({
      durationMs: 64 * 3600_000,
      timezone: 'Europe/Berlin',
    });
    expect(contract.order).toEqual(['dev', 'staging', 'prod']);
  });

  it('names an unknown upstream environment with where it is and the nearest name', () => {
    const text = config(`  - name: dev
  - name: staging
    promote-from: devv
`);
    expect(() => parsePromotionContract(text, 'acme/envs@main:slipway.yaml')).toThrow(
      "acme/envs@main:slipway.yaml:6:19: environment 'staging' is promoted from 'devv', which is not an environment here (known: dev, staging). Did you mean 'dev'?",
    );
  });

  it('refuses a cycle in promote-from and names it', () => {
    const text = config(`  - name: dev
  - name: staging
    promote-from: prod
  - name: prod
`);
    expect(() => parsePromotionContract(text)).toThrow(
      'slipway.yaml:6:19: promote-from makes a cycle: staging ← prod ← staging.',
    );
  });

  it('refuses an RRULE that does not parse, pointing at the rule', () => {
    const text = config(`  - name: dev
    policy:
      freeze: [{ rrule: 'FREQ=SOMETIMES', duration: 1h }]
`);
    const error = (() => {
      try {
        parsePromotionContract(text);
      } catch (e) {
        return e as PromotionError;
      }
    })();
    expect(error).toBeInstanceOf(PromotionError);
    expect(error!.message).toMatch(
      /^slipway\.yaml:6:25: freeze window of 'dev': RRULE 'FREQ=SOMETIMES' does not parse/,
    );
    expect(error!.expected).toContain('FREQ=WEEKLY');
  });

  it('refuses an RRULE whose DTSTART carries a time zone, saying the zone goes in timezone', () => {
    const zoned = config(`  - name: dev
  - name: prod
    policy:
      freeze:
        - rrule: "DTSTART;TZID=Europe/Berlin:20260102T160000\\nRRULE:FREQ=WEEKLY;BYDAY=FR"
          duration: 1h
          timezone: Europe/Berlin
`);
    expect(() => parsePromotionContract(zoned)).toThrow(
      "slipway.yaml:8:18: freeze window of 'prod': RRULE 'DTSTART;TZID=Europe/Berlin:20260102T160000\nRRULE:FREQ=WEEKLY;BYDAY=FR' gives DTSTART a time zone (TZID=Europe/Berlin), which would shift the window by its offset; expected a floating DTSTART like DTSTART:20260102T160000; the zone goes in `timezone:`.",
    );
    // A UTC start in a window read in another zone would shift; in a UTC window (the default) it cannot.
    const utc = config(`  - name: dev
    policy:
      freeze: [{ rrule: "DTSTART:20260102T160000Z\\nRRULE:FREQ=WEEKLY", duration: 1h, timezone: Europe/Berlin }]
`);
    expect(() => parsePromotionContract(utc)).toThrow(/gives DTSTART a time zone \(Z\)/);
    const utcInUtc = config(`  - name: dev
    policy:
      freeze: [{ rrule: "DTSTART:20260102T160000Z\\nRRULE:FREQ=WEEKLY", duration: 1h }]
`);
    expect(parsePromotionContract(utcInUtc).policies.get('dev')!.freeze).toHaveLength(1);
    const floating = config(`  - name: dev
    policy:
      freeze: [{ rrule: "DTSTART:20260102T160000\\nRRULE:FREQ=WEEKLY", duration: 1h }]
`);
    expect(parsePromotionContract(floating).policies.get('dev')!.freeze).toHaveLength(1);
  });

  it('refuses a cron expression out of range and a time zone that does not exist', () => {
    const cron = config(`  - name: dev
    policy:
      freeze: [{ cron: '61 16 * * 5', duration: 1h }]
`);
    expect(() => parsePromotionContract(cron)).toThrow(/cron '61 16 \* \* 5' does not parse/);
    const zone = config(`  - name: dev
    policy:
      freeze: [{ cron: '0 16 * * 5', duration: 1h, timezone: Mars/Olympus }]
`);
    expect(() => parsePromotionContract(zone)).toThrow(/time zone 'Mars\/Olympus' is not an IANA time zone/);
  });

  it('reads holds and refuses one for an environment that is not there', () => {
    const held = parsePromotionContract(
      config(
        '  - name: dev\n  - name: prod\n',
        'holds:\n  - { environment: prod, model: iris, reason: rolled back }\n',
      ),
    );
    expect(held.holds).toEqual([{ environment: 'prod', model: 'iris', reason: 'rolled back' }]);
    expect(() =>
      parsePromotionContract(
        config('  - name: dev\n', 'holds:\n  - { environment: prd, model: iris, reason: x }\n'),
      ),
    ).toThrow(/hold names environment 'prd'/);
  });

  it('rejects a soak that is not a duration through the schema', () => {
    expect(() => parsePromotionContract(config('  - name: dev\n    policy: { soak: two hours }\n'))).toThrow(
      /soak/,
    );
  });
});
