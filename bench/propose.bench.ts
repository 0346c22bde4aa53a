// open-environment-pr: API requests per proposal, and wall time against a large environment repository.
//
// Requests: a first proposal to an environment whose policy adds labels, a reviewer and a team reviewer,
// counted by the GitHub simulator (every request it answered, retries included); then the same proposal
// again, which changes nothing.
// Wall time: proposals through the Git Data API (no clone) against an environment repository of 10,000
// files and 5,000 commits, built with `git fast-import` in the simulator's bare repository. Its peer, in the
// same run and on the same repository: clone it (over file://, so git runs its real transfer protocol), edit
// the manifest with the same editor, commit, push a branch. Both sides make one commit on a new branch
// per round; the median of the rounds is compared. Ours is also timed on a small repository, to show it does
// not grow with the repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const files = Number(process.env['SLIPWAY_BENCH_FILES'] ?? 10_000);
const commits = Number(process.env['SLIPWAY_BENCH_COMMITS'] ?? 5_000);
const rounds = 5;

// Node runs .ts but does not map the sources' .js imports, so the simulator and core are bundled first.
// The bundle sits under node_modules/.cache so its package imports resolve from the repository.
const cache = join(root, 'node_modules/.cache/slipway-bench');
mkdirSync(cache, { recursive: true });
const entry = join(cache, 'propose-entry.ts');
writeFileSync(
  entry,
  [
    `export { startGitHubSim } from ${JSON.stringify(join(root, 'test/github-sim/index.ts'))};`,
    `export { createGitHubClient, openEnvironmentPr } from ${JSON.stringify(join(root, 'packages/core/src/github/index.ts'))};`,
    `export { parseEnvironmentsConfig, planManifestChange, resolveTarget } from ${JSON.stringify(join(root, 'packages/core/src/environments/index.ts'))};`,
  ].join('\n'),
);
const bundle = join(cache, 'propose.mjs');
await build({
  entryPoints: [entry],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  conditions: ['source'],
  // CommonJS dependencies call require(); the schema packages are read from disk, not bundled.
  banner: {
    js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
  },
  external: ['@octokit/openapi', '@octokit/graphql-schema'],
  logLevel: 'warning',
});
type Lib = typeof import('../test/github-sim/index.js') &
  typeof import('../packages/core/src/github/index.js') &
  typeof import('../packages/core/src/environments/index.js');
const lib = (await import(bundle)) as Lib;

const models = Array.from({ length: rounds + 2 }, (_, i) => `m${i}`);
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
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
  const first = await proposal('acme/small', 'iris', 1);
  const firstRequests = sim.requests.length;
  const firstList = sim.requests.map((r) => `${r.method} ${r.operationId}`);
  sim.clearRequests();
  const rerun = await proposal('acme/small', 'iris', 1);
  const rerunRequests = sim.requests.length;
  if (first.outcome !== 'opened' || rerun.outcome !== 'unchanged')
    throw new Error(`unexpected outcomes ${first.outcome}, ${rerun.outcome}`);
  console.log(
    `first proposal (labels, reviewer, team reviewer): ${firstRequests} requests: ${firstList.join(', ')}`,
  );
  console.log(`re-run that changes nothing: ${rerunRequests} requests`);

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

  const ours: number[] = [];
  const oursSmall: number[] = [];
  const clone: number[] = [];
  const shallow: number[] = [];
  const config = lib.parseEnvironmentsConfig(environmentsYaml);
  for (let round = 0; round < rounds; round++) {
    const model = models[round]!;
    let t = performance.now();
    const result = await proposal('acme/large', model, round + 2);
    ours.push(performance.now() - t);
    if (result.outcome !== 'opened') throw new Error(`round ${round}: ${result.outcome}`);

    t = performance.now();
    await proposal('acme/small', model, round + 2);
    oursSmall.push(performance.now() - t);

    for (const [times, depth] of [
      [clone, []],
      [shallow, ['--depth', '1']],
    ] as const) {
      const dir = join(work, `clone-${round}-${depth.length}`);
      t = performance.now();
      git(work, ['clone', '--quiet', '--single-branch', '--branch', 'main', ...depth, `file://${bare}`, dir]);
      const target = lib.resolveTarget(config, 'staging', model);
      const path = join(dir, target.manifestPath);
      const change = lib.planManifestChange(readFileSync(path, 'utf8'), target, {
        model,
        version: `2.${round}.0`,
        artifactRepository: 'ghcr.io/acme/models/iris',
        artifactDigest: digest(100 + round),
      });
      writeFileSync(path, change.text);
      git(dir, ['commit', '--quiet', '-am', `Deploy ${model}`]);
      git(dir, ['push', '--quiet', 'origin', `HEAD:refs/heads/clone/${round}-${depth.length}`]);
      times.push(performance.now() - t);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  console.log(
    `Git Data API proposal, median of ${rounds}: ${ms(median(ours))} on ${tracked} files / ${count} commits; ${ms(median(oursSmall))} on ${Object.keys(smallFiles).length} files / 1 commit`,
  );
  console.log(
    `clone-commit-push, median of ${rounds}: ${ms(median(clone))} (full clone); ${ms(median(shallow))} with --depth 1`,
  );
  console.log(`RATIO propose-requests: ${firstRequests} (target <= 10)`);
  console.log(`RATIO propose-rerun-requests: ${rerunRequests} (target <= 4)`);
  console.log(`RATIO propose-speedup-vs-clone: ${(median(clone) / median(ours)).toFixed(1)} (target >= 10)`);
  console.log(
    `RATIO propose-large-vs-small-repo: ${(median(ours) / median(oursSmall)).toFixed(2)} (target ~1: independent of repository size)`,
  );
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
