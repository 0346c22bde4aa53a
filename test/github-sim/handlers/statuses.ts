// Commit statuses: create, the combined status of a ref, and the list for a ref. Posting a status is what
// Argo CD Notifications, Flux's notification-controller and Slipway's gates do; a status that turns the
// last required check green fires auto-merge, as on GitHub.
import { type Handler, paginate, type SimRequest, validationFailed } from '../http.js';
import { repoApi, repositoryJson, userJson } from '../shapes.js';
import { nodeId, nowIso, type SimRepo, type SimStatus } from '../state.js';
import { resolveRef } from './commits.js';
import { fireAutoMerge } from './protection.js';

export function statusJson(request: SimRequest, repo: SimRepo, status: SimStatus) {
  return {
    url: `${repoApi(request.urls, repo)}/statuses/${status.sha}`,
    avatar_url: `${request.urls.html}/avatars/${status.creator.id}`,
    id: status.id,
    node_id: nodeId('SC', String(status.id)),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator: userJson(request.urls, status.creator),
  };
}

/** The newest status of each context on a commit, newest first (what GitHub combines). */
export function latestStatuses(repo: SimRepo, sha: string): SimStatus[] {
  const seen = new Set<string>();
  const latest: SimStatus[] = [];
  for (const status of [...(repo.statuses.get(sha) ?? [])].reverse()) {
    if (seen.has(status.context)) continue;
    seen.add(status.context);
    latest.push(status);
  }
  return latest;
}

/** GitHub's combined state: failure if any failed or errored, pending if any pending or none, else success. */
export function combinedState(statuses: readonly SimStatus[]): 'failure' | 'pending' | 'success' {
  if (statuses.some((s) => s.state === 'failure' || s.state === 'error')) return 'failure';
  if (statuses.length === 0 || statuses.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

export const createStatus: Handler = async (ctx, request, repo) => {
  const sha = request.params.sha!;
  if (!/^[0-9a-f]{40}$/.test(sha) || (await repo.git.objectType(sha)) !== 'commit')
    throw validationFailed('Status', 'sha', `No commit found for SHA: ${sha}`);
  const body = request.body as {
    state: SimStatus['state'];
    target_url?: string | null;
    description?: string | null;
    context?: string;
  };
  const status: SimStatus = {
    id: ctx.nextId(),
    sha,
    state: body.state,
    context: body.context ?? 'default',
    description: body.description ?? null,
    targetUrl: body.target_url ?? null,
    creator: request.viewer,
    createdAt: nowIso(),
  };
  repo.statuses.set(sha, [...(repo.statuses.get(sha) ?? []), status]);
  await fireAutoMerge(ctx, repo);
  const json = statusJson(request, repo, status);
  return { status: 201, body: json, headers: { location: json.url } };
};

export const getCombinedStatus: Handler = async (ctx, request, repo) => {
  const sha = await resolveRef(repo, request.params.ref!);
  if (!sha) throw validationFailed('Commit', 'ref', `No commit found for SHA: ${request.params.ref}`);
  const latest = latestStatuses(repo, sha);
  const page = paginate(request, latest, `/repos/${repo.owner}/${repo.name}/commits/${sha}/status`);
  return {
    ...page,
    body: {
      state: combinedState(latest),
      statuses: (page.body as SimStatus[]).map((s) => statusJson(request, repo, s)),
      sha,
      total_count: latest.length,
      repository: repositoryJson(request.urls, repo, ctx.user(repo.owner)),
      commit_url: `${repoApi(request.urls, repo)}/commits/${sha}`,
      url: `${repoApi(request.urls, repo)}/commits/${sha}/status`,
    },
  };
};

export const listStatuses: Handler = async (_ctx, request, repo) => {
  const sha = await resolveRef(repo, request.params.ref!);
  const all = sha ? [...(repo.statuses.get(sha) ?? [])].reverse() : [];
  const page = paginate(
    request,
    all,
    `/repos/${repo.owner}/${repo.name}/commits/${request.params.ref}/statuses`,
  );
  return { ...page, body: (page.body as SimStatus[]).map((s) => statusJson(request, repo, s)) };
};
