// An eval command that ignores SLIPWAY_SHARD_INDEX/COUNT evaluates the whole test set in every shard. Each
// shard alone looks sound, so without a check across shards every example would be counted once per shard.
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateProject } from '../../src/eval/evaluate-project.js';
import { DataProblemError } from '../../src/metrics/errors.js';
import { probeProject } from './probe-project.js';

const ROWS = 300;
// PROBE_MODE=ignore copies every row whatever the shard; otherwise the command keeps its shard's rows.
const evalScript = `import os
i = int(os.environ["SLIPWAY_SHARD_INDEX"]); n = int(os.environ["SLIPWAY_SHARD_COUNT"])
honour = os.environ.get("PROBE_MODE") != "ignore"
with open(os.environ["SLIPWAY_TEST_SET_PATH"]) as rows, open(os.environ["SLIPWAY_OUTPUT"], "w") as out:
    for p, line in enumerate(rows):
        if honour and p % n != i: continue
        out.write(line)
`;

async function project(): Promise<string> {
  const dir = await probeProject({
    label: 'shard-duplicates',
    script: { name: 'eval.py', text: evalScript },
    rows: Array.from({ length: ROWS }, (_, i) =>
      JSON.stringify({ id: i, label: i % 2 ? 'a' : 'b', prediction: i % 7 ? 'a' : 'b' }),
    ),
    // A runner with two GPUs: an unsharded evaluation runs one shard per GPU, in parallel.
    files: {
      'two-gpus.sh': '#!/bin/sh\necho "NVIDIA H100, 81559, 550.54"\necho "NVIDIA H100, 81559, 550.54"\n',
    },
  });
  await chmod(join(dir, 'two-gpus.sh'), 0o755);
  return dir;
}

const env = (mode: 'honour' | 'ignore') => ({ ...process.env, PROBE_MODE: mode, GITHUB_SHA: 'c'.repeat(40) });

describe('an eval command that ignores its shard', () => {
  it('is a duplicate-id error on a multi-GPU runner, naming both shards’ predictions files', async () => {
    const dir = await project();
    const attempt = evaluateProject({
      config: 'slipway.yaml',
      root: dir,
      env: env('ignore'),
      nvidiaSmi: join(dir, 'two-gpus.sh'),
    });
    await expect(attempt).rejects.toThrow(DataProblemError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `duplicate-id: .*predictions/t\\.shard-0-of-2\\.jsonl and .*predictions/t\\.shard-1-of-2\\.jsonl both hold ${ROWS} examples with the same id .*must honour SLIPWAY_SHARD_INDEX and SLIPWAY_SHARD_COUNT`,
      ),
    );
  });

  it('is a duplicate-id error when a matrix’s partial files are merged, naming both files', async () => {
    const dir = await project();
    for (const index of [0, 1]) {
      const outcome = await evaluateProject({
        config: 'slipway.yaml',
        root: dir,
        env: env('ignore'),
        shard: { index, count: 2 },
        nvidiaSmi: join(dir, 'no-nvidia-smi'),
      });
      expect(outcome.kind).toBe('partials');
    }
    await expect(
      evaluateProject({
        config: 'slipway.yaml',
        root: dir,
        env: env('ignore'),
        partials: ['.slipway/eval/partials/*.json'],
        nvidiaSmi: join(dir, 'no-nvidia-smi'),
      }),
    ).rejects.toThrow(
      /duplicate-id: \.slipway\/eval\/partials\/t\.shard-0-of-2\.json and \.slipway\/eval\/partials\/t\.shard-1-of-2\.json both hold 300 examples .*SLIPWAY_SHARD_INDEX/,
    );
  });

  it('a command that honours its shard counts each of the 300 rows once, on two GPUs and merged', async () => {
    const dir = await project();
    const twoGpus = await evaluateProject({
      config: 'slipway.yaml',
      root: dir,
      env: env('honour'),
      nvidiaSmi: join(dir, 'two-gpus.sh'),
    });
    expect(twoGpus.kind === 'report' && twoGpus.report.testSets[0]!.n).toBe(ROWS);
    for (const index of [0, 1]) {
      await evaluateProject({
        config: 'slipway.yaml',
        root: dir,
        env: env('honour'),
        shard: { index, count: 2 },
        nvidiaSmi: join(dir, 'no-nvidia-smi'),
      });
    }
    const merged = await evaluateProject({
      config: 'slipway.yaml',
      root: dir,
      env: env('honour'),
      partials: ['.slipway/eval/partials/*.json'],
      nvidiaSmi: join(dir, 'no-nvidia-smi'),
    });
    expect(merged.kind === 'report' && merged.report.testSets[0]!.n).toBe(ROWS);
  });
});
