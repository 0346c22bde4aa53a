// A verdict's numbers are printed with the digits it takes to tell them apart.
import { describe, expect, it } from 'vitest';
import { formatPair, thresholdGate } from '../../src/metrics/gates.js';
import type { GroupReport } from '../../src/metrics/index.js';

const group = (accuracy: number): GroupReport => ({
  n: 100_000,
  metrics: {
    accuracy: { value: accuracy, lower: null, upper: null, n: 100_000, method: 'none', direction: 'higher' },
  },
});

describe('gate wording', () => {
  it('never says "0.9000 is not at least 0.9000"', () => {
    const gate = thresholdGate('t', undefined, group(0.89996), {
      metric: 'accuracy',
      value: 0.9,
      direction: 'higher',
    });
    expect(gate.passed).toBe(false);
    expect(gate.reason).toBe('accuracy 0.89996 is not at least 0.90000');
  });

  it('keeps four digits when they already differ, and whole numbers as they are', () => {
    expect(formatPair(0.8512, 0.9)).toEqual(['0.8512', '0.9000']);
    expect(formatPair(1, 0.5)).toEqual(['1', '0.5000']);
    expect(formatPair(1, 0.99995)).toEqual(['1', '0.99995']);
    expect(formatPair(0.9, 0.9)).toEqual(['0.9000', '0.9000']);
  });
});
