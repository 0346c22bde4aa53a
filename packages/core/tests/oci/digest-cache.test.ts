// The digest cache: an unchanged file is never read again, and nothing short of the very same file on
// the very same machine and path makes it trust an entry. Publishes go to a real OCI layout on disk.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestCache } from '../../src/oci/digest-cache.js';
import { layerFormatKey, type ModelFile, prepareLayer, statModelFile } from '../../src/oci/layer.js';
import { LayoutStore } from '../../src/oci/layout-store.js';
import { type PublishRequest, publishModel } from '../../src/oci/publish.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function project(): Promise<{ dir: string; files: ModelFile[]; cacheFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-digest-cache-'));
  dirs.push(dir);
  await mkdir(join(dir, 'model'));
  await writeFile(join(dir, 'model/weights.bin'), randomBytes(3 * 1024 * 1024 + 5));
  await writeFile(join(dir, 'model/config.json'), '{"layers": 3}\n');
  return {
    dir,
    files: filesIn(dir),
    cacheFile: join(dir, '.slipway/cache/digests.json'),
  };
}

function filesIn(dir: string): ModelFile[] {
  return [
    { path: 'model/weights.bin', source: join(dir, 'model/weights.bin'), type: 'weight' },
    { path: 'model/config.json', source: join(dir, 'model/config.json'), type: 'weight-config' },
  ];
}

/** Files written this instant are racily clean by design; these tests look past that with margin 0. */
const open = (file: string, machine?: string) =>
  DigestCache.open(file, { racyMarginMs: 0, ...(machine ? { machine } : {}) });

async function publish(
  dir: string,
  files: ModelFile[],
  digestCache: DigestCache,
  extra: Partial<PublishRequest> = {},
) {
  return publishModel({
    store: new LayoutStore(join(dir, 'layout')),
    files,
    metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
    digestCache,
    ...extra,
  });
}

const touch = (args: string[]) => promisify(execFile)('touch', args);
const tick = () => new Promise((done) => setTimeout(done, 30));

