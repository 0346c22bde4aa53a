// open-environment-pr: API requests and round trips per proposal, and wall time against a large
// environment repository.
//
// Requests: a first proposal to an environment whose policy adds labels, a reviewer and a team reviewer,
// counted by the GitHub simulator (every request it answered, retries included); then the same proposal
// again, which changes nothing. Round trips on the critical path: each request's start and end are traced
// on the client, and a request is one round trip deeper than the deepest request that had ended before it
// started; requests issued together share a depth. Against GitHub (tens to hundreds of ms a round trip)
// this, not the time against a local simulator, is what a proposal costs.
// Wall time: proposals through the Git Data API (no clone) against an environment repository of 10,000
// files and 5,000 commits, built with `git fast-import` in the simulator's bare repository. Its peer, in the
// same run and on the same repository: clone it (over file://, so git runs its real transfer protocol), edit
// the manifest with the same editor, commit, push a branch. Both sides make one commit on a new branch
// per round; the median of the rounds is compared. Ours is also timed on a small repository, to show it does
// not grow with the repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compare, figure, roundTrips, time, traceRequests } from './harness.ts';
import { loadSources } from './sources.ts';

const root = resolve(import.meta.dirname, '..');
const files = Number(process.env['SLIPWAY_BENCH_FILES'] ?? 10_000);
const commits = Number(process.env['SLIPWAY_BENCH_COMMITS'] ?? 5_000);
const rounds = Number(process.env['SLIPWAY_BENCH_ROUNDS'] ?? 5);

// Node runs .ts but does not map the sources' .js imports, so the simulator and core are bundled first.
// The bundle sits under node_modules/.cache so its package imports resolve from the repository.
type Lib = typeof import('../test/github-sim/index.js') &
  typeof import('../packages/core/src/github/index.js') &
  typeof import('../packages/core/src/environments/index.js');
const lib = await loadSources<Lib>('propose', {
  'test/github-sim/index.ts': ['startGitHubSim'],
  'packages/core/src/github/index.ts': ['createGitHubClient'],
  'packages/core/src/environments/index.ts': [
    'openEnvironmentPr',
    'parseEnvironmentsConfig',
    'planManifestChange',
    'resolveTarget',
  ],
});

// One model per proposal, so each opens a new pull request: warm-ups and rounds of three comparisons.
const models = Array.from({ length: 4 * (rounds + 1) + 2 }, (_, i) => `m${i}`);
const manifest = readFileSync(join(root, 'environments/staging/iris/inferenceservice.yaml'), 'utf8');
const environmentsYaml = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
  - name: staging
    policy: { labels: [deploy, env/staging], reviewers: [alice], team-reviewers: [ml-platform] }
