// rollback, hold and release: changes to the environment repository that people review like any other.
// Each is one commit on its own branch (slipway/rollback|hold|release/<environment>/<model>) and one pull
// request; merging it is what takes effect, so git stays the only record of who held what and why.
import type { GitHubClient } from '../../github/client.js';
import {
  parseRepository,
  type RepositoryRef,
  readBranchSha,
  readBranchTip,
  readCommit,
} from '../../github/git-data.js';
import { findOpenPullRequest } from '../../github/pull-requests.js';
import { readDeployedModel } from '../deployment.js';
import { type DeploymentTarget, environmentsConfigFile, resolveTarget } from '../repository-config.js';
import {
  type Hold,
  holdOn,
  type PromotionContract,
  PromotionError,
  parsePromotionContract,
} from './contract.js';
import { formatTime } from './duration.js';
import { type HistoryEntry, history } from './history.js';
import { addHold, removeHold } from './holds-edit.js';
import { readFiles, readSnapshot } from './snapshot.js';

interface Common {
  /** The environment manifest repository, owner/name. */
  readonly repository: string;
  readonly environment: string;
  readonly model: string;
  readonly baseBranch?: string;
  /** Who asks (a GitHub login), recorded with a hold. */
  readonly by?: string;
  /** The clock, recorded as the hold's `since`. Default: now. */
  readonly now?: Date;
}

export interface RollbackRequest extends Common {
  /** The version or artifact digest to go back to; default: the record before the current one. */
  readonly to?: string;
  /** Why, in a sentence: shown on the pull request and kept with the hold. */
  readonly reason: string;
}

export interface HoldRequest extends Common {
  readonly reason: string;
}

export type ReleaseRequest = Common;

export interface ConfigChangeResult {
  readonly outcome: 'opened' | 'already-open' | 'nothing-to-do';
  readonly environment: string;
  readonly model: string;
  readonly branch: string;
  readonly pullRequest?: { readonly number: number; readonly url: string };
  readonly commit?: string;
  readonly message: string;
  /** For a rollback: the record now deployed and the one restored. */
  readonly from?: { readonly version?: string; readonly artifactDigest?: string };
  readonly to?: { readonly version?: string; readonly artifactDigest?: string; readonly commit: string };
  /** Whether merging the pull request sets a hold. */
  readonly holds: boolean;
}

interface Context {
  readonly octokit: GitHubClient;
  readonly at: RepositoryRef;
  readonly repo: string;
  readonly baseBranch: string;
  readonly where: string;
  readonly configText: string;
  readonly contract: PromotionContract;
  readonly target: DeploymentTarget;
}

async function open(octokit: GitHubClient, request: Common): Promise<Context> {
  const at = parseRepository(request.repository);
  const repo = `${at.owner}/${at.repo}`;
  const baseBranch = request.baseBranch ?? 'main';
  const where = `${repo}@${baseBranch}:${environmentsConfigFile}`;
  const snapshot = await readSnapshot(octokit, at, baseBranch, environmentsConfigFile);
  if (!snapshot?.configText)
    throw new PromotionError(`${where}: not found; is ${repo} an environment repository?`, { where });
  const contract = parsePromotionContract(snapshot.configText, where);
  const target = resolveTarget(contract.config, request.environment, request.model, where);
  return { octokit, at, repo, baseBranch, where, configText: snapshot.configText, contract, target };
}

