// Publishes of the same model racing each other against the real registry (issue 10): a version tag
// is written once and never moved, a run that loses says so and fails, every eval report survives in
// the referrers fallback index, and moving tags end on the highest version whatever order runs finish.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ModelFile,
  type PublishResult,
  publishModel,
  RegistryStore,
  referrersFallbackTag,
} from '@slipway/core/oci';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { evalReport, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const work = await mkdtemp(join(tmpdir(), 'slipway-race-'));
afterAll(() => rm(work, { recursive: true, force: true }));

const store = (repository: string) => new RegistryStore({ registry, repository, actions: 'pull,push' });

async function modelFile(content: string | Buffer): Promise<ModelFile> {
  const source = join(work, randomBytes(6).toString('hex'));
  await writeFile(source, content);
  return { path: 'model/weights.bin', source, type: 'weight' };
}

type Outcome = { ok: true; result: PublishResult } | { ok: false; error: Error };
const settle = (run: Promise<PublishResult>): Promise<Outcome> =>
  run.then(
    (result) => ({ ok: true as const, result }),
    (error: Error) => ({ ok: false as const, error }),
  );

describe('concurrent publishes to the real registry', () => {
  it('keeps a version tag on one model when five publishes of that version race, and every loser says so', async () => {
    for (let round = 0; round < 20; round++) {
      const repository = uniqueRepository('race');
      const files = await Promise.all([0, 1, 2, 3, 4].map((i) => modelFile(`model ${round}.${i}`)));
      const outcomes = await Promise.all(
        files.map((file) =>
          settle(
            publishModel({
              store: store(repository),
              files: [file],
              metadata: { name: 'iris', version: '1.0.0' },
            }),
          ),
        ),
      );
      const landed = await store(repository).getManifest('1.0.0');
      const winners = outcomes.filter((o) => o.ok);
      const losers = outcomes.filter((o) => !o.ok);
      expect(winners.length, `round ${round}`).toBeGreaterThanOrEqual(1);
      for (const winner of winners) expect(winner.result.digest, `round ${round}`).toBe(landed?.digest);
      for (const loser of losers) {
        expect(loser.error.message, `round ${round}`).toMatch(
          /1\.0\.0 (already names|was taken by another publish)/,
        );
      }
    }
  });

  it('keeps every eval report in the referrers fallback index when publishes of one model race', async () => {
    for (let round = 0; round < 20; round++) {
      const repository = uniqueRepository('reports');
      const file = await modelFile(`same model ${round}`);
      const outcomes = await Promise.all(
        [0, 1, 2, 3, 4].map((i) =>
          settle(
            publishModel({
              store: store(repository),
              files: [file],
              metadata: { name: 'iris', version: '1.0.0' },
              // Five different reports of one model: the same manifest, five referrers.
              report: Buffer.from(JSON.stringify({ ...JSON.parse(evalReport()), commit: `${i}`.repeat(40) })),
            }),
          ),
        ),
      );
      for (const outcome of outcomes) {
        expect(outcome.ok ? '' : outcome.error.message, `round ${round}`).toBe('');
      }
      const digests = outcomes.map((o) => (o.ok ? o.result.reportDigest : undefined));
      const subject = outcomes[0]!.ok ? outcomes[0]!.result.digest : '';
      const index = await store(repository).getManifest(referrersFallbackTag(subject));
      const listed = (
        JSON.parse(index!.bytes.toString('utf8')) as { manifests: Array<{ digest: string }> }
      ).manifests
        .map((m) => m.digest)
        .sort();
      expect(listed, `round ${round}`).toEqual([...new Set(digests)].sort());
    }
  });

  it('moves latest to the highest version whatever order concurrent publishes finish in', async () => {
    for (let round = 0; round < 20; round++) {
      const repository = uniqueRepository('latest');
      const versions = ['1.2.0', '1.10.0', '1.9.3', '0.9.0', '1.10.0-rc.1'];
      const outcomes = await Promise.all(
        versions.map(async (version) =>
          settle(
            publishModel({
              store: store(repository),
              files: [await modelFile(`model ${version}`)],
              metadata: { name: 'iris', version },
              movingTags: ['latest'],
            }),
          ),
        ),
      );
      for (const outcome of outcomes) expect(outcome.ok ? '' : outcome.error.message).toBe('');
      const latest = await store(repository).getManifest('latest');
      const highest = outcomes[1]!.ok ? outcomes[1]!.result.digest : '';
      expect(latest?.digest, `round ${round}`).toBe(highest);
    }
  });

  it('writes the moving tags and the report once the version is its own, together, not one settle after another', async () => {
    // Every tag read and write, in order. Each of these writes is read back after a settle (100 ms at
    // least); written one after the other, each would wait for the read-back of the one before it.
    const events: string[] = [];
    const recording = new (class extends RegistryStore {
      override async getManifest(ref: string) {
        events.push(`get ${ref}`);
        return super.getManifest(ref);
      }
      override async putManifest(...args: Parameters<RegistryStore['putManifest']>) {
        events.push(`put ${args[2]}`);
        return super.putManifest(...args);
      }
    })({ registry, repository: uniqueRepository('together'), actions: 'pull,push' });
    const result = await publishModel({
      store: recording,
      files: [await modelFile('model together')],
      metadata: { name: 'iris', version: '1.0.0' },
      movingTags: ['latest', 'stable'],
      report: Buffer.from(evalReport()),
    });
    expect(result.movingTags).toEqual(['latest', 'stable']);
    const index = referrersFallbackTag(result.digest);
    const tags = ['latest', 'stable', index];
    const written = tags.map((tag) => events.indexOf(`put ${tag}`));
    const readBack = tags.map((tag, i) => events.indexOf(`get ${tag}`, written[i]! + 1));
    for (const at of [...written, ...readBack]) expect(at, events.join('\n')).toBeGreaterThan(-1);
    // Every write goes out before any of them is read back; the version tag's own read-back comes first.
    expect(Math.max(...written), events.join('\n')).toBeLessThan(Math.min(...readBack));
    const versionReadBack = events.indexOf('get 1.0.0', events.indexOf('put 1.0.0') + 1);
    expect(versionReadBack).toBeLessThan(Math.min(...written));
  });
});
