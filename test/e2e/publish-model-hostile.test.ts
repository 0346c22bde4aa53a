// publish-model against a hostile project and a misbehaving registry (issue 10): every run either
// publishes what it says or fails saying why; nothing from outside the project reaches the registry.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryStore } from '@slipway/core/oci';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ActionResult, cleanupRun, runAction } from '../harness/run-action.js';
import { selfSignedCertificate } from '../registry/certificate.js';
import { startFaultProxy } from '../registry/fault-proxy.js';
import { makeProject, uniqueRepository } from './publish-model.helpers.js';

const registry = inject('registry');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function publish(
  project: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionResult> {
  const result = await runAction('publish-model', { workspace: project, inputs, env });
  cleanups.push(() => cleanupRun(result));
  return result;
}

async function project(options: Parameters<typeof makeProject>[0] = {}): Promise<string> {
  const dir = await makeProject(options);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const failureOf = (result: ActionResult) =>
  result.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');

const published = (repository: string, tag: string) =>
  new RegistryStore({ registry, repository, actions: 'pull' }).getManifest(tag);

describe('publish-model with model files that leave the project', () => {
  it('refuses a model file that is a symlink to a host file, naming the link and its target', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await rm(join(dir, 'model/weights.bin'));
    await symlink('/etc/passwd', join(dir, 'model/weights.bin'));
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      /slipway\.yaml:\d+:\d+: Artifact file 'model\/weights\.bin' goes through the symlink 'model\/weights\.bin', which points to \/etc\/passwd, outside the project directory/,
    );
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });

  it('refuses a model folder that is a symlink to a folder outside the project', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    const outside = await mkdtemp(join(tmpdir(), 'slipway-outside-'));
    cleanups.push(() => rm(outside, { recursive: true, force: true }));
    await writeFile(join(outside, 'weights.bin'), 'host secrets');
    await writeFile(join(outside, 'config.json'), '{}');
    await rm(join(dir, 'model'), { recursive: true });
    await symlink(outside, join(dir, 'model'));
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(`goes through the symlink 'model', which points to ${outside}`);
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });

  it('publishes a symlink that stays inside the project as the file it points to', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await mkdir(join(dir, 'checkpoints'));
    await writeFile(join(dir, 'checkpoints/best.bin'), 'weights inside the project');
    await rm(join(dir, 'model/weights.bin'));
    await symlink('../checkpoints/best.bin', join(dir, 'model/weights.bin'));
    const result = await publish(dir);
    expect(result.exitCode, failureOf(result)).toBe(0);
    expect(await published(repository, '1.0.0')).toBeDefined();
  });

  it('refuses a FIFO as a model file at once instead of waiting on it', async () => {
    const repository = uniqueRepository('iris');
    const dir = await project({ registry, repository });
    await rm(join(dir, 'model/weights.bin'));
    execFileSync('mkfifo', [join(dir, 'model/weights.bin')]);
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      /slipway\.yaml:\d+:\d+: Artifact file 'model\/weights\.bin' is a FIFO \(named pipe\), not a regular file/,
    );
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });
});

