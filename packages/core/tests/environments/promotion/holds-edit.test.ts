import { addHold, parsePromotionContract, removeHold } from '@slipway/core/environments/promotion';
import { describe, expect, it } from 'vitest';

const base = `apiVersion: slipway.dev/v1
kind: Environments
# comments stay
environments:
  - name: dev
  - name: prod # the last one
models:
  - name: iris
  - name: resnet
`;
const hold = {
  environment: 'prod',
  model: 'iris',
  reason: 'rolled back: p99 latency',
  since: '2026-12-02T10:00:00Z',
  by: 'alice',
};

describe('holds in slipway.yaml', () => {
  it('adds a hold where there was no holds key, and every other byte stays', () => {
    const text = addHold(base, hold);
    expect(text.startsWith(base)).toBe(true);
    expect(parsePromotionContract(text).holds).toEqual([hold]);
  });

  it('turns `holds: []` into a list and appends to an existing list with its indentation', () => {
    const empty = `${base}holds: [] # none yet\n`;
    const one = addHold(empty, hold);
    expect(parsePromotionContract(one).holds).toEqual([hold]);
    const indented = `${base}holds:\n    - environment: dev\n      model: resnet\n      reason: flaky\n`;
    const two = addHold(indented, hold);
    expect(parsePromotionContract(two).holds.map((h) => `${h.environment}/${h.model}`)).toEqual([
      'dev/resnet',
      'prod/iris',
    ]);
    expect(two.startsWith(indented)).toBe(true);
  });

  it('removes exactly the released hold, and leaves `holds: []` when it was the last', () => {
    const two = addHold(addHold(base, { environment: 'dev', model: 'resnet', reason: 'flaky' }), hold);
    const one = removeHold(two, 'dev', 'resnet');
    expect(parsePromotionContract(one).holds).toEqual([hold]);
    const none = removeHold(one, 'prod', 'iris');
    expect(parsePromotionContract(none).holds).toEqual([]);
    expect(none).toBe(`${base}holds: []\n`);
    expect(removeHold(base, 'prod', 'iris')).toBe(base);
  });
});