describe('the digest cache', () => {
  it('publishes an unchanged model again without reading a byte of it or uploading anything', async () => {
    const { dir, files, cacheFile } = await project();
    const first = await publish(dir, files, await open(cacheFile));
    expect(first.bytesRead).toBe(3 * 1024 * 1024 + 5 + 14);
    const again = await publish(dir, files, await open(cacheFile));
    expect(again.bytesRead).toBe(0);
    expect(again.bytesUploaded).toBe(0);
    expect(again.digest).toBe(first.digest);
    expect(again.alreadyPublished).toBe(true);
  });

  it('reads a file again when it was rewritten with its mtime put back, because ctime moved', async () => {
    const { dir, files, cacheFile } = await project();
    const first = await publish(dir, files, await open(cacheFile));
    const weights = files[0]!.source;
    const before = await stat(weights, { bigint: true });
    // touch -r copies timestamps to the nanosecond, as rsync -t and cp -p do.
    const reference = join(dir, 'reference');
    await writeFile(reference, '');
    await touch(['-r', weights, reference]);
    await tick();
    // Same size, same inode, same mtime: only ctime tells this file from the one that was hashed.
    await writeFile(weights, randomBytes(3 * 1024 * 1024 + 5));
    await touch(['-r', reference, weights]);
    const after = await stat(weights, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
    expect(after.ctimeNs).not.toBe(before.ctimeNs);

    const cache = await open(cacheFile);
    expect(cache.lookup(weights, 'model/weights.bin', (await statModelFile(files[0]!)).identity)).toBe(
      undefined,
    );
    const second = await publish(dir, files, cache, {
      metadata: { name: 'iris', version: '1.0.1', created: '2024-05-01T12:00:00Z' },
    });
    expect(second.bytesRead).toBe(3 * 1024 * 1024 + 5);
    const weightsBlob = second.blobs.find((b) => b.path === 'model/weights.bin')!;
    expect(weightsBlob.digest).toBe((await prepareLayer(files[0]!)).descriptor.digest);
    expect(weightsBlob.digest).not.toBe(first.blobs.find((b) => b.path === 'model/weights.bin')!.digest);
  });

  it('trusts nothing in a cache written on another machine or in another boot', async () => {
    const { dir, files, cacheFile } = await project();
    await publish(dir, files, await open(cacheFile, 'build-box/boot-1'));
    const elsewhere = await open(cacheFile, 'laptop/boot-7');
    for (const file of files) {
      expect(elsewhere.lookup(file.source, file.path, (await statModelFile(file)).identity)).toBe(undefined);
    }
    const again = await publish(dir, files, elsewhere);
    expect(again.bytesRead).toBe(3 * 1024 * 1024 + 5 + 14);
    // The same machine still trusts its own cache.
    expect((await publish(dir, files, await open(cacheFile, 'laptop/boot-7'))).bytesRead).toBe(0);
  });

  it('trusts nothing in a cache written by a Slipway that framed files as layers otherwise', async () => {
    const { dir, files, cacheFile } = await project();
    await publish(dir, files, await DigestCache.open(cacheFile, { racyMarginMs: 0, layerFormat: 'older' }));
    expect(JSON.parse(await readFile(cacheFile, 'utf8')).layerFormat).toBe('older');
    const now = await open(cacheFile);
    for (const file of files) {
      expect(now.lookup(file.source, file.path, (await statModelFile(file)).identity)).toBe(undefined);
    }
    expect((await publish(dir, files, now)).bytesRead).toBe(3 * 1024 * 1024 + 5 + 14);
    // Written again in this Slipway's format, it is trusted.
    expect(JSON.parse(await readFile(cacheFile, 'utf8')).layerFormat).toBe(layerFormatKey());
    expect((await publish(dir, files, await open(cacheFile))).bytesRead).toBe(0);
  });

  it('trusts nothing for a project copied to another path, cache and timestamps included', async () => {
    const { dir, files, cacheFile } = await project();
    await publish(dir, files, await open(cacheFile));
    const copy = await mkdtemp(join(tmpdir(), 'slipway-digest-cache-copy-'));
    dirs.push(copy);
    await cp(dir, copy, { recursive: true, preserveTimestamps: true });
    const copied = await publish(copy, filesIn(copy), await open(join(copy, '.slipway/cache/digests.json')));
    expect(copied.bytesRead).toBe(3 * 1024 * 1024 + 5 + 14);
  });

  it('does not take a hard link at another path for the file it hashed, though it is the same inode', async () => {
    const { dir, files, cacheFile } = await project();
    const linked = join(dir, 'model/linked.bin');
    await link(files[0]!.source, linked);
    const stated = await statModelFile(files[0]!);
    const cache = await open(cacheFile);
    const layer = (await prepareLayer(files[0]!)).descriptor;
    cache.record(stated.file.source, 'model/weights.bin', stated.identity, stated.statedAtMs, layer);
    expect(cache.lookup(files[0]!.source, 'model/weights.bin', stated.identity)).toEqual({
      digest: layer.digest,
      size: layer.size,
    });
    expect((await statModelFile({ ...files[0]!, source: linked })).identity).toEqual(stated.identity);
    expect(cache.lookup(linked, 'model/weights.bin', stated.identity)).toBe(undefined);
    // Nor the same file under another path inside the artifact: the tar header is part of the digest.
    expect(cache.lookup(files[0]!.source, 'model/renamed.bin', stated.identity)).toBe(undefined);
  });

  it('reads a file again once when it was written too close to its hashing to be sure of it', async () => {
    const { dir, files, cacheFile } = await project();
    const racy = () => DigestCache.open(cacheFile, { racyMarginMs: 60_000 });
    await publish(dir, files, await racy());
    expect((await publish(dir, files, await racy())).bytesRead).toBe(3 * 1024 * 1024 + 5 + 14);
  });

  it('starts afresh from a corrupt cache and leaves a whole one behind, never a partial file', async () => {
    const { dir, files, cacheFile } = await project();
    await mkdir(join(dir, '.slipway/cache'), { recursive: true });
    await writeFile(cacheFile, '{"format": "slipway.dev/digest-cache/v1", "entries": ');
    const first = await publish(dir, files, await open(cacheFile));
    expect(first.bytesRead).toBeGreaterThan(0);
    const saved = JSON.parse(await readFile(cacheFile, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(saved.entries)).toHaveLength(2);
    expect((await readdir(join(dir, '.slipway/cache'))).filter((n) => n.includes('.partial'))).toEqual([]);
    expect((await publish(dir, files, await open(cacheFile))).bytesRead).toBe(0);
  });
});