/** A server that answers every request with a web page: a login page or a proxy where a registry should be. */
async function htmlServer(): Promise<string> {
  const server: Server = createServer((_, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end('<html><body>Sign in</body></html>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
  const address = server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('publish-model with a registry that is not quite a registry', () => {
  it('republishes an unchanged model as already published when the registry sends no Docker-Content-Digest', async () => {
    const proxy = await startFaultProxy(registry, [], { dropResponseHeaders: ['docker-content-digest'] });
    cleanups.push(() => proxy.stop());
    const dir = await project({ registry: proxy.address, repository: uniqueRepository('nodigest') });
    const first = await publish(dir, { created: '2024-05-01T12:00:00Z' });
    expect(first.exitCode, failureOf(first)).toBe(0);
    const again = await publish(dir, { created: '2024-05-01T12:00:00Z' });
    expect(again.exitCode, failureOf(again)).toBe(0);
    expect(again.outputs['digest']).toBe(first.outputs['digest']);
    expect(again.stdout).toContain('Already published');
  });

  it('says the registry answered a web page instead of the registry API', async () => {
    const page = await htmlServer();
    const dir = await project({ registry: page, repository: uniqueRepository('html') });
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      new RegExp(
        `${page}/acme/html-[0-9a-f]+: .* was answered with an HTML page \\(status 200\\), not the OCI distribution API`,
      ),
    );
  });

  it('says a registry given as a URL is not a registry host, and how to write it', async () => {
    // slipway.yaml's schema already refuses it there; the registry input is checked by the same rule.
    const dir = await project({ registry, repository: uniqueRepository('url') });
    const result = await publish(dir, { registry: 'https://ghcr.io/acme' });
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(
      "Registry 'https://ghcr.io/acme' is not a registry host: expected a host and optional port such as ghcr.io or localhost:5000. Leave out the scheme: ghcr.io.",
    );
    expect(failureOf(result)).not.toMatch(/Invalid URL|Cannot read properties/);
  });
});

describe('publish-model with a registry it cannot connect to', () => {
  it('says the TLS connection failed and what to do, for a certificate the runner does not trust', async () => {
    // 127.0.0.2 is loopback too, but not one of the hosts Slipway talks plain HTTP to by default.
    const certs = await mkdtemp(join(tmpdir(), 'slipway-tls-'));
    cleanups.push(() => rm(certs, { recursive: true, force: true }));
    const { keyPath, certPath } = await selfSignedCertificate(certs, 'registry', 'IP:127.0.0.2');
    const server = createHttpsServer(
      { key: await readFile(keyPath), cert: await readFile(certPath) },
      (_, res) => res.end(),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.2', done));
    cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
    const host = `127.0.0.2:${(server.address() as { port: number }).port}`;
    const dir = await project({ registry: host, repository: uniqueRepository('tls') });
    const result = await publish(dir);
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      new RegExp(
        `^Cannot open a TLS connection to ${host.replaceAll('.', '\\.')}: self-signed certificate.*\\(DEPTH_ZERO_SELF_SIGNED_CERT\\)\\. ` +
          'A registry whose certificate comes from a private CA needs that CA in NODE_EXTRA_CA_CERTS\\.$',
      ),
    );
    expect(result.stdout + result.stderr).not.toContain('bug in Slipway');
  });
});

describe('publish-model with a registry that echoes request headers', () => {
  it('never prints the password or the Basic credential it echoes, and masks the base64 form too', async () => {
    const server = createServer((req, res) => {
      if (!req.headers.authorization) {
        res
          .writeHead(401, { 'www-authenticate': 'Basic realm="echo"', 'content-type': 'application/json' })
          .end('{}');
        return;
      }
      req.resume();
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ errors: [{ code: 'DENIED', message: JSON.stringify(req.headers) }] }).slice(
            0,
            150,
          ),
        );
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
    const address = server.address();
    const echo = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const dir = await project({ registry: echo, repository: uniqueRepository('echo') });
    const password = 'hunter2-registry-secret';
    const basic = Buffer.from(`alice:${password}`).toString('base64');
    const result = await publish(dir, { username: 'alice', password });
    expect(result.exitCode).toBe(1);
    expect(result.masks).toContain(password);
    expect(result.masks).toContain(basic);
    const printed = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(failureOf(result)).toMatch(/answered 400/);
    for (const secret of [password, basic]) {
      expect(printed + result.stderr + result.summary).not.toContain(secret);
    }
  });
});

describe('publish-model against a registry that stops reading', () => {
  it('gives up on a stalled upload after the idle-timeout-seconds input, with a message that says so', async () => {
    const proxy = await startFaultProxy(registry, [
      {
        // A file whose digest is not known yet streams in one PATCH, hashed on the way.
        method: 'PATCH',
        path: /\/blobs\/uploads\//,
        fault: { kind: 'stall', afterBytes: 512 * 1024 },
        times: 100,
      },
    ]);
    cleanups.push(() => proxy.stop());
    const repository = uniqueRepository('stalled');
    const dir = await project({ registry: proxy.address, repository });
    const started = performance.now();
    const result = await publish(dir, { 'idle-timeout-seconds': '1', 'timeout-minutes': '5' });
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toMatch(
      /upload of model\/(weights\.bin|config\.json) failed after 5 tries: no bytes moved for 1 s/,
    );
    expect((performance.now() - started) / 1000).toBeLessThan(60);
    expect(await published(repository, '1.0.0')).toBeUndefined();
  });

  it('refuses an idle timeout that is not a positive number', async () => {
    const dir = await project({ registry, repository: uniqueRepository('idle') });
    const result = await publish(dir, { 'idle-timeout-seconds': 'soon' });
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(
      "Input 'idle-timeout-seconds' must be a positive number; got 'soon'.",
    );
  });
});
