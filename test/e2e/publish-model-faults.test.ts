// publish-model through a proxy that breaks things: 500s and 503s, and connections cut mid-upload.
// Each run ends complete and correct, or failed with a clear message and no manifest pointing at a
// missing blob.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pullModel, RegistryStore } from '@slipway/core/oci';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import { type FaultProxy, type FaultRule, startFaultProxy } from '../registry/fault-proxy.js';
import { makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function publishThrough(
  rules: FaultRule[],
): Promise<{ result: ActionResult; proxy: FaultProxy; repository: string; dir: string }> {
  const proxy = await startFaultProxy(registry, rules);
  cleanups.push(() => proxy.stop());
  const repository = uniqueRepository('faulty');
  const dir = await makeProject({ registry: proxy.address, repository });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const result = await runAction('publish-model', { workspace: dir });
  cleanups.push(() => cleanupRun(result));
  return { result, proxy, repository, dir };
}

/** Straight to the registry, past the proxy: what really landed. */
function direct(repository: string): RegistryStore {
  return new RegistryStore({ registry, repository, actions: 'pull' });
}

const uploadStart = /\/blobs\/uploads\/$/;
// A model file whose digest is not known yet sends its bytes in one PATCH (hashed on the way), then PUT ?digest=.
const uploadBody = /\/blobs\/uploads\/[^?]+/;
const manifestPut = /\/manifests\/1\.0\.0$/;
/**
 * The closing PUT of an upload whose bytes went in PATCHes (a streamed file), not a monolithic PUT: the
 * registry's _state names the offset the session reached.
 */
function closesAfterBody(path: string): boolean {
  const url = new URL(path, 'http://registry');
  const state = url.searchParams.get('_state');
  if (!url.searchParams.has('digest') || !state) return false;
  // distribution's _state is an HMAC, then JSON, in URL-safe base64.
  const json = Buffer.from(state, 'base64url').toString('latin1');
  return /"Offset":[1-9]/.test(json);
}

describe('publish-model when the registry misbehaves', () => {
  it('retries 503s with backoff and publishes the model', async () => {
    const { result, proxy } = await publishThrough([
      { method: 'POST', path: uploadStart, fault: { kind: 'status', status: 503 }, times: 2 },
    ]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(proxy.log.filter((entry) => entry.fault === 'status')).toHaveLength(2);
    expect(
      result.annotations
        .filter((a) => a.command === 'warning')
        .map((a) => a.message)
        .join('\n'),
    ).toMatch(/answered 503.*try 2 of 5/);
  });

  it('starts the upload again when the connection drops halfway through a blob, and the pulled files are intact', async () => {
    const { result, proxy, repository, dir } = await publishThrough([
      { method: 'PATCH', path: uploadBody, fault: { kind: 'drop', afterBytes: 1024 * 1024 }, times: 1 },
    ]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(proxy.log.some((entry) => entry.fault === 'drop')).toBe(true);
    const out = join(dir, 'pulled');
    await pullModel({ store: direct(repository), ref: result.outputs['digest']!, outputDir: out });
    expect(await readFile(join(out, 'model/weights.bin'))).toEqual(
      await readFile(join(dir, 'model/weights.bin')),
    );
  });

  it('gives up with a clear message when the registry keeps failing, leaving no version tag behind', async () => {
    const { result, repository } = await publishThrough([
      { method: 'PUT', path: manifestPut, fault: { kind: 'status', status: 500 }, times: 100 },
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /PUT manifest 1\.0\.0 failed after 5 tries: .*answered 500/,
    );
    expect(await direct(repository).getManifest('1.0.0')).toBeUndefined();
  });

  it('never writes a manifest when a blob could not be uploaded', async () => {
    const { result, proxy, repository } = await publishThrough([
      { method: 'PATCH', path: uploadBody, fault: { kind: 'drop', afterBytes: 4096 }, times: 100 },
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /upload of model\/weights\.bin failed after 5 tries/,
    );
    expect(proxy.log.some((entry) => entry.method === 'PUT' && /\/manifests\//.test(entry.path))).toBe(false);
    expect(await direct(repository).getManifest('1.0.0')).toBeUndefined();
  });

  it('sends a streamed file once when only the answer to its closing PUT was lost', async () => {
    // The file's digest is learnt as it streams; the close that names it committed the blob, and only the
    // answer went missing. The retry finds the blob there instead of sending its bytes again.
    const { result, proxy, repository } = await publishThrough([
      { method: 'PUT', path: closesAfterBody, fault: { kind: 'lose-answer' }, times: 1 },
    ]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const lost = proxy.log.find((e) => e.fault === 'lose-answer');
    const digest = decodeURIComponent(/digest=([^&]+)/.exec(lost?.path ?? '')?.[1] ?? '');
    expect(digest).toMatch(/^sha256:/);
    // Both model files streamed (the 2 MiB weights and config.json's tar), each in one PATCH, and the blob
    // whose close lost its answer was never closed again.
    expect(proxy.log.filter((e) => e.method === 'PATCH')).toHaveLength(2);
    expect(
      proxy.log.filter((e) => e.method === 'PUT' && e.path.includes(encodeURIComponent(digest))),
    ).toHaveLength(1);
    expect(result.outputs['digest']).toMatch(/^sha256:/);
    expect((await direct(repository).getManifest('1.0.0'))?.digest).toBe(result.outputs['digest']);
  });

  it('closes the same upload again when its close failed before the registry acted, and sends the bytes again when the session is gone', async () => {
    // 500 before reaching the registry: the session is still open and takes the close again.
    const kept = await publishThrough([
      { method: 'PUT', path: closesAfterBody, fault: { kind: 'status', status: 500 }, times: 1 },
    ]);
    expect(kept.result.exitCode, kept.result.stdout).toBe(0);
    expect(kept.proxy.log.filter((e) => e.method === 'PATCH')).toHaveLength(2);
    const failed = kept.proxy.log.find((e) => e.fault === 'status');
    const session = failed?.path.split('?')[0];
    expect(kept.proxy.log.filter((e) => e.method === 'PUT' && e.path.split('?')[0] === session)).toHaveLength(
      2,
    );

    // Then a 404 for the second close: the session is unknown, and the file is sent again in a new one.
    let first: string | undefined;
    const sessionOf = (path: string) => path.split('?')[0];
    const lost = await publishThrough([
      {
        method: 'PUT',
        // The first streamed file's close: its session is remembered for the next rule.
        path: (path) => {
          if (!closesAfterBody(path)) return false;
          first = sessionOf(path);
          return true;
        },
        fault: { kind: 'status', status: 500 },
        times: 1,
      },
      {
        method: 'PUT',
        path: (path) => sessionOf(path) === first,
        fault: { kind: 'status', status: 404 },
        times: 1,
      },
    ]);
    expect(lost.result.exitCode, lost.result.stdout).toBe(0);
    expect(lost.proxy.log.filter((e) => e.method === 'PATCH')).toHaveLength(3);
    expect((await direct(lost.repository).getManifest('1.0.0'))?.digest).toBe(lost.result.outputs['digest']);
  });

  it('finds the blob after all when the close it lost the answer of was still committing at the first look', async () => {
    // The close committed the blob, its answer was lost, and the first look came too soon (404). Closing
    // again is refused, since that session is spent; a second look finds the blob, and nothing is resent.
    const { result, proxy, repository } = await publishThrough([
      { method: 'PUT', path: closesAfterBody, fault: { kind: 'lose-answer' }, times: 1 },
      { method: 'HEAD', path: /\/blobs\/sha256:/, fault: { kind: 'status', status: 404 }, times: 1 },
    ]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(proxy.log.filter((e) => e.method === 'PATCH')).toHaveLength(2);
    expect((await direct(repository).getManifest('1.0.0'))?.digest).toBe(result.outputs['digest']);
  });

  it('takes a 412 on a retried version PUT as its own write when the first PUT landed and its answer was lost', async () => {
    // A registry that honours If-None-Match refuses the retry, because the first try created the tag.
    const { result, proxy, repository } = await publishThrough([
      { method: 'PUT', path: manifestPut, fault: { kind: 'lose-answer' }, times: 1 },
      { method: 'PUT', path: manifestPut, fault: { kind: 'status', status: 412 }, times: 1 },
    ]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(
      proxy.log.filter((e) => e.method === 'PUT' && manifestPut.test(e.path)).map((e) => e.fault),
    ).toEqual(['lose-answer', 'status']);
    expect((await direct(repository).getManifest('1.0.0'))?.digest).toBe(result.outputs['digest']);
  });

  it('fails as a lost race when the version PUT is refused with 412 and the tag does not name its model', async () => {
    const { result, repository } = await publishThrough([
      { method: 'PUT', path: manifestPut, fault: { kind: 'status', status: 412 }, times: 1 },
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /1\.0\.0 was created by another publish just before this one wrote it \(412 Precondition Failed\)/,
    );
    expect(await direct(repository).getManifest('1.0.0')).toBeUndefined();
  });

  it('fails at once, saying so, when Retry-After asks for longer than it waits', async () => {
    const { result, proxy, repository } = await publishThrough([
      {
        method: 'POST',
        path: uploadStart,
        fault: { kind: 'status', status: 429, retryAfter: 600 },
        times: 100,
      },
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /answered 429.*asks to wait 600 s before another try \(Retry-After\), longer than Slipway waits \(60 s\)/,
    );
    // Not tried again sooner than asked: no upload start was sent twice (one per model file and the config).
    expect(proxy.log.filter((e) => e.fault === 'status').length).toBeLessThanOrEqual(3);
    expect(await direct(repository).getManifest('1.0.0')).toBeUndefined();
  });

  it('waits as long as Retry-After asks when rate limited', async () => {
    const { result, proxy } = await publishThrough([
      {
        method: 'HEAD',
        path: /\/blobs\/sha256:/,
        fault: { kind: 'status', status: 429, retryAfter: 1 },
        times: 1,
      },
    ]);
    expect(result.exitCode, result.stdout).toBe(0);
    const warning = result.annotations.find((a) => a.command === 'warning')?.message ?? '';
    expect(warning).toMatch(/answered 429.*in (\d+) ms/);
    expect(Number(/in (\d+) ms/.exec(warning)?.[1])).toBeGreaterThanOrEqual(1000);
    expect(proxy.log.filter((entry) => entry.fault)).toHaveLength(1);
  });
});
