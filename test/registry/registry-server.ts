// Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1 with filesystem storage in a temp
// directory, optionally in token-auth mode, and stops it again. Used by the e2e global setup, the
// token-auth tests and the publish benchmark (which reads the registry's own timing of each request).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegistryTokenAuth {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file of the certificate that signs tokens. */
  readonly rootCertBundle: string;
}

export interface RunningRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  readonly address: string;
  /** Root of the registry's filesystem storage. */
  readonly storage: string;
  /** The registry's own log, one JSON line per request with its duration (with `requestLog`). */
  readonly requestLog?: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  readonly token?: RegistryTokenAuth;
  /** Keep the registry's log of every request (JSON, with its duration) in a file: the publish bench reads it. */
  readonly requestLog?: boolean;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === 'string') throw new Error('Could not find a free port on 127.0.0.1');
  return address.port;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const base = await mkdtemp(join(tmpdir(), 'slipway-registry-'));
  const storage = join(base, 'storage');
  const port = await freePort();
  const config = {
    version: 0.1,
    log: options.requestLog
      ? { level: 'info', formatter: 'json', accesslog: { disabled: true } }
      : { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: storage }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, secret: 'slipway-test-secret' },
    ...(options.token
      ? {
          auth: {
            token: {
              realm: options.token.realm,
              service: options.token.service,
              issuer: options.token.issuer,
              rootcertbundle: options.token.rootCertBundle,
            },
          },
        }
      : {}),
  };
  // JSON is YAML, and distribution reads YAML.
  const configPath = join(base, 'config.yml');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  // The request log goes straight to a file the registry writes itself: through a pipe, its lines would
  // wait for this process's event loop, which a benchmark's spawnSync blocks, and a full pipe stalls
  // the registry mid-request.
  const requestLog = options.requestLog ? join(base, 'requests.log') : undefined;
  const logFd = requestLog ? openSync(requestLog, 'a') : undefined;
  const child = spawn('docker-registry', ['serve', configPath], {
    stdio: ['ignore', 'ignore', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  let piped = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    piped = (piped + chunk).slice(-4000);
  });
  const stderr = () => (requestLog ? readFileSync(requestLog, 'utf8').slice(-4000) : piped);
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    await kill(child);
    await rm(base, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(address, child, stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, storage, ...(requestLog ? { requestLog } : {}), stop };
}

async function waitUntilServing(address: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited before serving on ${address}: ${stderr()}`);
    try {
      const response = await fetch(`http://${address}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`docker-registry did not serve on ${address} within 20 s: ${stderr()}`);
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