/** Opens a PR restoring an earlier record of the model in the environment, byte for byte, and holding it there. */
export async function rollback(octokit: GitHubClient, request: RollbackRequest): Promise<ConfigChangeResult> {
  const c = await open(octokit, request);
  const { environment, model } = request;
  const branch = `slipway/rollback/${environment}/${model}`;
  const current = readDeployedModel(
    (await readFiles(octokit, c.at, `refs/heads/${c.baseBranch}`, [c.target.manifestPath])).get(
      c.target.manifestPath,
    ) ?? '',
    c.target,
  );
  const past = (await history(octokit, { ...request, baseBranch: c.baseBranch, model })).entries;
  const candidates = past.filter((e) => e.artifactDigest && e.artifactDigest !== current.artifactDigest);
  const wanted = request.to;
  const chosen: HistoryEntry | undefined = wanted
    ? candidates.find(
        (e) =>
          e.version === wanted ||
          e.artifactDigest === wanted ||
          (wanted.startsWith('sha256:') && e.artifactDigest?.startsWith(wanted)),
      )
    : candidates[0];
  if (!chosen) {
    const seen = [...new Set(past.flatMap((e) => (e.version ? [e.version] : [])))];
    const what = wanted ? `'${wanted}' was never deployed` : 'there is no earlier record';
    throw new PromotionError(
      `${c.repo}: cannot roll back ${model} in ${environment}: ${what} there other than what runs now (${current.version ?? 'nothing'}; deployed before: ${seen.join(', ') || 'none'}). Nothing was changed.`,
      {
        where: `${c.repo}@${c.baseBranch}:${c.target.manifestPath}`,
        expected: 'a version or digest from slipway history',
      },
    );
  }
  const policy = c.contract.policies.get(environment)!;
  const now = request.now ?? new Date();
  const hold: Hold = {
    environment,
    model,
    reason: `rolled back to ${chosen.version ?? chosen.artifactDigest}: ${request.reason}`,
    since: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(request.by ? { by: request.by } : {}),
  };
  const files: Record<string, string> = { [c.target.manifestPath]: chosen.manifest };
  if (policy.rollbackHolds && !holdOn(c.contract, environment, model))
    files[environmentsConfigFile] = addHold(c.configText, hold, c.where);
  const title =
    `Roll back ${model} ${current.version ?? ''} → ${chosen.version ?? chosen.artifactDigest} in ${environment}`.replace(
      '  ',
      ' ',
    );
  const body = [
    `Rolls **${model}** in **${environment}** back to the record deployed by ${chosen.pullRequest ? `[#${chosen.pullRequest.number}](${chosen.pullRequest.url})` : `commit ${chosen.commit.slice(0, 7)}`} on ${formatTime(new Date(chosen.at))}: \`${c.target.manifestPath}\` is restored byte for byte from commit ${chosen.commit}.`,
    '',
    `**Reason:** ${request.reason}`,
    '',
    `| | Now | Restored |`,
    '|---|---|---|',
    `| Version | ${current.version ?? '—'} | **${chosen.version ?? '—'}** |`,
    `| Artifact digest | \`${current.artifactDigest ?? '—'}\` | \`${chosen.artifactDigest}\` |`,
    '',
    files[environmentsConfigFile]
      ? `Merging it also **holds ${model} in ${environment}** (\`holds:\` in slipway.yaml): nothing is auto-promoted into it until someone releases the hold (\`slipway release ${environment} ${model}\`).`
      : `${environment}'s policy sets no hold on rollback (rollback-holds: false).`,
  ].join('\n');
  const result = await commitAndOpen(
    c,
    branch,
    files,
    title,
    body,
    `Slipway-Rollback: ${environment}/${model}\nSlipway-Restores: ${chosen.commit}`,
  );
  return {
    ...result,
    environment,
    model,
    branch,
    from: {
      ...(current.version ? { version: current.version } : {}),
      ...(current.artifactDigest ? { artifactDigest: current.artifactDigest } : {}),
    },
    to: {
      ...(chosen.version ? { version: chosen.version } : {}),
      artifactDigest: chosen.artifactDigest!,
      commit: chosen.commit,
    },
    holds: Boolean(files[environmentsConfigFile]),
  };
}

/** Opens a PR that holds the model in the environment. */
export async function hold(octokit: GitHubClient, request: HoldRequest): Promise<ConfigChangeResult> {
  const c = await open(octokit, request);
  const { environment, model } = request;
  const branch = `slipway/hold/${environment}/${model}`;
  const existing = holdOn(c.contract, environment, model);
  if (existing)
    return {
      outcome: 'nothing-to-do',
      environment,
      model,
      branch,
      holds: true,
      message: `${model} is already held in ${environment}: ${existing.reason}.`,
    };
  const now = request.now ?? new Date();
  const text = addHold(
    c.configText,
    {
      environment,
      model,
      reason: request.reason,
      since: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(request.by ? { by: request.by } : {}),
    },
    c.where,
  );
  const result = await commitAndOpen(
    c,
    branch,
    { [environmentsConfigFile]: text },
    `Hold ${model} in ${environment}`,
    `Holds **${model}** in **${environment}**: once merged, nothing is auto-promoted or auto-proposed into it, and its promotion pull requests stay pending on \`slipway/hold\`, until the hold is released.\n\n**Reason:** ${request.reason}`,
    `Slipway-Hold: ${environment}/${model}`,
  );
  return { ...result, environment, model, branch, holds: true };
}

/** Opens a PR that releases the model's hold in the environment. */
export async function release(octokit: GitHubClient, request: ReleaseRequest): Promise<ConfigChangeResult> {
  const c = await open(octokit, request);
  const { environment, model } = request;
  const branch = `slipway/release/${environment}/${model}`;
  const existing = holdOn(c.contract, environment, model);
  if (!existing)
    return {
      outcome: 'nothing-to-do',
      environment,
      model,
      branch,
      holds: false,
      message: `${model} is not held in ${environment}; nothing to release.`,
    };
  const result = await commitAndOpen(
    c,
    branch,
    { [environmentsConfigFile]: removeHold(c.configText, environment, model, c.where) },
    `Release the hold on ${model} in ${environment}`,
    `Releases the hold on **${model}** in **${environment}** (${existing.reason}${existing.by ? `, set by @${existing.by}` : ''}${existing.since ? ` at ${existing.since}` : ''}). Once merged, promotions into it resume.`,
    `Slipway-Release: ${environment}/${model}`,
  );
  return { ...result, environment, model, branch, holds: false };
}

async function commitAndOpen(
  c: Context,
  branch: string,
  files: Record<string, string>,
  title: string,
  body: string,
  trailer: string,
): Promise<Pick<ConfigChangeResult, 'outcome' | 'pullRequest' | 'commit' | 'message'>> {
  const { octokit, at } = c;
  const open = await findOpenPullRequest(octokit, at, branch, c.baseBranch);
  if (open)
    return {
      outcome: 'already-open',
      pullRequest: { number: open.number, url: open.url },
      message: `PR #${open.number} on ${branch} is already open; review and merge (or close) it first.`,
    };
  const base = await readBranchTip(octokit, at, c.baseBranch);
  if (!base) throw new PromotionError(`${c.repo}: branch '${c.baseBranch}' not found.`, { where: c.repo });
  const tree = await octokit.rest.git.createTree({
    ...at,
    base_tree: base.tree,
    tree: Object.entries(files).map(([path, content]) => ({
      path,
      mode: '100644' as const,
      type: 'blob' as const,
      content,
    })),
  });
  const commit = await octokit.rest.git.createCommit({
    ...at,
    message: `${title}\n\n${trailer}\n`,
    tree: tree.data.sha,
    parents: [base.sha],
  });
  // A branch left from an earlier, closed request is moved to the new commit only when its tip is
  // Slipway's own commit of the same kind; someone's commit there is never overwritten.
  try {
    await octokit.rest.git.createRef({ ...at, ref: `refs/heads/${branch}`, sha: commit.data.sha });
  } catch (error) {
    if ((error as { status?: number }).status !== 422) throw error;
    const tip = await readBranchSha(octokit, at, branch);
    const tipCommit = tip ? await readCommit(octokit, at, tip) : undefined;
    if (!tip || !tipCommit?.message.includes(`\n${trailer.split('\n')[0]}`))
      throw new PromotionError(
        `${c.repo}: branch ${branch} exists with commit ${tip?.slice(0, 7) ?? '?'}, which Slipway did not make; it was left alone. Delete the branch and run again. Nothing was changed.`,
        { where: `${c.repo}:${branch}` },
      );
    await octokit.rest.git.updateRef({ ...at, ref: `heads/${branch}`, sha: commit.data.sha, force: true });
  }
  const pr = await octokit.rest.pulls.create({ ...at, head: branch, base: c.baseBranch, title, body });
  return {
    outcome: 'opened',
    pullRequest: { number: pr.data.number, url: pr.data.html_url },
    commit: commit.data.sha,
    message: `Opened PR #${pr.data.number}: ${title}.`,
  };
}
