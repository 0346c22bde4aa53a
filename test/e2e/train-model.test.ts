// train-model, bundled and run as the runner runs it, on a copy of the iris example.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRun, runAction } from '../harness/run-action.js';
import { actionDefaults, cleanupAll, failureOf, fixtures, irisWorkspace } from './accuracy-test.helpers.js';

afterAll(cleanupAll);

describe('train-model', () => {
  it('trains on the runner and leaves a training record where accuracy-test finds it', async () => {
    const workspace = await irisWorkspace();
    await rm(join(workspace, 'model/weights.json'));
    const result = await runAction('train-model', { workspace, inputs: await actionDefaults('train-model') });
    await cleanupRun(result);
    expect(failureOf(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs['record-path']).toBe(join(workspace, '.slipway/train/record.json'));
    const record = JSON.parse(await readFile(result.outputs['record-path']!, 'utf8'));
    expect(record.outputs.map((f: { path: string }) => f.path)).toEqual(['README.md', 'model/weights.json']);
    expect(record.parameters).toMatchObject({ epochs: 3000 });
    expect(result.stdout).toMatch(/\[train\] trained on \d+ examples/);
    expect(result.summary).toContain('## 🏋️ Trained iris-classifier 1.0.0');
    expect(result.summary).toContain('`model/weights.json`');
  });

  it('fails require-gpu clearly on a runner without a GPU, before training', async () => {
    const workspace = await irisWorkspace();
    const result = await runAction('train-model', {
      workspace,
      inputs: { ...(await actionDefaults('train-model')), 'require-gpu': 'true' },
    });
    await cleanupRun(result);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(/require-gpu is set, but this runner has no GPU/);
  });

  it('hands every GPU of the runner to the train command and records them', async () => {
    const workspace = await irisWorkspace();
    await writeFile(
      join(workspace, 'show_gpus.py'),
      'import os\nprint("visible", os.environ["CUDA_VISIBLE_DEVICES"])\n',
    );
    const result = await runAction('train-model', {
      workspace,
      inputs: {
        ...(await actionDefaults('train-model')),
        'require-gpu': 'true',
        command: 'python3 show_gpus.py',
      },
      env: { PATH: `${fixtures}:${process.env.PATH}` },
    });
    await cleanupRun(result);
    expect(failureOf(result)).toBe('');
    const record = JSON.parse(await readFile(result.outputs['record-path']!, 'utf8'));
    expect(record.gpus.length).toBeGreaterThan(0);
    expect(result.stdout).toContain(`visible ${record.gpus.map((_: unknown, i: number) => i).join(',')}`);
  });
});
