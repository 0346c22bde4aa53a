// How model files reach a real docker-registry (distribution 2.8): a new file streams in one PATCH while
// it is hashed and the upload is closed with the digest; the registry's digest is checked against ours;
// files go in parallel; an unchanged model is neither read nor sent again.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlobRejectedError,
  DigestCache,
  type ModelFile,
  type PublishRequest,
  publishModel,
  pullModel,
  RegistryStore,
} from '@slipway/core/oci';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { startFaultProxy } from '../registry/fault-proxy.js';
import { startRegistry } from '../registry/registry-server.js';
import { skopeoRaw, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const MiB = 1024 * 1024;

async function modelDir(sizes: Record<string, number>): Promise<{ dir: string; files: ModelFile[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-upload-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const files: ModelFile[] = [];
  for (const [path, size] of Object.entries(sizes)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), randomBytes(size));
    files.push({ path, source: join(dir, path), type: path.endsWith('.json') ? 'weight-config' : 'weight' });
  }
  return { dir, files };
}

function publish(repository: string, files: ModelFile[], extra: Partial<PublishRequest> = {}) {
  return publishModel({
    store: new RegistryStore({ registry, repository, actions: 'pull,push' }),
    files,
    metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
    ...extra,
  });
}

/** The paths of the files a pull of `digest` writes: the pull checks every digest on the way. */
async function pulledFiles(repository: string, digest: string, dir: string): Promise<string[]> {
  const pulled = await pullModel({
    store: new RegistryStore({ registry, repository, actions: 'pull' }),
    ref: digest,
    outputDir: join(dir, 'pulled'),
  });
  return pulled.files.map((f) => f.path);
}

/** A registry store that notes, in order, each blob it is given whole and each streamed upload it closed. */
class RecordingStore extends RegistryStore {
  readonly events: string[] = [];
  override async putBlob(...args: Parameters<RegistryStore['putBlob']>) {
    this.events.push(`put ${args[0].digest}`);
    return super.putBlob(...args);
  }
  override async streamBlob(blob: Parameters<RegistryStore['streamBlob']>[0]) {
    const digest = await super.streamBlob(blob);
    this.events.push(`closed ${digest}`);
    return digest;
  }
}

/** Files written this instant are racily clean by design; these tests look past that with margin 0. */
const cacheIn = (dir: string) =>
  DigestCache.open(join(dir, '.slipway/cache/digests.json'), { racyMarginMs: 0 });

