// promote: GitHub API requests of one scheduled run over an environment repository of 100 models × 3
// environments (dev → staging → prod, every promotion gated by Argo CD's status and a soak), counted by
// the GitHub simulator (every request it answered).
//
// - nothing to do: every environment runs what its upstream runs. Target ≤ 6, and the same for 10 models.
// - k pending: k promotion pull requests are open and this run flips their gates (dev verified, soak
//   passed). Target ≤ 6 + 4k.
// The peer, in the same run against the same repository: a per-model poller that reads each model's
// manifests and the base branch's combined status through REST, as a controller-less promoter without a
// batched read would. Its requests for the nothing-to-do run are compared with ours.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadSources } from './sources.ts';

const root = resolve(import.meta.dirname, '..');
type Lib = typeof import('../test/github-sim/index.js') &
  typeof import('../packages/core/src/github/index.js') &
  typeof import('../packages/core/src/environments/promotion/index.js');
const lib = await loadSources<Lib>('promote', {
  'test/github-sim/index.ts': ['startGitHubSim'],
  'packages/core/src/github/index.ts': ['createGitHubClient'],
  'packages/core/src/environments/promotion/index.ts': ['promote'],
});

const template = readFileSync(join(root, 'environments/dev/iris/inferenceservice.yaml'), 'utf8');
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
function manifest(model: string, version: string, d: string): string {
  return template
    .replace(/name: iris/, `name: ${model}`)
    .replace(
      'slipway.dev/version: 0.0.0',
      `slipway.dev/version: ${version}\n    slipway.dev/artifact-digest: ${d}`,
    )
    .replace(/storageUri: oci:\/\/\S+/, `storageUri: oci://ghcr.io/acme/models/${model}@${d}`);
}
const environments = ['dev', 'staging', 'prod'];
const config = (models: string[]) => `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
    policy: { verify: ['argocd/{model}-{environment}'] }
  - name: staging
    policy: { auto-promote: true, soak: 1h, verify: ['argocd/{model}-{environment}'] }
  - name: prod
    policy: { auto-promote: true, draft: true, soak: 1h }
models:
${models.map((m) => `  - name: ${m}`).join('\n')}
`;

const sim = await lib.startGitHubSim();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const octokit = lib.createGitHubClient({ token: 't', baseUrl: sim.url, retryDelayUnitMs: 1, log: quiet });

async function repository(name: string, count: number) {
  const models = Array.from({ length: count }, (_, i) => `m${i}`);
  const files: Record<string, string> = { 'slipway.yaml': config(models) };
  for (const env of environments)
    for (const [i, m] of models.entries())
      files[`${env}/${m}/inferenceservice.yaml`] = manifest(m, '1.0.0', digest(i + 1));
  await sim.createRepo(name, files, { allowAutoMerge: true });
  return models;
}

async function counted(work: () => Promise<unknown>): Promise<number> {
  sim.clearRequests();
  await work();
  return sim.requests.length;
}

try {
  const small = await repository('acme/envs-10', 10);
  const idle10 = await counted(() => lib.promote(octokit, { repository: 'acme/envs-10' }));
  const models = await repository('acme/envs-100', 100);
  const idle100 = await counted(() => lib.promote(octokit, { repository: 'acme/envs-100' }));
  // The peer: per model and downstream environment, read both manifests and the combined status (REST).
  const peer = await counted(async () => {
    for (const [to, from] of [
      ['staging', 'dev'],
      ['prod', 'staging'],
    ] as const)
      for (const m of models) {
        for (const env of [from, to])
          await octokit.rest.repos.getContent({
            owner: 'acme',
            repo: 'envs-100',
            path: `${env}/${m}/inferenceservice.yaml`,
            ref: 'main',
          });
        await octokit.rest.repos.getCombinedStatusForRef({ owner: 'acme', repo: 'envs-100', ref: 'main' });
      }
  });
  console.log(`nothing to do: ${idle10} requests with 10 models, ${idle100} with 100 (peer: ${peer})`);
  console.log(
    `RATIO promote-idle-requests: ${idle100} (target <= 6, independent of models: ${idle10} with 10)`,
  );
  console.log(`RATIO promote-idle-vs-per-model-poller: ${(peer / idle100).toFixed(0)}x fewer requests`);

  for (const k of [1, 5, 10]) {
    const name = `envs-100-k${k}`;
    await repository(`acme/${name}`, 100);
    // k models reach dev with a new version; the push run opens their staging promotions.
    const changed: Record<string, string> = {};
    for (const m of models.slice(0, k))
      changed[`dev/${m}/inferenceservice.yaml`] = manifest(m, '2.0.0', digest(1000 + Number(m.slice(1))));
    await sim.pushCommit(`acme/${name}`, {
      branch: 'main',
      files: changed,
      message: `deploy ${k} models to dev`,
    });
    const opened = await counted(() => lib.promote(octokit, { repository: `acme/${name}` }));
    const still = await counted(() => lib.promote(octokit, { repository: `acme/${name}` }));
    // Argo CD reports dev healthy; an hour later the scheduled run flips verified and soak on every PR.
    const head = (await sim.repo(`acme/${name}`).git.readRef('refs/heads/main'))!;
    for (const m of models.slice(0, k))
      await octokit.rest.repos.createCommitStatus({
        owner: 'acme',
        repo: name,
        sha: head,
        state: 'success',
        context: `argocd/${m}-dev`,
      });
    const flipped = await counted(() =>
      lib.promote(octokit, { repository: `acme/${name}`, now: new Date(Date.now() + 2 * 3600_000) }),
    );
    console.log(`k=${k}: opening ${opened} requests; pending, unchanged ${still}; gates flipping ${flipped}`);
    console.log(
      `RATIO promote-pending-k${k}-requests: ${flipped} (target <= ${6 + 4 * k}); unchanged ${still}`,
    );
  }
  void small;
  if (sim.violations.length > 0) throw new Error(`simulator violations:\n${sim.violations.join('\n')}`);
} finally {
  await sim.close();
}
