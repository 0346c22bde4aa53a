// A registry that stops moving bytes (issue 10): a stalled request is abandoned after the idle timeout
// and retried, and the whole publish has a deadline; neither ever hangs, and a run that gives up leaves
// no tag behind.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelFile, openStore, publishModel, RegistryStore, startDeadline } from '@slipway/core/oci';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { type FaultRule, startFaultProxy } from '../registry/fault-proxy.js';
import { bundleCli, makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const work = await mkdtemp(join(tmpdir(), 'slipway-stall-'));
afterAll(() => rm(work, { recursive: true, force: true }));
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function weights(): Promise<ModelFile> {
  const source = join(work, randomBytes(6).toString('hex'));
  await writeFile(source, randomBytes(4 * 1024 * 1024));
  return { path: 'model/weights.bin', source, type: 'weight' };
}

async function publishThrough(
  rules: FaultRule[],
  options: { idleTimeoutMs: number; deadlineMinutes?: number },
) {
  const proxy = await startFaultProxy(registry, rules);
  cleanups.push(() => proxy.stop());
  const repository = uniqueRepository('stall');
  const deadline = startDeadline(
    options.deadlineMinutes ?? 5,
    `publishing ${repository}:1.0.0`,
    'Raise timeout-minutes.',
  );
  const logged: string[] = [];
  const store = openStore(
    { kind: 'registry', registry: proxy.address, repository },
    {
      idleTimeoutMs: options.idleTimeoutMs,
      signal: deadline.signal,
      retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      log: (line) => logged.push(line),
    },
  );
  const started = performance.now();
  const outcome = await publishModel({
    store,
    files: [await weights()],
    metadata: { name: 'iris', version: '1.0.0' },
  })
    .then((result) => ({ result, error: undefined }))
    .catch((error: Error) => ({ result: undefined, error }))
    .finally(() => deadline.clear());
  const landed = await new RegistryStore({ registry, repository, actions: 'pull' }).getManifest('1.0.0');
  return { ...outcome, logged, seconds: (performance.now() - started) / 1000, landed, proxy };
}

// A file whose digest is not known yet streams its bytes in one PATCH (hashed on the way), then PUT ?digest=.
const uploadBody = /\/blobs\/uploads\//;

describe('publishing to a registry that stalls', () => {
  it('abandons an upload the registry stops reading halfway, retries it, and publishes', async () => {
    const run = await publishThrough(
      [{ method: 'PATCH', path: uploadBody, fault: { kind: 'stall', afterBytes: 1024 * 1024 }, times: 1 }],
      { idleTimeoutMs: 1_500 },
    );
    expect(run.error?.message).toBeUndefined();
    expect(run.logged.join('\n')).toMatch(
      /upload of model\/weights\.bin failed \(no bytes moved for 1\.5 s \(ETIMEDOUT\)\); try 2 of 3/,
    );
    expect(run.landed?.digest).toBe(run.result?.digest);
  });

  it('fails a HEAD that never answers after its retries, in seconds, and tags nothing', async () => {
    const run = await publishThrough(
      [{ method: 'HEAD', path: /\/blobs\/sha256:/, fault: { kind: 'stall', afterBytes: 0 }, times: 100 }],
      { idleTimeoutMs: 1_000 },
    );
    expect(run.error?.message).toMatch(
      /check of blob sha256:[0-9a-f]{64} failed after 3 tries: no bytes moved for 1 s/,
    );
    expect(run.seconds).toBeLessThan(30);
    expect(run.landed).toBeUndefined();
  });

  it('stops the whole publish at its deadline with a message that says so, and tags nothing', async () => {
    // Every try stalls just under the idle timeout's reach: only the deadline can end it.
    const run = await publishThrough(
      [{ method: 'PATCH', path: uploadBody, fault: { kind: 'stall', afterBytes: 1024 * 1024 }, times: 100 }],
      { idleTimeoutMs: 60_000, deadlineMinutes: 0.05 },
    );
    expect(run.error?.name).toBe('DeadlineError');
    expect(run.error?.message).toMatch(
      /publishing acme\/stall-[0-9a-f]+:1\.0\.0 did not finish within its deadline of 3 s/,
    );
    expect(run.seconds).toBeLessThan(30);
    expect(run.landed).toBeUndefined();
  });
  it('ends the other uploads when one fails, so `slipway publish` exits with its error instead of waiting on them', async () => {
    // Two files stream at once: the first upload to arrive is never read (a registry that hangs on it),
    // the second is refused. The publish has failed; the hanging upload must not keep the process alive
    // until its idle timeout (here ten minutes).
    const proxy = await startFaultProxy(registry, [
      { method: 'PATCH', path: uploadBody, fault: { kind: 'stall', afterBytes: 0 }, times: 1 },
      { method: 'PATCH', path: uploadBody, fault: { kind: 'status', status: 400 }, times: 1 },
    ]);
    cleanups.push(() => proxy.stop());
    const project = await makeProject();
    cleanups.push(() => rm(project, { recursive: true, force: true }));
    const cli = await bundleCli(join(work, 'cli'));
    const args = ['publish', '-c', join(project, 'slipway.yaml'), '--registry', proxy.address];
    args.push('--repository', uniqueRepository('one-fails'), '--idle-timeout', '600');
    // Killed after 30 s if it hangs, so a failing run does not outlive the test.
    const ended = await new Promise<{ code: number | null; signal: string | null; stderr: string }>(
      (done) => {
        const child = execFile(
          process.execPath,
          [cli, ...args],
          { timeout: 30_000 },
          (_error, _out, stderr) => done({ code: child.exitCode, signal: child.signalCode, stderr }),
        );
      },
    );
    expect(ended.signal).toBeNull();
    // A command that fails exits 2 with one sentence (1 is validate's "problems found").
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/answered 400/);
    expect(proxy.log.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  }, 60_000);
});
