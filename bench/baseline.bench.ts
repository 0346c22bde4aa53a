// The deployed baseline: what finding prod's eval report costs per accuracy-test run.
//
// Requests: the GitHub requests counted by the simulator (every request it answered) and the registry
// requests counted by a pass-through proxy in front of a real registry (Debian's docker-registry), for one
// resolution of `environment:prod` through the same code the action and the CLI call (findBaseline).
// Budget: at most 3 GitHub API requests and one registry round trip per run (the referrer's manifest, which
// carries the report in its layer's descriptor; a report too large to embed costs a second trip for its blob).
// Wall time: medians of alternated rounds after a warm-up, against a peer measured in the same run that finds the
// same report without Slipway: a shallow clone of the environment repository (git's real transfer protocol
// over file://) and `skopeo inspect --raw` of the referrer by digest.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFaultProxy } from '../test/registry/fault-proxy.ts';
import { startRegistry } from '../test/registry/registry-server.ts';
import { compare, figure, roundTrips, time } from './harness.ts';
import { loadSources } from './sources.ts';

const run = promisify(execFile);
const rounds = 7;

type Lib = typeof import('../test/github-sim/index.js') &
  typeof import('../packages/core/src/environments/index.js') &
  typeof import('../packages/core/src/oci/index.js');
const lib = await loadSources<Lib>('baseline', {
  'test/github-sim/index.ts': ['startGitHubSim'],
  'packages/core/src/environments/index.ts': ['findBaseline'],
  'packages/core/src/oci/index.ts': ['publishModel', 'RegistryStore'],
});

const work = mkdtempSync(join(tmpdir(), 'slipway-bench-baseline-'));
const registry = await startRegistry();
const proxy = await startFaultProxy(registry.address, []);
const sim = await lib.startGitHubSim();
try {
  // What prod runs: a model published with its eval report.
  writeFileSync(join(work, 'weights.bin'), Buffer.alloc(1024 * 1024, 7));
  const report = {
    apiVersion: 'slipway.dev/v1',
    kind: 'EvalReport',
    model: { name: 'iris', version: '1.2.0' },
    commit: 'c'.repeat(40),
    command: ['python3', 'eval.py'],
    runner: { name: 'gpu-1', os: 'Linux' },
    gpus: [],
    task: 'classification',
    confidence: 0.95,
    bootstrap: { samples: 1000, seed: 42 },
    testSets: [],
    gates: [],
    passed: true,
    warnings: [],
  };
  const published = await lib.publishModel({
    store: new lib.RegistryStore({
      registry: proxy.address,
      repository: 'acme/models/iris',
      actions: 'pull,push',
    }),
    files: [{ path: 'weights.bin', source: join(work, 'weights.bin'), type: 'weight' }],
    metadata: { name: 'iris', version: '1.2.0', created: '2026-01-01T00:00:00Z' },
    report: Buffer.from(JSON.stringify(report)),
  });
  const artifact = `${proxy.address}/acme/models/iris`;
  const { path: gitDir } = await sim.createRepo('acme/ml-environments', {
    'slipway.yaml':
      'apiVersion: slipway.dev/v1\nkind: Environments\nenvironments:\n  - name: dev\n  - name: prod\nmodels:\n  - name: iris\n',
    'prod/iris/inferenceservice.yaml': [
      'apiVersion: serving.kserve.io/v1beta1',
      'kind: InferenceService',
      'metadata:',
      '  name: iris',
      '  annotations:',
      '    slipway.dev/version: 1.2.0',
      `    slipway.dev/eval-report-digest: ${published.reportDigest}`,
      'spec:',
      '  predictor:',
      '    model:',
      `      storageUri: oci://${artifact}@${published.digest}`,
      '',
    ].join('\n'),
  });

  const resolveOnce = async () => {
    const found = await lib.findBaseline({
      project: { model: { name: 'iris' } },
      baseline: 'environment:prod',
      root: work,
      environmentRepository: 'acme/ml-environments',
      token: 'bench-token',
      apiUrl: sim.url,
    });
    if (!found.report || found.source?.reportDigest !== published.reportDigest)
      throw new Error('the baseline was not found');
  };

  // Requests of one run, counted where they are answered.
  sim.clearRequests();
  proxy.log.length = 0;
  await resolveOnce();
  const githubRequests = sim.requests.length;
  const githubOperations = sim.requests.map((r) => r.operationId).join(', ');
  const registryLog = [...proxy.log];
  const registryRequests = registryLog.map(
    (r) => `${r.method} ${r.path.replace(/sha256:[a-f0-9]{64}/, 'sha256:…')}`,
  );

  let clone = 0;
  await compare({
    name: 'baseline-vs-clone-and-skopeo',
    kind: 'slowdown',
    target: 1,
    rounds,
    ours: { label: 'Slipway: find environment:prod and its report', run: () => time(resolveOnce) },
    peer: {
      label: 'shallow clone + skopeo inspect --raw of the referrer',
      // Asynchronous: the proxy in front of the registry runs in this process and must go on answering.
      run: () =>
        time(async () => {
          const into = join(work, `clone-${clone++}`);
          await run('git', ['clone', '-q', '--depth', '1', `file://${gitDir}`, into]);
          await run('skopeo', [
            'inspect',
            '--tls-verify=false',
            '--raw',
            `docker://${artifact}@${published.reportDigest}`,
          ]);
        }),
    },
  });
  figure('baseline-github-requests', githubRequests, '', { max: 3 }, githubOperations);
  figure(
    'baseline-registry-round-trips',
    roundTrips(registryLog.map((r) => ({ start: r.start, end: r.end ?? Number.POSITIVE_INFINITY }))),
    '',
    { max: 1 },
    `${registryRequests.length} request(s): ${registryRequests.join(', ')}`,
  );
} finally {
  await sim.close();
  await proxy.stop();
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