models:
${['iris', ...models].map((m) => `  - name: ${m}`).join('\n')}
`;
const smallFiles: Record<string, string> = { 'slipway.yaml': environmentsYaml };
for (const model of ['iris', ...models])
  smallFiles[`staging/${model}/inferenceservice.yaml`] = manifest.replace(/name: iris/, `name: ${model}`);

/** A fast-import stream: one commit with every file, then commits that each change one app manifest. */
function history(): string {
  const parts: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const stamp = (n: number) => `${1_700_000_000 + n * 60} +0000`;
  parts.push(
    `commit refs/heads/main\nmark :1\ncommitter Ops <ops@example.com> ${stamp(0)}\n${data('Initial environments')}`,
  );
  for (const [path, text] of Object.entries(smallFiles)) parts.push(`M 100644 inline ${path}\n${data(text)}`);
  for (let i = 0; i < files - Object.keys(smallFiles).length; i++) {
    parts.push(
      `M 100644 inline apps/team-${i % 100}/app-${i}.yaml\n${data(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: 1\n`)}`,
    );
  }
  for (let c = 1; c < commits; c++) {
    const i = (c * 7919) % (files - Object.keys(smallFiles).length);
    parts.push(
      `commit refs/heads/main\nmark :${c + 1}\ncommitter Ops <ops@example.com> ${stamp(c)}\n${data(`Scale app-${i}`)}from :${c}\n`,
    );
    parts.push(
      `M 100644 inline apps/team-${i % 100}/app-${i}.yaml\n${data(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  replicas: ${(c % 5) + 2}\n`)}`,
    );
  }
  return parts.join('');
}

const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'b@example.com',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'b@example.com',
    },
  });
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const sim = await lib.startGitHubSim();
const work = mkdtempSync(join(tmpdir(), 'slipway-bench-propose-'));
try {
  const octokit = lib.createGitHubClient({ token: 'bench', baseUrl: sim.url, retryDelayUnitMs: 1 });
  const trace = traceRequests(octokit);
  const proposal = (repository: string, model: string, n: number) =>
    lib.openEnvironmentPr(octokit, {
      repository,
      environment: 'staging',
      release: {
        model,
        version: `1.${n}.0`,
        artifactRepository: 'ghcr.io/acme/models/iris',
        artifactDigest: digest(n),
        sourceRepository: 'acme/vision',
        sourceCommit: 'b'.repeat(40),
        workflowRunUrl: 'https://github.com/acme/vision/actions/runs/1',
      },
    });

  // Requests per proposal, on a small repository.
  await sim.createRepo('acme/small', smallFiles);
  sim.clearRequests();
  trace.length = 0;
  const first = await proposal('acme/small', 'iris', 1);
  const firstRequests = sim.requests.length;
  const firstRoundTrips = roundTrips(trace);
  const firstList = sim.requests.map((r) => `${r.method} ${r.operationId}`);
  sim.clearRequests();
  trace.length = 0;
  const rerun = await proposal('acme/small', 'iris', 1);
  const rerunRequests = sim.requests.length;
  const rerunRoundTrips = roundTrips(trace);
  if (first.outcome !== 'opened' || rerun.outcome !== 'unchanged')
    throw new Error(`unexpected outcomes ${first.outcome}, ${rerun.outcome}`);
  console.log(
    `first proposal (labels, reviewer, team reviewer): ${firstRequests} requests: ${firstList.join(', ')}`,
  );
  console.log(`re-run that changes nothing: ${rerunRequests} requests`);
  figure('propose-requests', firstRequests, '', { max: 10 }, 'first proposal');
  figure('propose-round-trips', firstRoundTrips, '', { max: 6 }, 'first proposal, critical path');
  figure('propose-rerun-requests', rerunRequests, '', { max: 4 });
  figure('propose-rerun-round-trips', rerunRoundTrips, '', { max: 2 }, 'no-op re-run, critical path');

  // The large repository: history written straight into the simulator's bare repository.
  const started = performance.now();
  const { path: bare } = await sim.createRepo('acme/large', { 'README.md': 'replaced by fast-import\n' });
  const imported = spawnSync('git', ['fast-import', '--force', '--quiet'], {
    cwd: bare,
    input: history(),
    maxBuffer: 1 << 30,
  });
  if (imported.status !== 0) throw new Error(`git fast-import failed: ${imported.stderr.toString()}`);
  const count = git(bare, ['rev-list', '--count', 'main']).toString().trim();
  const tracked = git(bare, ['ls-tree', '-r', '--name-only', 'main']).toString().trim().split('\n').length;
  console.log(
    `environment repository: ${tracked} files, ${count} commits (built in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );

  const config = lib.parseEnvironmentsConfig(environmentsYaml);
  let large = 0;
  let small = 0;
  let clones = 0;
  const proposeOn = async (repository: string, n: number) => {
    const result = await proposal(repository, models[n]!, n + 2);
    if (result.outcome !== 'opened') throw new Error(`${repository} ${models[n]}: ${result.outcome}`);
  };
  const cloneCommitPush = (depth: readonly string[]) => async () => {
    const n = clones++;
    const model = models[n % models.length]!;
    const dir = join(work, `clone-${n}`);
    const started = performance.now();
    git(work, ['clone', '--quiet', '--single-branch', '--branch', 'main', ...depth, `file://${bare}`, dir]);
    const target = lib.resolveTarget(config, 'staging', model);
    const path = join(dir, target.manifestPath);
    const change = lib.planManifestChange(readFileSync(path, 'utf8'), target, {
      model,
      version: `2.${n}.0`,
      artifactRepository: 'ghcr.io/acme/models/iris',
      artifactDigest: digest(100 + n),
    });
    writeFileSync(path, change.text);
    git(dir, ['commit', '--quiet', '-am', `Deploy ${model}`]);
    git(dir, ['push', '--quiet', 'origin', `HEAD:refs/heads/clone/${n}`]);
    const elapsed = performance.now() - started;
    rmSync(dir, { recursive: true, force: true });
    return elapsed;
  };
  const oursLarge = {
    label: `Git Data API proposal on ${tracked} files / ${count} commits`,
    run: () => time(() => proposeOn('acme/large', large++)),
  };
  await compare({
    name: 'propose-speedup-vs-clone',
    kind: 'speedup',
    target: 10,
    rounds,
    ours: oursLarge,
    peer: { label: 'clone-commit-push (full clone)', run: cloneCommitPush([]) },
  });
  await compare({
    name: 'propose-speedup-vs-shallow-clone',
    kind: 'speedup',
    target: 1,
    rounds,
    ours: oursLarge,
    peer: { label: 'clone-commit-push (--depth 1)', run: cloneCommitPush(['--depth', '1']) },
  });
  await compare({
    name: 'propose-large-vs-small-repo',
    kind: 'slowdown',
    target: 1.5,
    rounds,
    ours: oursLarge,
    peer: {
      label: `Git Data API proposal on ${Object.keys(smallFiles).length} files / 1 commit`,
      run: () => time(() => proposeOn('acme/small', small++)),
    },
  });
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
