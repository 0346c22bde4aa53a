// Publishing an unchanged project again against a real docker-registry (distribution 2.8): the receipt of
// the last publish lets a re-run ask the registry only whether its tags still name the manifest, and every
// change to what went in (a model file, an option, the tags in the registry, the machine) runs the full
// publish instead. Requests are watched through the fault proxy, with no fault set.
import { execFile } from 'node:child_process';
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RegistryStore, sha256Digest } from '@slipway/core/oci';
import { type PublishProjectRequest, publishProject } from '@slipway/core/oci/publish';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../registry/fault-proxy.js';
import {
  bundleCli,
  evalReport,
  makeProject,
  runCli,
  skopeoRaw,
  uniqueRepository,
} from './publish-model.helpers.js';

const registry = inject('registry');
const run = promisify(execFile);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The project's receipts, the most recently written first. */
function receipts(dir: string): string[] {
  const folder = join(dir, '.slipway/cache/publish-receipts');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(folder, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}
/** The receipt of the last publish. */
const receiptFile = (dir: string) => {
  const [last] = receipts(dir);
  if (!last) throw new Error(`no receipt in ${dir}`);
  return last;
};

/** A project whose files were written over the racy margin (2 s) ago, and a proxy to the registry. */
async function settledProject(tags: readonly string[] = ['latest']): Promise<{
  dir: string;
  proxy: FaultProxy;
  request: (extra?: Partial<PublishProjectRequest>) => PublishProjectRequest;
}> {
  const dir = await makeProject({ tags });
  const proxy = await startFaultProxy(registry, []);
  cleanups.push(async () => {
    await proxy.stop();
    await rm(dir, { recursive: true, force: true });
  });
  // Identities are trusted only for files older than the margin, as the digest cache trusts them.
  await new Promise((done) => setTimeout(done, 2100));
  const repository = uniqueRepository('receipt');
  return {
    dir,
    proxy,
    request: (extra = {}) => ({
      config: 'slipway.yaml',
      root: dir,
      registry: proxy.address,
      repository,
      sourceDateEpoch: '1700000000',
      source: { repository: 'acme/iris', revision: '0123456789abcdef0123456789abcdef01234567' },
      ...extra,
    }),
  };
}

const requests = (proxy: FaultProxy) => proxy.log.splice(0).map((r) => `${r.method} ${r.path}`);

describe('publishing an unchanged project again', () => {
  it('asks the registry only whether the tags still name the manifest, and says what a full no-op says', async () => {
    const { dir, proxy, request } = await settledProject();
    const first = await publishProject(request());
    expect(first.alreadyPublished).toBe(false);
    requests(proxy);

    const again = await publishProject(request());
    const asked = requests(proxy);
    expect(asked).toHaveLength(2);
    for (const line of asked) expect(line).toMatch(/^HEAD \/v2\/.+\/manifests\/(1\.0\.0|latest)$/);
    expect(again.alreadyPublished).toBe(true);
    expect(again.bytesRead).toBe(0);
    expect(again.bytesUploaded).toBe(0);
    expect(again.digest).toBe(first.digest);

    // Without the receipt the full publish runs (and reads the manifest), and reports the very same.
    rmSync(receiptFile(dir));
    const full = await publishProject(request());
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);
    expect(again).toEqual(full);
  });

  it('keeps a receipt for each registry a project is published to, and the last eight only', async () => {
    const { dir, proxy, request } = await settledProject();
    const other = await startFaultProxy(registry, []);
    cleanups.push(() => other.stop());
    const toOther = () => request({ registry: other.address });
    await publishProject(request());
    await publishProject(toOther());
    expect(receipts(dir)).toHaveLength(2);
    requests(proxy);
    requests(other);

    // Back and forth: each registry is asked only whether its tags still name the manifest.
    for (const [publish, watched] of [
      [request, proxy],
      [toOther, other],
    ] as const) {
      const again = await publishProject(publish());
      expect(again.alreadyPublished).toBe(true);
      expect(requests(watched).every((line) => line.startsWith('HEAD '))).toBe(true);
    }

    // Eight more targets: the oldest receipts go, the newest stay.
    for (let i = 0; i < 8; i++) await publishProject(request({ repository: uniqueRepository(`many-${i}`) }));
    expect(receipts(dir)).toHaveLength(8);
    requests(proxy);
    await publishProject(request());
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);
  });

  it('publishes anew when the report is no longer listed in the fallback index, and lists it again', async () => {
    const { dir, proxy, request } = await settledProject();
    writeFileSync(join(dir, 'report.json'), evalReport());
    await new Promise((done) => setTimeout(done, 2100));
    const first = await publishProject(request({ report: 'report.json' }));
    // distribution 2.8 has no referrers API: the report is listed under the fallback tag.
    const indexTag = first.referrersIndexTag!;
    expect(indexTag).toMatch(/^sha256-[0-9a-f]{64}$/);
    requests(proxy);

    // Unchanged: the tags, the report, and the index that lists it, asked together.
    const again = await publishProject(request({ report: 'report.json' }));
    expect(again.alreadyPublished).toBe(true);
    expect(requests(proxy).sort()).toEqual(
      [
        expect.stringMatching(/^GET \/v2\/.+\/manifests\/sha256-/),
        expect.stringMatching(/^HEAD \/v2\/.+\/manifests\/1\.0\.0$/),
        expect.stringMatching(/^HEAD \/v2\/.+\/manifests\/latest$/),
        expect.stringMatching(/^HEAD \/v2\/.+\/manifests\/sha256:/),
      ].sort(),
    );

    // The report is still stored, but a clean-up emptied the index: pull would no longer find it.
    const store = new RegistryStore({
      registry,
      repository: first.location.split('/').slice(1).join('/'),
      actions: 'pull,push',
    });
    const empty = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [],
      }),
    );
    await store.putManifest(
      empty,
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: sha256Digest(empty),
        size: empty.length,
      },
      indexTag,
    );
    const repaired = await publishProject(request({ report: 'report.json' }));
    expect(repaired.reportDigest).toBe(first.reportDigest);
    expect(requests(proxy)).toContain(
      `PUT /v2/${store.location.split('/').slice(1).join('/')}/manifests/${indexTag}`,
    );
    const index = JSON.parse((await store.getManifest(indexTag))!.bytes.toString('utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    expect(index.manifests.map((m) => m.digest)).toContain(first.reportDigest);
  });

  it('publishes anew when a model file changed with its mtime restored (ctime moved)', async () => {
    const { dir, request } = await settledProject();
    await publishProject(request());
    const weights = join(dir, 'model/weights.bin');
    const before = readFileSync(weights);
    const changed = Buffer.from(before);
    changed[0] = changed[0]! ^ 0xff;
    writeFileSync(weights, changed);
    utimesSync(weights, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'));
    await new Promise((done) => setTimeout(done, 2100));
    // The version exists with the other bytes: only the full publish, which hashes the file, can say so.
    await expect(publishProject(request())).rejects.toThrow(/:1\.0\.0 already names sha256:/);
  });

  it('moves a tag back that someone pointed elsewhere, rather than trusting the receipt', async () => {
    const { proxy, request } = await settledProject(['latest']);
    const older = await publishProject(request({ version: '0.9.0' }));
    // The receipt now is 1.0.0's, and latest names it.
    const first = await publishProject(request());
    const repository = request().repository!;
    // latest back on 0.9.0's manifest, as a hand-made retag would leave it.
    await run('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${proxy.address}/${repository}@${older.digest}`,
      `docker://${proxy.address}/${repository}:latest`,
    ]);
    const again = await publishProject(request());
    expect(again.movingTags).toEqual(['latest']);
    const { json } = await skopeoRaw(`docker://${proxy.address}/${repository}:latest`);
    const { text } = await skopeoRaw(`docker://${proxy.address}/${repository}@${first.digest}`);
    expect(JSON.stringify(json)).toBe(JSON.stringify(JSON.parse(text)));
  });

  it('runs the full publish for another option, or a receipt written on another machine', async () => {
    const { dir, proxy, request } = await settledProject();
    await publishProject(request());
    requests(proxy);

    const tagged = await publishProject(request({ tags: ['stable'] }));
    expect(tagged.movingTags).toEqual(['latest', 'stable']);
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);

    const receipt = JSON.parse(readFileSync(receiptFile(dir), 'utf8')) as { machine: string };
    writeFileSync(receiptFile(dir), JSON.stringify({ ...receipt, machine: 'elsewhere/another-boot' }));
    const elsewhere = await publishProject(request({ tags: ['stable'] }));
    expect(elsewhere.alreadyPublished).toBe(true);
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);
  });

  it('keeps no receipt for a model file reached through a symbolic link, which can move alone', async () => {
    const { dir, proxy, request } = await settledProject();
    renameSync(join(dir, 'model'), join(dir, 'run-7'));
    symlinkSync('run-7', join(dir, 'model'));
    await publishProject(request());
    expect(receipts(dir)).toEqual([]);
    requests(proxy);
    const again = await publishProject(request());
    expect(again.alreadyPublished).toBe(true);
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);
  });

  it('keeps the receipt of a project reached through a symbolic link above it (a linked home, macOS /tmp)', async () => {
    const { dir, proxy, request } = await settledProject();
    // The project as the user reaches it: through a link to the folder that holds it.
    const link = `${dir}-linked`;
    symlinkSync(dirname(dir), link);
    cleanups.push(() => rm(link, { force: true }));
    const through = join(link, basename(dir));
    await publishProject(request({ root: through }));
    expect(receipts(dir)).toHaveLength(1);
    requests(proxy);
    const again = await publishProject(request({ root: through }));
    expect(again.alreadyPublished).toBe(true);
    expect(requests(proxy).every((line) => line.startsWith('HEAD '))).toBe(true);
  });

  it('does not take the receipt of another Slipway build of the same size installed in place, mtime restored', async () => {
    const { dir, proxy, request } = await settledProject();
    const cliDir = await mkdtemp(join(tmpdir(), 'slipway-receipt-cli-'));
    cleanups.push(() => rm(cliDir, { recursive: true, force: true }));
    const cli = await bundleCli(cliDir);
    const repository = request().repository ?? '';
    const args = ['publish', '--config', join(dir, 'slipway.yaml'), '--registry', proxy.address];
    const publish = () =>
      runCli(cli, [...args, '--repository', repository, '--json'], { SOURCE_DATE_EPOCH: '1700000000' });
    expect((await publish()).code).toBe(0);
    // The bundle is stamped over the racy margin before the publish that keeps the receipt.
    await new Promise((done) => setTimeout(done, 2100));
    expect((await publish()).code).toBe(0);
    requests(proxy);
    const same = JSON.parse((await publish()).stdout) as { alreadyPublished: boolean };
    expect(same.alreadyPublished).toBe(true);
    expect(requests(proxy).every((line) => line.startsWith('HEAD '))).toBe(true);

    // Another release: the same file, the same size, rewritten in place (same inode), npm's fixed mtime.
    const bundle = join(cliDir, 'slipway-publish.js');
    const before = statSync(bundle, { bigint: true });
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('Publish the model in slipway.yaml');
    // touch -r keeps the timestamps to the nanosecond, where a Date would round them to the millisecond.
    const reference = join(cliDir, 'timestamps');
    writeFileSync(reference, '');
    await run('touch', ['-r', bundle, reference]);
    writeFileSync(
      bundle,
      text.replace('Publish the model in slipway.yaml', 'Publish the model in SLIPWAY.yaml'),
    );
    await run('touch', ['-r', reference, bundle]);
    const after = statSync(bundle, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
    const other = await publish();
    expect(other.code, other.stderr).toBe(0);
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);
  });

  it('does not trust the identity of a file written just before the publish began', async () => {
    const { dir, proxy, request } = await settledProject();
    writeFileSync(join(dir, 'model/config.json'), '{"layers": 4}\n');
    await publishProject(request());
    requests(proxy);
    const again = await publishProject(request());
    expect(again.alreadyPublished).toBe(true);
    expect(requests(proxy).some((line) => line.startsWith('GET '))).toBe(true);
  });
});
