// publish-model against a registry that demands token auth: distribution in its own token mode, with
// a token server that checks Basic credentials and signs JWTs, as GHCR and Docker Hub do.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishModel, RegistryStore, sha256Digest } from '@slipway/core/oci';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import { type FaultProxy, startFaultProxy } from '../registry/fault-proxy.js';
import { type RunningRegistry, startRegistry } from '../registry/registry-server.js';
import { startTokenServer, type TokenServer } from '../registry/token-server.js';
import { makeProject, uniqueRepository } from './publish-model.helpers.js';

let tokens: TokenServer;
let registry: RunningRegistry;
const dirs: string[] = [];
const runs: ActionResult[] = [];

beforeAll(async () => {
  tokens = await startTokenServer({
    users: { alice: 'correct-horse', bob: 'battery-staple' },
    // A repository of bob's that alice may not read: it cannot lend her its blobs.
    deny: { alice: ['acme/bobs-private'] },
  });
  registry = await startRegistry({ token: tokens.auth });
});
afterAll(async () => {
  for (const run of runs) await cleanupRun(run);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  await registry?.stop();
  await tokens?.stop();
});

async function publish(repository: string, inputs: Record<string, string>): Promise<ActionResult> {
  const dir = await makeProject({ registry: registry.address, repository });
  dirs.push(dir);
  const result = await runAction('publish-model', {
    workspace: dir,
    inputs: inputs,
  });
  runs.push(result);
  return result;
}

describe('publish-model with token auth', () => {
  it('exchanges the username and password for a push token and never prints the token', async () => {
    const repository = uniqueRepository('secure');
    const result = await publish(repository, { username: 'alice', password: 'correct-horse' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.outputs['digest']).toMatch(/^sha256:/);
    // One login for the whole publish, though its first requests (the tag check and the upload sessions
    // opened with it) were all challenged at once.
    expect(
      tokens.requests.filter(
        (r) => r.user === 'alice' && r.scopes.includes(`repository:${repository}:pull,push`),
      ),
    ).toHaveLength(1);
    expect(result.masks).toContain('correct-horse');
    const issued = tokens.issued.filter((token) => result.masks.includes(token));
    expect(issued.length).toBeGreaterThan(0);
    // Only the ::add-mask:: commands may carry it: the runner hides it everywhere else.
    const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    for (const token of tokens.issued)
      expect(printed.join('\n') + result.stderr + result.summary).not.toContain(token);

    const anonymous = new RegistryStore({ registry: registry.address, repository, actions: 'pull' });
    await expect(anonymous.getManifest('1.0.0')).rejects.toThrow(/refused|401/);
    const alice = new RegistryStore({
      registry: registry.address,
      repository,
      actions: 'pull',
      credentials: { username: 'alice', password: 'correct-horse' },
    });
    expect((await alice.getManifest('1.0.0'))?.digest).toBe(result.outputs['digest']);
  });

  it('fails clearly when the registry refuses the credentials', async () => {
    const result = await publish(uniqueRepository('secure'), { username: 'alice', password: 'wrong' });
    expect(result.exitCode).not.toBe(0);
    const message = result.annotations.find((a) => a.command === 'error')?.message ?? '';
    expect(message).toMatch(/refused the credentials for repository:acme\/secure-[0-9a-f]+:pull,push/);
    expect(message).toContain('Check the username and password or token');
    const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(printed.join('\n')).not.toContain('wrong');
  });

  it('asks for credentials when none are given', async () => {
    const result = await publish(uniqueRepository('secure'), {});
    expect(result.exitCode).not.toBe(0);
    expect(result.annotations.find((a) => a.command === 'error')?.message).toMatch(
      /refused|Give a username and password/,
    );
  });
});

describe('a token server that is busy or stops answering', () => {
  // The registry sends clients for tokens to a fault proxy in front of the token server.
  let proxy: FaultProxy;
  let behind: RunningRegistry;
  beforeAll(async () => {
    proxy = await startFaultProxy(new URL(tokens.auth.realm).host, []);
    behind = await startRegistry({
      token: { ...tokens.auth, realm: `http://${proxy.address}${new URL(tokens.auth.realm).pathname}` },
    });
  });
  afterAll(async () => {
    await behind?.stop();
    await proxy?.stop();
  });

  async function publishThrough(idleTimeoutMs: number) {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-token-fault-'));
    dirs.push(dir);
    await writeFile(join(dir, 'weights.bin'), randomBytes(64 * 1024));
    const repository = uniqueRepository('token-fault');
    const store = new RegistryStore({
      registry: behind.address,
      repository,
      actions: 'pull,push',
      credentials: { username: 'alice', password: 'correct-horse' },
      idleTimeoutMs,
      retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    });
    const publishing = publishModel({
      store,
      files: [{ path: 'weights.bin', source: join(dir, 'weights.bin'), type: 'weight' }],
      metadata: { name: 'iris', version: '1.0.0' },
    });
    return { repository, publishing };
  }

  it('tries again when the token server answers 503 once, as it would a registry, and publishes', async () => {
    proxy.rules.push({ method: 'GET', path: /^\/token/, fault: { kind: 'status', status: 503 }, times: 1 });
    const { publishing } = await publishThrough(5_000);
    const result = await publishing;
    expect(result.digest).toMatch(/^sha256:/);
    expect(proxy.log.filter((r) => r.fault === 'status')).toHaveLength(1);
  });

  it('abandons a token request that never answers, after the idle timeout and its retries', async () => {
    proxy.rules.push({
      method: 'GET',
      path: /^\/token/,
      fault: { kind: 'stall', afterBytes: 0 },
      times: 100,
    });
    const { publishing } = await publishThrough(500);
    await expect(publishing).rejects.toThrow(/failed after 3 tries: no bytes moved for 0\.5 s/);
  }, 30_000);
});

describe('mounting a blob from a repository the credentials may not read', () => {
  it('uploads the blob instead of failing the publish', async () => {
    const bytes = randomBytes(32 * 1024);
    const blob = { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length };
    const send = async function* () {
      yield bytes;
    };
    await new RegistryStore({
      registry: registry.address,
      repository: 'acme/bobs-private',
      actions: 'pull,push',
      credentials: { username: 'bob', password: 'battery-staple' },
    }).putBlob(blob, send);

    const alice = new RegistryStore({
      registry: registry.address,
      repository: uniqueRepository('mounting'),
      actions: 'pull,push',
      credentials: { username: 'alice', password: 'correct-horse' },
      mountFrom: ['acme/bobs-private'],
    });
    expect(await alice.mountBlob(blob)).toBe(false);
    await alice.putBlob(blob, send);
    expect(await alice.hasBlob(blob)).toBe(true);
  });
});
