// What was evaluated is what ships: publishing compares the files with the digests the eval report
// recorded, and refuses before anything lands in the store.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFiles } from '../../src/config/index.js';
import {
  ANNOTATION_EVALUATED_FILES,
  checkEvaluatedFiles,
  EvaluatedFilesMismatchError,
  LayoutStore,
  publishModel,
  pullModel,
} from '../../src/oci/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-evaluated-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const reportWith = (extra: object) =>
  Buffer.from(
    JSON.stringify({
      apiVersion: 'slipway.dev/v1',
      kind: 'EvalReport',
      model: { name: 'iris' },
      commit: 'a'.repeat(40),
      command: ['python3', 'eval.py'],
      runner: { name: 'r', os: 'Linux' },
      gpus: [],
      task: 'classification',
      confidence: 0.95,
      bootstrap: { samples: 1000, seed: 42 },
      testSets: [],
      gates: [],
      passed: true,
      warnings: [],
      ...extra,
    }),
  );

async function project(name: string, weights: string) {
  const root = join(dir, name);
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'model'), { recursive: true });
  await writeFile(join(root, 'model/weights.bin'), weights);
  await writeFile(join(root, 'README.md'), '# iris\n');
  const files = [
    { path: 'README.md', source: join(root, 'README.md'), type: 'doc' as const },
    { path: 'model/weights.bin', source: join(root, 'model/weights.bin'), type: 'weight' as const },
  ];
  return { root, files };
}

describe('publishing exactly the evaluated files', () => {
  it('records the same digests whatever order the files are listed in', async () => {
    const { root } = await project('order', 'w1');
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(['README.md', 'model/weights.bin'], { minLength: 2 }),
        async (paths) => {
          expect(await recordFiles(root, paths)).toEqual(
            await recordFiles(root, ['README.md', 'model/weights.bin']),
          );
        },
      ),
      { numRuns: 10 },
    );
  });

  it('publishes and says the files match when they are the evaluated ones', async () => {
    const { root, files } = await project('match', 'weights as evaluated');
    const artifactFiles = await recordFiles(root, ['model/weights.bin', 'README.md']);
    const store = new LayoutStore(join(root, 'oci'));
    const training = { kind: 'TrainingRecord', note: 'carried through' };
    const result = await publishModel({
      store,
      files,
      metadata: { name: 'iris', version: '1.0.0', created: '2026-01-01T00:00:00Z' },
      report: reportWith({ artifactFiles, training }),
    });
    expect(result.evaluatedFiles).toBe('matched');
    expect(result.trainingRecordDigest).toMatch(/^sha256:/);
    const pulled = await pullModel({ store, ref: '1.0.0', outputDir: join(root, 'pulled') });
    expect(pulled.manifest.annotations?.[ANNOTATION_EVALUATED_FILES]).toBe('match');
    expect(JSON.parse(pulled.training!.bytes.toString('utf8'))).toEqual(training);
  });

  it('refuses to publish a weight file altered after evaluation, naming it and both digests, and writes nothing', async () => {
    const { root, files } = await project('altered', 'weights as evaluated');
    const artifactFiles = await recordFiles(root, ['model/weights.bin', 'README.md']);
    const evaluated = artifactFiles.find((f) => f.path === 'model/weights.bin')!.digest;
    await writeFile(join(root, 'model/weights.bin'), 'weights swapped afterwards');
    const now = (await recordFiles(root, ['model/weights.bin']))[0]!.digest;
    const store = new LayoutStore(join(root, 'oci'));
    const attempt = publishModel({
      store,
      files,
      metadata: { name: 'iris', version: '1.0.0' },
      report: reportWith({ artifactFiles }),
      reportName: 'eval-report.json',
    });
    await expect(attempt).rejects.toThrow(EvaluatedFilesMismatchError);
    await expect(attempt).rejects.toThrow(
      `model/weights.bin is ${now} now but was ${evaluated} when evaluated`,
    );
    expect(await readdir(root)).not.toContain('oci');
  });

  it('names files that were not evaluated and evaluated files left out', () => {
    const a = { path: 'a.bin', digest: `sha256:${'1'.repeat(64)}`, size: 1 };
    const b = { path: 'b.bin', digest: `sha256:${'2'.repeat(64)}`, size: 1 };
    expect(() => checkEvaluatedFiles([a], [b], 'r.json')).toThrow(
      /b\.bin \(sha256:2{64}\) was not evaluated; a\.bin \(sha256:1{64}\) was evaluated but is not in artifact\.files/,
    );
    expect(checkEvaluatedFiles(undefined, [a], 'r.json').outcome).toBe('unrecorded');
  });
});
