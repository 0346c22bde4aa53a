// The publish bench splits its 1 GiB figure with the registry's own timing of each request: this checks
// that reading against a real docker-registry, for both shapes of upload it compares (a monolithic PUT,
// as curl sends, and a PATCH closed by a PUT, as a publish sends).
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goDurationMs, settleGapsMs, uploadSpanMs, uploadSpansMs } from '../../bench/registry-log.js';
import { type RunningRegistry, startRegistry } from '../registry/registry-server.js';

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({ requestLog: true });
});
afterAll(async () => {
  await registry?.stop();
});

async function openUpload(repository: string): Promise<URL> {
  const response = await fetch(`http://${registry.address}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
  });
  expect(response.status).toBe(202);
  return new URL(response.headers.get('location')!, `http://${registry.address}`);
}

function withDigest(location: URL, bytes: Buffer): URL {
  const url = new URL(location);
  url.searchParams.set('digest', `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  return url;
}

describe('the registry log the publish bench reads', () => {
  it("reads Go's durations as the registry prints them", () => {
    expect(goDurationMs('4.627206056s')).toBeCloseTo(4627.206056, 6);
    expect(goDurationMs('416.55094ms')).toBeCloseTo(416.55094, 6);
    expect(goDurationMs('665.83µs')).toBeCloseTo(0.66583, 6);
    expect(goDurationMs('1m2.5s')).toBe(62_500);
    expect(goDurationMs('12ns')).toBeCloseTo(12e-6, 9);
    expect(goDurationMs('fast')).toBeNaN();
    expect(goDurationMs('3s and more')).toBeNaN();
  });

  it('times a monolithic PUT, and a PATCH with its closing PUT, within the time the client saw', async () => {
    const bytes = randomBytes(8 * 1024 * 1024);

    const monolithic = `bench-log/put-${randomBytes(3).toString('hex')}`;
    const location = await openUpload(monolithic);
    let started = performance.now();
    const put = await fetch(withDigest(location, bytes), { method: 'PUT', body: bytes });
    const putMs = performance.now() - started;
    expect(put.status).toBe(201);

    const chunked = `bench-log/patch-${randomBytes(3).toString('hex')}`;
    const session = await openUpload(chunked);
    started = performance.now();
    const patch = await fetch(session, { method: 'PATCH', body: bytes });
    expect(patch.status).toBe(202);
    const next = new URL(patch.headers.get('location')!, `http://${registry.address}`);
    // A pause between the two requests: the span runs from the PATCH's start to the close's end.
    await new Promise((done) => setTimeout(done, 200));
    const close = await fetch(withDigest(next, bytes), { method: 'PUT' });
    const patchedMs = performance.now() - started;
    expect(close.status).toBe(201);

    const [putSpan, patchSpan] = (await uploadSpansMs(registry.requestLog!, [monolithic, chunked])) as [
      number,
      number,
    ];
    // The registry's clock starts after the client's and stops before it; its log has ms resolution.
    expect(putSpan).toBeGreaterThan(0);
    expect(putSpan).toBeLessThanOrEqual(putMs + 1);
    expect(patchSpan).toBeGreaterThanOrEqual(199);
    expect(patchSpan).toBeLessThanOrEqual(patchedMs + 1);
    // A repository with no upload in the log is an error, not a zero.
    expect(() => uploadSpanMs(registry.requestLog!, 'bench-log/never-used')).toThrow(/no upload/);
  });

  it("times a tag's settle: from the answer to its manifest PUT to the start of the next read of it", async () => {
    const repository = `bench-log/settle-${randomBytes(3).toString('hex')}`;
    const config = Buffer.from('{}');
    const layer = randomBytes(1024);
    for (const blob of [config, layer]) {
      const put = await fetch(withDigest(await openUpload(repository), blob), { method: 'PUT', body: blob });
      expect(put.status).toBe(201);
    }
    const descriptor = (mediaType: string, bytes: Buffer) => ({
      mediaType,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: descriptor('application/vnd.oci.image.config.v1+json', config),
      layers: [descriptor('application/vnd.oci.image.layer.v1.tar', layer)],
    });
    const url = `http://${registry.address}/v2/${repository}/manifests/1.0.0`;
    const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
    // A read before the write is no read-back.
    expect((await fetch(url, { headers: accept })).status).toBe(404);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expect(put.status).toBe(201);
    const answered = performance.now();
    await new Promise((done) => setTimeout(done, 150));
    const sent = performance.now();
    expect((await fetch(url, { method: 'HEAD', headers: accept })).status).toBe(200);
    const [gap] = (await settleGapsMs(registry.requestLog!, [repository], '1.0.0')) as [number];
    // The registry's clock sees the PUT end before the client does, and the read start after; ms resolution.
    expect(gap).toBeGreaterThanOrEqual(149);
    expect(gap).toBeLessThan(sent - answered + 1000);
    await expect(settleGapsMs(registry.requestLog!, [repository], '2.0.0', 200)).rejects.toThrow(/no PUT/);
  });

  it('keeps serving while this process is blocked (the bench runs its commands synchronously)', () => {
    // ~400 requests write well over a pipe's 64 KiB of log lines while this process's event loop waits.
    const url = `http://${registry.address}/v2/bench-log/blocked/manifests/none`;
    const result = spawnSync(
      'curl',
      ['-s', '-w', '%{http_code}\\n', ...Array.from({ length: 400 }, () => ['-o', '/dev/null', url]).flat()],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.error).toBeUndefined();
    const codes = result.stdout.trim().split('\n');
    expect(codes).toHaveLength(400);
    expect(new Set(codes)).toEqual(new Set(['404']));
  });
});
