// Shared setup for the promotion end-to-end tests: an environment repository made from the environments/
// skeleton in the GitHub simulator, protected as environments/branch-protection.md says, and the promote
// action run through the runner harness as push, schedule and repository_dispatch events run it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitHubClient, type GitHubClient } from '@slipway/core/github';
import type { GitHubSim } from '../github-sim/index.js';
import { type ActionResult, cleanupRun, repoRoot, runAction } from '../harness/run-action.js';

export const skeleton = join(repoRoot, 'environments');
export const gates = ['slipway/verified', 'slipway/soak', 'slipway/freeze', 'slipway/hold'];

/** The skeleton's slipway.yaml and manifests, as a new environment repository would hold them. */
export function skeletonFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of [
    'slipway.yaml',
    'dev/iris/inferenceservice.yaml',
    'staging/iris/inferenceservice.yaml',
    'prod/iris/inferenceservice.yaml',
  ])
    files[path] = readFileSync(join(skeleton, path), 'utf8');
  return files;
}

/** Creates the repository and protects main: the four gates are required checks. */
export async function environmentRepository(sim: GitHubSim, name: string, files = skeletonFiles()) {
  const created = await sim.createRepo(name, files, {
    collaborators: ['alice', 'bob'],
    teams: ['ml-platform', 'sre'],
  });
  sim.protectBranch(name, 'main', { contexts: gates });
  return created;
}

export type Event = 'push' | 'schedule' | 'repository_dispatch';

/** Event payloads as GitHub sends them to a workflow in the environment repository (the fields read). */
export function eventPayload(event: Event, repository: string, sha: string): unknown {
  const repo = {
    full_name: repository,
    name: repository.split('/')[1],
    owner: { login: repository.split('/')[0] },
  };
  if (event === 'push') return { ref: 'refs/heads/main', after: sha, repository: repo };
  if (event === 'schedule') return { schedule: '*/15 * * * *', repository: repo };
  return {
    action: 'argocd-sync',
    client_payload: { application: 'ml-dev', revision: sha },
    repository: repo,
  };
}

/** Runs the bundled promote action in the environment repository, on `event`, at clock `now`. */
export async function runPromote(
  sim: GitHubSim,
  repository: string,
  event: Event,
  options: { now?: Date; inputs?: Record<string, string> } = {},
): Promise<ActionResult> {
  const sha = (await sim.repo(repository).git.readRef('refs/heads/main')) ?? '';
  const result = await runAction('promote', {
    eventName: event,
    event: eventPayload(event, repository, sha),
    inputs: {
      repository,
      token: 'ghs_promoterInstallationToken',
      'base-url': sim.url,
      ...(options.now ? { now: options.now.toISOString() } : {}),
      ...options.inputs,
    },
    env: { GITHUB_REPOSITORY: repository, GITHUB_SHA: sha, GITHUB_REF: 'refs/heads/main' },
  });
  await cleanupRun(result);
  return result;
}

/** A client acting as a person (the simulator maps `sim-as-<login>` tokens to that user). */
export const actingAs = (sim: GitHubSim, login: string): GitHubClient =>
  createGitHubClient({ token: `sim-as-${login}`, baseUrl: sim.url, retryDelayUnitMs: 1, log: quiet });

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Argo CD Notifications' GitHub service posting the health of an application on the commit it synced. */
export async function argoCdReports(
  sim: GitHubSim,
  repository: string,
  application: string,
  state: 'success' | 'failure' | 'pending',
  sha?: string,
) {
  const [owner = '', repo = ''] = repository.split('/');
  const commit = sha ?? (await sim.repo(repository).git.readRef('refs/heads/main'))!;
  await actingAs(sim, 'argocd-notifications').rest.repos.createCommitStatus({
    owner,
    repo,
    sha: commit,
    state,
    context: `argocd/${application}`,
    description: state === 'success' ? 'Synced and Healthy' : 'Degraded',
    target_url: `https://argocd.example.com/applications/${application}`,
  });
  return commit;
}

/** The newest status of each context on a commit. */
export function statusesOn(
  sim: GitHubSim,
  repository: string,
  sha: string,
): Record<string, { state: string; description: string | null }> {
  const all = sim.repo(repository).statuses.get(sha) ?? [];
  const latest: Record<string, { state: string; description: string | null }> = {};
  for (const s of all) latest[s.context] = { state: s.state, description: s.description };
  return latest;
}

export async function headOf(sim: GitHubSim, repository: string, branch: string): Promise<string> {
  return (await sim.repo(repository).git.readRef(`refs/heads/${branch}`))!;
}

/** The next Friday 18:00 UTC after `from`: inside the skeleton's weekend freeze (Friday 16:00 Berlin, 64 h). */
export function fridayEvening(from: Date): Date {
  const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), 18));
  while (at.getUTCDay() !== 5 || at <= from) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}
