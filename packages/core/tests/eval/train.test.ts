// Training on this runner: the iris example's real train.py, run by trainProject, and the record it leaves.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordFiles } from '../../src/config/index.js';
import { readTrainingRecord, TrainingError, trainProject } from '../../src/eval/train.js';

const iris = resolve(import.meta.dirname, '../../../../examples/iris');
const created: string[] = [];
afterAll(async () => {
  for (const dir of created) await rm(dir, { recursive: true, force: true });
});

async function irisCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-train-'));
  created.push(dir);
  await cp(iris, dir, { recursive: true, filter: (source) => !source.includes('.slipway') });
  return dir;
}

const env = { ...process.env, RUNNER_NAME: 'test-runner', RUNNER_OS: 'Linux', GITHUB_SHA: 'f'.repeat(40) };

describe('slipway train', () => {
  it('trains the iris example and records commit, config, data, parameters, outputs and wall time', async () => {
    const dir = await irisCopy();
    await rm(join(dir, 'model/weights.json'));
    const lines: string[] = [];
    const { record, recordPath } = await trainProject({
      config: 'slipway.yaml',
      root: dir,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
      env,
      log: (line) => lines.push(line),
    });
    expect(recordPath).toBe(join(dir, '.slipway/train/record.json'));
    expect(await readTrainingRecord(recordPath)).toEqual(record);
    expect(lines[0]).toBe('GPUs: none (nvidia-smi not found or lists no device)');
    expect(lines.some((line) => line.startsWith('[train] trained on'))).toBe(true);
    expect(record.commit).toBe('f'.repeat(40));
    expect(record.command).toEqual(['python3', 'train.py']);
    expect(record.config.path).toBe('slipway.yaml');
    expect(record.data.map((file) => file.path)).toEqual([
      'data/hard-cases.csv',
      'data/holdout.csv',
      'data/train.csv',
    ]);
    expect(record.data).toEqual(
      await recordFiles(dir, ['data/train.csv', 'data/holdout.csv', 'data/hard-cases.csv']),
    );
    // The weights were deleted before training: the digest recorded is that of the file training wrote.
    expect(record.outputs).toEqual(await recordFiles(dir, ['model/weights.json', 'README.md']));
    expect(record.parameters).toMatchObject({ epochs: 3000, 'learning-rate': 0.5, l2: 0.01 });
    expect(record.wallTimeSeconds).toBeGreaterThan(0);
    expect(record.gpus).toEqual([]);
    expect(record.runner).toEqual({ name: 'test-runner', os: 'Linux' });
  });

  it('fails with the exit code and writes no record when the train command fails', async () => {
    const dir = await irisCopy();
    const attempt = trainProject({
      config: 'slipway.yaml',
      root: dir,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
      command: ['python3', 'train.py', '--epochs', 'many'],
      env,
    });
    await expect(attempt).rejects.toThrow(TrainingError);
    await expect(attempt).rejects.toThrow(
      /The train command 'python3 train.py --epochs many' failed with exit code 2/,
    );
    await expect(readFile(join(dir, '.slipway/train/record.json'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses to train without a GPU when one is required, before running anything', async () => {
    const dir = await irisCopy();
    await rm(join(dir, 'model/weights.json'));
    const attempt = trainProject({
      config: 'slipway.yaml',
      root: dir,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
      requireGpu: true,
      env,
    });
    await expect(attempt).rejects.toThrow(/GPU/);
    await expect(readFile(join(dir, 'model/weights.json'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(dir, '.slipway/train/record.json'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses parameters that are not a JSON object', async () => {
    const dir = await irisCopy();
    await writeFile(
      join(dir, 'bad_params.py'),
      'import os\nopen(os.environ["SLIPWAY_TRAIN_PARAMETERS"], "w").write("[1, 2]")\n',
    );
    const attempt = trainProject({
      config: 'slipway.yaml',
      root: dir,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
      command: ['python3', 'bad_params.py'],
      env,
    });
    await expect(attempt).rejects.toThrow(/holds a list, not a JSON object/);
  });

  it('stops a train command past its timeout, saying which setting to raise', async () => {
    const dir = await irisCopy();
    await writeFile(join(dir, 'slow.py'), 'import time\ntime.sleep(30)\n');
    const attempt = trainProject({
      config: 'slipway.yaml',
      root: dir,
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
      command: ['python3', 'slow.py'],
      timeoutMinutes: 0.005,
      env,
    });
    await expect(attempt).rejects.toThrow(
      /The train command 'python3 slow.py' ran past its timeout .*Raise train.timeout-minutes/,
    );
  });
});
