import { describe, expect, it } from 'vitest';
import { assertGpuAvailable, detectGpus, parseGpuInventory } from '../../src/eval/gpus.js';

describe('GPU inventory', () => {
  it('reads name, memory and driver of every GPU nvidia-smi lists', () => {
    const text = 'NVIDIA H100 80GB HBM3, 81559, 550.54.15\nNVIDIA A10G, 23028, 550.54.15\n';
    expect(parseGpuInventory(text)).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, driverVersion: '550.54.15' },
      { index: 1, name: 'NVIDIA A10G', memoryMiB: 23028, driverVersion: '550.54.15' },
    ]);
  });

  it('finds no GPU when nvidia-smi is not installed', async () => {
    expect(await detectGpus('/nonexistent/nvidia-smi')).toEqual([]);
  });

  it('fails require-gpu clearly on a runner without a GPU, and passes with one', () => {
    expect(() => assertGpuAvailable([], true)).toThrow(/require-gpu is set, but this runner has no GPU/);
    expect(() => assertGpuAvailable([], false)).not.toThrow();
    expect(() => assertGpuAvailable(parseGpuInventory('Tesla T4, 15360, 535.1'), true)).not.toThrow();
  });
});
