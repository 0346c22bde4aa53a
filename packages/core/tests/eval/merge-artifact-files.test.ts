// In a sharded matrix, the merge job runs in a checkout of its own. The report's artifact file digests
// (what publishing later holds the artifact to) must be those of the files the shards evaluated, and the
// shards must all have evaluated the same files.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvaluationError } from '../../src/eval/errors.js';
import { evaluateProject } from '../../src/eval/evaluate-project.js';
import type { PartialResult } from '../../src/metrics/index.js';
import { probeProject } from './probe-project.js';

const evalScript = `import os
i = int(os.environ["SLIPWAY_SHARD_INDEX"]); n = int(os.environ["SLIPWAY_SHARD_COUNT"])
with open(os.environ["SLIPWAY_TEST_SET_PATH"]) as rows, open(os.environ["SLIPWAY_OUTPUT"], "w") as out:
    for p, line in enumerate(rows):
        if p % n == i: out.write(line)
`;

function project(): Promise<string> {
  return probeProject({
    label: 'merge-artifacts',
    script: { name: 'eval.py', text: evalScript },
    yaml: ['artifact:', '  files:', '    - { path: model.bin, type: weight }'],
    rows: Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: i, label: 'a', prediction: 'a' })),
  });
}

const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const common = (dir: string) => ({
  config: 'slipway.yaml',
  root: dir,
  env: { ...process.env, GITHUB_SHA: 'd'.repeat(40) },
  nvidiaSmi: join(dir, 'no-nvidia-smi'),
});

/** Runs shard `index` of 2 with model.bin holding `weights`. */
async function shard(dir: string, index: number, weights: string): Promise<void> {
  await writeFile(join(dir, 'model.bin'), weights);
  await evaluateProject({ ...common(dir), shard: { index, count: 2 } });
}

const merge = (dir: string) =>
  evaluateProject({ ...common(dir), partials: ['.slipway/eval/partials/*.json'] });

describe('merging shards: the artifact files evaluated', () => {
  it('records in each partial file the digests of the artifact files its shard evaluated', async () => {
    const dir = await project();
    await shard(dir, 0, 'weights v1');
    const partial = JSON.parse(
      await readFile(join(dir, '.slipway/eval/partials/t.shard-0-of-2.json'), 'utf8'),
    ) as PartialResult;
    expect(partial.artifactFiles).toEqual([{ path: 'model.bin', digest: digest('weights v1'), size: 10 }]);
  });

  it('reports the digests the shards evaluated, not those of the merge job’s checkout', async () => {
    const dir = await project();
    await shard(dir, 0, 'weights v1');
    await shard(dir, 1, 'weights v1');
    // The merge job's checkout holds other bytes (a later commit, a retrained model).
    await writeFile(join(dir, 'model.bin'), 'weights v2, never evaluated');
    const outcome = await merge(dir);
    expect(outcome.kind === 'report' && outcome.report.artifactFiles).toEqual([
      { path: 'model.bin', digest: digest('weights v1'), size: 10 },
    ]);
  });

  it('refuses to merge shards that evaluated different files, naming both partial files', async () => {
    const dir = await project();
    await shard(dir, 0, 'weights v1');
    await shard(dir, 1, 'weights v2');
    const attempt = merge(dir);
    await expect(attempt).rejects.toThrow(EvaluationError);
    await expect(attempt).rejects.toThrow(
      `The shards evaluated different artifact files: .slipway/eval/partials/t.shard-0-of-2.json and ` +
        `.slipway/eval/partials/t.shard-1-of-2.json disagree on model.bin: ${digest('weights v1')} (10 bytes) ` +
        `against ${digest('weights v2')} (10 bytes).`,
    );
  });

  it('refuses a partial file that does not say which files its shard evaluated', async () => {
    const dir = await project();
    await shard(dir, 0, 'weights v1');
    await shard(dir, 1, 'weights v1');
    const path = join(dir, '.slipway/eval/partials/t.shard-1-of-2.json');
    const { artifactFiles: _, ...older } = JSON.parse(await readFile(path, 'utf8')) as PartialResult;
    await writeFile(path, JSON.stringify(older));
    await expect(merge(dir)).rejects.toThrow(
      /^\.slipway\/eval\/partials\/t\.shard-1-of-2\.json does not say which artifact files its shard evaluated/,
    );
  });
});