describe('uploading model files to a registry', () => {
  it('streams a new file once while hashing it, and the registry stores it under our digest', async () => {
    const { dir, files } = await modelDir({ 'model/weights.bin': 5 * MiB + 3 });
    const repository = uniqueRepository('stream');
    const result = await publish(repository, files);
    expect(result.bytesRead).toBe(5 * MiB + 3);
    expect(result.blobs[0]!.outcome).toBe('uploaded');

    const { json } = await skopeoRaw(`docker://${registry}/${repository}:1.0.0`);
    const layer = (json['layers'] as Array<{ digest: string }>)[0]!;
    expect(layer.digest).toBe(result.blobs[0]!.digest);
    expect(await pulledFiles(repository, result.digest, dir)).toEqual(['model/weights.bin']);
  });

  it('refuses the upload when the registry received other bytes than were hashed, and tags nothing', async () => {
    const { files } = await modelDir({ 'model/weights.bin': 2 * MiB });
    const proxy = await startFaultProxy(registry, [
      { method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'corrupt', atByte: MiB }, times: 1 },
    ]);
    cleanups.push(() => proxy.stop());
    const repository = uniqueRepository('corrupt');
    const store = new RegistryStore({ registry: proxy.address, repository, actions: 'pull,push' });
    const failure = publishModel({
      store,
      files,
      metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
    });
    await expect(failure).rejects.toThrow(BlobRejectedError);
    await expect(failure).rejects.toThrow(/received have another digest \(DIGEST_INVALID\)/);
    // The layer's upload is closed once and not retried: a body the registry saw otherwise would only be
    // sent again. (The config, whose digest was known with the layer's last byte, went up beside it, in
    // a session of its own, and is left unreferenced.)
    const session = (path: string) => path.split('?')[0];
    const patched = new Set(proxy.log.filter((r) => r.method === 'PATCH').map((r) => session(r.path)));
    const closing = proxy.log.filter((r) => r.method === 'PUT' && patched.has(session(r.path)));
    expect(closing).toHaveLength(1);
    expect(closing[0]!.path).toMatch(/digest=sha256/);
    expect(await new RegistryStore({ registry, repository, actions: 'pull' }).getManifest('1.0.0')).toBe(
      undefined,
    );
  });

  it('uploads a 10-file model in parallel to the same manifest as one file at a time', async () => {
    const sizes: Record<string, number> = {};
    // Each over one read block (1 MiB), so an upload is in flight across several reads.
    for (let i = 0; i < 10; i++) sizes[`model/shard-${i}.bin`] = 2 * 1024 * 1024 + i;
    const { files } = await modelDir(sizes);
    let inFlight = 0;
    let most = 0;
    const parallel = await publish(uniqueRepository('par'), files, {
      onProgress: (event) => {
        if (event.phase !== 'upload') return;
        if (event.bytesDone === event.bytesTotal) inFlight--;
        else if (event.bytesDone === 512) most = Math.max(most, ++inFlight);
      },
    });
    const serial = await publish(uniqueRepository('serial'), files, { parallelUploads: 1 });
    expect(parallel.digest).toBe(serial.digest);
    expect(parallel.bytesUploaded).toBe(serial.bytesUploaded);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('publishes an unchanged model again reading nothing and sending no blob', async () => {
    const { dir, files } = await modelDir({ 'model/weights.bin': 4 * MiB, 'model/config.json': 100 });
    const repository = uniqueRepository('again');
    const first = await publish(repository, files, { digestCache: await cacheIn(dir) });
    const proxy = await startFaultProxy(registry, []);
    cleanups.push(() => proxy.stop());
    const again = await publishModel({
      store: new RegistryStore({ registry: proxy.address, repository, actions: 'pull,push' }),
      files,
      metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
      digestCache: await cacheIn(dir),
    });
    expect(again.digest).toBe(first.digest);
    expect([again.bytesRead, again.bytesUploaded, again.alreadyPublished]).toEqual([0, 0, true]);
    // Nothing but looks: no upload session, no manifest written again.
    expect(proxy.log.filter((r) => r.method !== 'HEAD' && r.method !== 'GET')).toEqual([]);
  });

  it('hashes first a file the last version had at the same size, so an unchanged one is skipped', async () => {
    const { files } = await modelDir({ 'model/weights.bin': 3 * MiB, 'model/head.bin': MiB });
    const repository = uniqueRepository('next');
    await publish(repository, files, { movingTags: ['latest'] });
    // A new version on a machine that knows none of the digests: the head changed, the weights did not.
    await writeFile(files[1]!.source, randomBytes(MiB + 1));
    const next = await publish(repository, files, {
      metadata: { name: 'iris', version: '1.1.0', created: '2024-05-01T12:00:00Z' },
      movingTags: ['latest'],
    });
    const outcome = Object.fromEntries(next.blobs.map((b) => [b.path, b.outcome]));
    expect(outcome).toMatchObject({ 'model/head.bin': 'uploaded', 'model/weights.bin': 'skipped' });
    // Each file read once: the weights to hash them, the head while it streamed.
    expect(next.bytesRead).toBe(4 * MiB + 1);
  });

  it("opens the config's upload session while the model streams, and sends the config without asking first", async () => {
    const { files } = await modelDir({ 'model/weights.bin': 2 * MiB });
    const proxy = await startFaultProxy(registry, []);
    cleanups.push(() => proxy.stop());
    const result = await publishModel({
      store: new RegistryStore({
        registry: proxy.address,
        repository: uniqueRepository('ahead'),
        actions: 'pull,push',
      }),
      files,
      metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
    });
    const config = result.blobs.find((b) => b.path === '(config)')!;
    expect(config.outcome).toBe('uploaded');
    // The config's only HEAD is the check that it is there before the manifest names it.
    expect(proxy.log.filter((r) => r.method === 'HEAD' && r.path.endsWith(config.digest))).toHaveLength(1);
    // Both sessions (the file's and the config's) were asked for before the file's bytes were all sent.
    const patch = proxy.log.find((r) => r.method === 'PATCH')!;
    const posts = proxy.log.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    for (const post of posts) expect(post.start).toBeLessThan(patch.end!);
    // Tag check, two sessions, the stream and its close, the config, two verifications, the check right
    // before the tag, the manifest and its read-back: nothing else, and no session left to cancel.
    expect(proxy.log.map((r) => r.method).sort()).toEqual(
      ['GET', 'GET', 'GET', 'HEAD', 'HEAD', 'PATCH', 'POST', 'POST', 'PUT', 'PUT', 'PUT'].sort(),
    );
  });

  it("sends the config once the model's last byte is hashed, beside the upload's closing request", async () => {
    const { dir, files } = await modelDir({ 'model/weights.bin': 2 * MiB });
    const repository = uniqueRepository('beside');
    const store = new RecordingStore({ registry, repository, actions: 'pull,push' });
    const result = await publishModel({
      store,
      files,
      metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
    });
    const [layer, config] = result.blobs;
    expect(config!.outcome).toBe('uploaded');
    // The config went up before the model's upload was closed: it waited for the digest, not the close.
    expect(store.events).toEqual([`put ${config!.digest}`, `closed ${layer!.digest}`]);
    const { json } = await skopeoRaw(`docker://${registry}/${repository}:1.0.0`);
    expect((json['config'] as { digest: string }).digest).toBe(config!.digest);
    expect(await pulledFiles(repository, result.digest, dir)).toEqual(['model/weights.bin']);
  });

  it('sends the config again when the digest it went ahead with is not the one the upload closed with', async () => {
    // As when a file changes between an upload attempt and its retry: the config sent ahead names a
    // digest the layer does not have in the end.
    const { dir, files } = await modelDir({ 'model/weights.bin': 2 * MiB });
    const repository = uniqueRepository('again');
    const store = new (class extends RecordingStore {
      override streamBlob(blob: Parameters<RegistryStore['streamBlob']>[0]) {
        return super.streamBlob({ ...blob, onHashed: () => blob.onHashed?.(`sha256:${'0'.repeat(64)}`) });
      }
    })({ registry, repository, actions: 'pull,push' });
    const result = await publishModel({
      store,
      files,
      metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
    });
    const config = result.blobs.find((b) => b.path === '(config)')!;
    const configs = store.events.filter((event) => event.startsWith('put '));
    expect(configs).toHaveLength(2);
    expect(configs[1]).toBe(`put ${config.digest}`);
    expect(configs[0]).not.toBe(`put ${config.digest}`);
    const { json } = await skopeoRaw(`docker://${registry}/${repository}:1.0.0`);
    expect((json['config'] as { digest: string }).digest).toBe(config.digest);
    expect(await pulledFiles(repository, result.digest, dir)).toEqual(['model/weights.bin']);
  });

  it('sends no config once an upload has failed, though another file still learns its digest after', async () => {
    const { files } = await modelDir({ 'model/a.bin': 64 * 1024, 'model/b.bin': 2 * MiB });
    const repository = uniqueRepository('failed');
    let releaseB!: () => void;
    const bMayStart = new Promise<void>((resolve) => {
      releaseB = resolve;
    });
    let bDone!: Promise<unknown>;
    const store = new (class extends RecordingStore {
      override streamBlob(blob: Parameters<RegistryStore['streamBlob']>[0]) {
        if (blob.name === 'model/a.bin') {
          // Its digest is learnt, then its upload fails (as a closing request the registry refuses).
          blob.onHashed?.(`sha256:${'a'.repeat(64)}`);
          return Promise.reject(new Error('the upload of a.bin failed'));
        }
        bDone = bMayStart.then(() => super.streamBlob(blob)).catch(() => undefined);
        return bDone as Promise<string>;
      }
    })({ registry, repository, actions: 'pull,push' });
    await expect(
      publishModel({
        store,
        files,
        metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
      }),
    ).rejects.toThrow('the upload of a.bin failed');
    // b.bin streams on after the failure was reported (as before), and learns its digest last.
    releaseB();
    await bDone;
    expect(store.events.filter((event) => event.startsWith('closed'))).toHaveLength(1);
    expect(store.events.filter((event) => event.startsWith('put'))).toEqual([]);
  });

  // A registry asks for credentials again on an upload when its token ran out (some last minutes, and
  // a big model's files go one after another): at once, before reading the body, or after all of it.
  it.each([
    ['before reading the body', false],
    ['after the whole body', true],
  ])(
    'hashes a body afresh when the registry asks for it again with a challenge %s',
    async (_when, afterBody) => {
      // The client logs in and sends the body again; that second pass is hashed and counted on its own.
      const { files } = await modelDir({ 'model/weights.bin': 2 * MiB });
      const proxy = await startFaultProxy(registry, [
        {
          method: 'PATCH',
          path: /\/blobs\/uploads\//,
          fault: {
            kind: 'status',
            status: 401,
            afterBody,
            headers: { 'www-authenticate': 'Basic realm="registry"' },
          },
          times: 1,
        },
      ]);
      cleanups.push(() => proxy.stop());
      const repository = uniqueRepository('challenged');
      const result = await publishModel({
        store: new RegistryStore({
          registry: proxy.address,
          repository,
          actions: 'pull,push',
          credentials: { username: 'ci', password: 'secret' },
        }),
        files,
        metadata: { name: 'iris', version: '1.0.0', created: '2024-05-01T12:00:00Z' },
      });
      expect(proxy.log.filter((r) => r.method === 'PATCH')).toHaveLength(2);
      const { json } = await skopeoRaw(`docker://${registry}/${repository}:1.0.0`);
      expect((json['layers'] as Array<{ digest: string }>)[0]!.digest).toBe(result.blobs[0]!.digest);
    },
  );

  it('closes an upload session that no upload took, leaving nothing open in the registry', async () => {
    const own = await startRegistry();
    cleanups.push(() => own.stop());
    const repository = uniqueRepository('ahead');
    const store = new RegistryStore({ registry: own.address, repository, actions: 'pull,push' });
    const uploads = join(own.storage, 'docker/registry/v2/repositories', repository, '_uploads');
    // An open session is a directory with its start time and data; distribution's cancel removes both
    // (and leaves an empty hash-state folder behind, which it never reads again).
    const open = async () => {
      const found = [];
      for (const session of await readdir(uploads).catch(() => [])) {
        const entries = await readdir(join(uploads, session));
        if (entries.includes('startedat') || entries.includes('data')) found.push(session);
      }
      return found;
    };
    const kept = store.openUpload();
    const released = store.openUpload();
    await released.release();
    // The other is still open (once its POST is answered).
    await vi.waitFor(async () => expect(await open()).toHaveLength(1));
    await kept.release();
    expect(await open()).toEqual([]);
  });

  it('opens a fresh session instead of one that waited too long, and cancels the old one', async () => {
    const proxy = await startFaultProxy(registry, []);
    cleanups.push(() => proxy.stop());
    const store = new RegistryStore({
      registry: proxy.address,
      repository: uniqueRepository('aged'),
      actions: 'pull,push',
    });
    const bytes = Buffer.from('{"aged":true}');
    const blob = {
      mediaType: 'application/json',
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
    };
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const session = store.openUpload();
      await vi.waitFor(() => expect(proxy.log.filter((r) => r.method === 'POST' && r.end)).toHaveLength(1));
      vi.advanceTimersByTime(61_000);
      await store.putBlob(
        blob,
        async function* () {
          yield bytes;
        },
        undefined,
        session,
      );
      await session.release();
    } finally {
      vi.useRealTimers();
    }
    expect(proxy.log.map((r) => r.method)).toEqual(['POST', 'DELETE', 'POST', 'PUT']);
    expect(await store.hasBlob(blob)).toBe(true);
  });
});
