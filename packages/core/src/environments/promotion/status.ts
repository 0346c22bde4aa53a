// status: every model in every environment — the version and digest it runs, since when, whether the
// GitOps controller verified it, and the promotions waiting for it with what they wait for. Three reads
// whatever the number of models: the snapshot, the manifests, and when each last changed.
import type { GitHubClient } from '../../github/client.js';
import { parseRepository } from '../../github/git-data.js';
import { readDeployedModel } from '../deployment.js';
import { parseMarker } from '../pr-content.js';
import { environmentsConfigFile, resolveTarget } from '../repository-config.js';
import { holdOn, PromotionError, parsePromotionContract, verifyContexts } from './contract.js';
import { gateContexts, type ObservedStatus } from './gates.js';
import { readFiles, readSnapshot } from './snapshot.js';

export interface StatusRequest {
  readonly repository: string;
  readonly baseBranch?: string;
}

export interface ModelStatus {
  readonly environment: string;
  readonly model: string;
  readonly version?: string;
  readonly artifactDigest?: string;
  /** When its manifest last changed on the base branch (ISO 8601). */
  readonly since?: string;
  /** verified: every verify context is green on the base branch's tip; unverified: one is not; none: nothing to verify. */
  readonly verification: 'verified' | 'unverified' | 'failed' | 'none';
  readonly held?: string;
  /** The open pull request proposing a change here, with its gates that are not green. */
  readonly pending?: {
    readonly number: number;
    readonly url: string;
    readonly version?: string;
    readonly waitingFor: readonly ObservedStatus[];
  };
}

export interface StatusResult {
  readonly repository: string;
  readonly commit: string;
  readonly models: readonly ModelStatus[];
}

export async function status(octokit: GitHubClient, request: StatusRequest): Promise<StatusResult> {
  const at = parseRepository(request.repository);
  const repo = `${at.owner}/${at.repo}`;
  const baseBranch = request.baseBranch ?? 'main';
  const where = `${repo}@${baseBranch}:${environmentsConfigFile}`;
  const snapshot = await readSnapshot(octokit, at, baseBranch, environmentsConfigFile);
  if (!snapshot?.configText)
    throw new PromotionError(`${where}: not found; is ${repo} an environment repository?`, { where });
  const contract = parsePromotionContract(snapshot.configText, where);
  const targets = contract.config.environments.flatMap((env) =>
    contract.config.models
      .filter((m) => !m.environments || m.environments.includes(env.name))
      .map((m) => resolveTarget(contract.config, env.name, m.name, where)),
  );
  const texts = await readFiles(
    octokit,
    at,
    snapshot.commit,
    targets.map((t) => t.manifestPath),
  );
  const since = await lastChanged(
    octokit,
    at,
    snapshot.commit,
    targets.map((t) => t.manifestPath),
  );
  const pulls = new Map(snapshot.pulls.map((p) => [p.headRefName, p]));
  const models = targets.map((target): ModelStatus => {
    const env = target.environment.name;
    const model = target.model.name;
    const text = texts.get(target.manifestPath);
    const record = text === undefined ? {} : readDeployedModel(text, target);
    const contexts = verifyContexts(contract.policies.get(env)!, model);
    const states = contexts.map((c) => snapshot.statuses.find((s) => s.context === c)?.state);
    const verification =
      contexts.length === 0
        ? 'none'
        : states.some((s) => s === 'failure' || s === 'error')
          ? 'failed'
          : states.every((s) => s === 'success')
            ? 'verified'
            : 'unverified';
    const pr = pulls.get(`slipway/${env}/${model}`);
    const hold = holdOn(contract, env, model);
    const marker = parseMarker(pr?.body);
    return {
      environment: env,
      model,
      ...(record.version ? { version: record.version } : {}),
      ...(record.artifactDigest ? { artifactDigest: record.artifactDigest } : {}),
      ...(since.get(target.manifestPath) ? { since: since.get(target.manifestPath)! } : {}),
      verification,
      ...(hold ? { held: hold.reason } : {}),
      ...(pr
        ? {
            pending: {
              number: pr.number,
              url: pr.url,
              ...(marker ? { version: marker.version } : {}),
              waitingFor: Object.values(gateContexts)
                .map(
                  (context) =>
                    pr.statuses.find((s) => s.context === context) ?? {
                      context,
                      state: 'pending' as const,
                      description:
                        'Not evaluated yet: the promoter has not run since the pull request opened.',
                      createdAt: '',
                    },
                )
                .filter((s) => s.state !== 'success'),
            },
          }
        : {}),
    };
  });
  return { repository: repo, commit: snapshot.commit, models };
}

/** When each path last changed before `commit`, in one query. */
async function lastChanged(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (let start = 0; start < paths.length; start += 200) {
    const chunk = paths.slice(start, start + 200);
    const fields = chunk
      .map((path, i) => `h${i}: history(path: ${JSON.stringify(path)}, first: 1) { nodes { committedDate } }`)
      .join('\n        ');
    const data: { repository: { object: Record<string, { nodes: { committedDate: string }[] }> | null } } =
      await octokit.graphql(
        `query SlipwaySince($owner: String!, $name: String!, $oid: GitObjectID!) {\n  repository(owner: $owner, name: $name) {\n    object(oid: $oid) {\n      ... on Commit {\n        ${fields}\n      }\n    }\n  }\n}`,
        { owner: at.owner, name: at.repo, oid: commit },
      );
    chunk.forEach((path, i) => {
      const date = data.repository.object?.[`h${i}`]?.nodes[0]?.committedDate;
      if (date) result.set(path, date);
    });
  }
  return result;
}
