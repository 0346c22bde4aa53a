// openEnvironmentPr: proposes deploying a model version to an environment as a pull request against the
// environment manifest repository, through the Git Data API (no clone).
//
// How the branch is written, and why force is safe here:
// - Each (environment, model) has one branch, slipway/<env>/<model>, holding exactly one Slipway commit
//   whose parent is the base tip. Every run regenerates that commit on the current base, so the PR never
//   accumulates stale commits or merge noise.
// - The base branch is never written: Slipway only reads it. The only refs it moves are its own branches.
// - Creating the branch is a compare-and-swap (POST git/refs fails if it exists), so two writers cannot
//   both create it; the loser re-reads and continues from what the winner made.
// - Moving an existing branch to a regenerated commit is not a fast-forward, so it needs `force`. Before
//   that, Slipway checks the branch holds only its own commit: the tip is the commit the PR's marker
//   recorded, or a commit carrying Slipway's trailers for this environment and model with one parent.
//   Otherwise someone else pushed to it and the branch is left alone, with a comment saying why: Slipway
//   never force-pushes over people. The forced move itself is a compare-and-swap from the tip it checked
//   (GraphQL updateRefs with beforeOid, see git-data.ts), so a push that lands between the check and the
//   write makes the move fail and the next attempt sees that push, instead of erasing it.
// - A write that loses a race (the ref moved, a PR was opened meanwhile) restarts the whole attempt: base,
//   manifest and PR are read again and the commit is rebuilt on the new base, a bounded number of times.
//   A refused move of a branch that is still where Slipway saw it is a rule (branch protection, a ruleset
//   on slipway/**), not a race: the run stops at once and says what to allow.
// - A leftover branch (no open PR) carrying a newer version stands while it may be another run's proposal
//   in flight; once a closed PR shows people decided on it, a lower version (a hotfix) takes the branch.

import { SlipwayError } from '../errors/index.js';
import type { GitHubClient } from '../github/client.js';
import { isGitHubFailure } from '../github/failures.js';
import {
  BranchUpdateRefused,
  commitFile,
  createBranch,
  deleteBranch,
  LostRace,
  moveProposalBranch,
  parseRepository,
  type RepositoryRef,
  readBranchFiles,
  readBranchSha,
  readCommit,
  readTextFile,
} from '../github/git-data.js';
import {
  applyReviewPolicy,
  closePullRequest,
  createPullRequest,
  findOpenPullRequest,
  type OpenPullRequest,
  updatePullRequestText,
} from '../github/pull-requests.js';
import { upsertStickyComment } from '../github/sticky-comment.js';
import { checkRelease, compareVersions, type ModelRelease, planManifestChange } from './deployment.js';
import { type EvalSummary, summarizeEval } from './eval-summary.js';
import {
  closedAsEmptyComment,
  commitMessage,
  leftAloneComment,
  type PromotionProvenance,
  type ProposalMarker,
  parseMarker,
  proposalBody,
  proposalBranch,
  proposalTitle,
  readTrailers,
} from './pr-content.js';
import { closedPullRequestAt, isSlipwayCommit, slipwayHead } from './proposal-branch.js';
import {
  type DeploymentTarget,
  defaultManifestPath,
  environmentsConfigFile,
  parseEnvironmentsConfig,
  resolveTarget,
} from './repository-config.js';

export interface ProposalRequest {
  /** The environment manifest repository, owner/name. */
  readonly repository: string;
  readonly environment: string;
  readonly release: ModelRelease;
  /** The branch the GitOps controller deploys from; slipway.yaml is read from it. Default main. */
  readonly baseBranch?: string;
  /** The proposed version's eval report (parsed JSON), and the one of the version now in the environment. */
  readonly evalReport?: unknown;
  readonly currentEvalReport?: unknown;
  /** Where the release comes from when this deployment promotes an upstream environment's record. */
  readonly promotion?: PromotionProvenance;
  /** An evaluation already summarised (a promotion carries its upstream PR's); used when evalReport is not given. */
  readonly evaluation?: EvalSummary;
  /** Attempts when another writer wins a race. Default 3. */
  readonly maxAttempts?: number;
  readonly log?: (message: string) => void;
}

export type ProposalOutcome =
  /** A new PR was opened. */
  | 'opened'
  /** The open PR was regenerated (new version, new base) or its text or policy brought up to date. */
  | 'updated'
  /** The open PR already proposes exactly this: no write was made. */
  | 'unchanged'
  /** The environment already runs this artifact: nothing to propose. */
  | 'already-deployed'
  /** The environment already runs it and Slipway's open PR for it was closed as empty. */
  | 'closed-empty'
  /** The branch carries someone else's commits; it was not touched. */
  | 'left-alone'
  /** A newer version is already proposed on the branch; the older one does not replace it. */
  | 'superseded';

export interface ProposalResult {
  readonly outcome: ProposalOutcome;
  readonly environment: string;
  readonly model: string;
  readonly version: string;
  readonly branch: string;
  readonly manifestPath?: string;
  readonly pullRequest?: { readonly number: number; readonly url: string };
  /** The proposal commit on the branch, when there is one. */
  readonly commit?: string;
  /** One sentence for logs and job summaries. */
  readonly message: string;
  readonly warnings: readonly string[];
  readonly attempts: number;
}

export class ProposalError extends SlipwayError {
  override readonly name = 'ProposalError';
}

interface Attempt {
  readonly octokit: GitHubClient;
  readonly at: RepositoryRef;
  readonly request: ProposalRequest;
  readonly baseBranch: string;
  readonly branch: string;
  readonly log: (message: string) => void;
}

export async function openEnvironmentPr(
  octokit: GitHubClient,
  request: ProposalRequest,
): Promise<ProposalResult> {
  const release = checkRelease(request.release);
  const at = parseRepository(request.repository);
  const attempt: Attempt = {
    octokit,
    at,
    request,
    baseBranch: request.baseBranch ?? 'main',
    branch: proposalBranch(request.environment, release.model),
    log: request.log ?? (() => {}),
  };
  const maxAttempts = request.maxAttempts ?? 3;
  for (let n = 1; ; n++) {
    try {
      const result = await proposeOnce(attempt);
      return { ...result, attempts: n };
    } catch (error) {
      if (error instanceof BranchUpdateRefused) throw refusedByRule(request.repository, error);
      if (!(error instanceof LostRace)) throw error;
      if (n >= maxAttempts) {
        throw new ProposalError(
          `${request.repository}: gave up after ${n} attempts because another writer kept changing ${attempt.branch} (${error.message}). No pull request was changed by this run; run it again.`,
        );
      }
      attempt.log(
        `${error.message} Re-reading ${request.repository} and trying again (attempt ${n + 1} of ${maxAttempts}).`,
      );
    }
  }
}

type Result = Omit<ProposalResult, 'attempts'>;

async function proposeOnce(a: Attempt): Promise<Result> {
  const { octokit, at, request, baseBranch, branch } = a;
  const { release } = request;
  const repo = `${at.owner}/${at.repo}`;
  // One round trip for the reads that depend on nothing: the base tip with slipway.yaml and the manifest
  // at the path the defaults give it (one GraphQL query, all from the tip commit), and the open PR. A
  // slipway.yaml that puts the manifest elsewhere costs one more read, at the tip itself.
  const likelyManifest = defaultManifestPath(request.environment, release.model);
  const [read, listed] = await Promise.allSettled([
    readBranchFiles(octokit, at, baseBranch, [environmentsConfigFile, likelyManifest]),
    findOpenPullRequest(octokit, at, branch, baseBranch),
  ]);
  // The repository read fails first: "not found" says more than the pull request list's bare 404.
  if (read.status === 'rejected') throw read.reason;
  if (listed.status === 'rejected') throw listed.reason;
  const base = read.value;
  const pr = listed.value;
  if (!base)
    throw new ProposalError(
      `${repo}: base branch '${baseBranch}' not found. Set base-branch to the branch your GitOps controller deploys from.`,
    );
  const where = `${repo}@${baseBranch}:${environmentsConfigFile}`;
  const configText = base.files.get(environmentsConfigFile);
  if (configText === undefined) {
    throw new ProposalError(
      `${where}: not found. The environment repository needs a slipway.yaml with kind: Environments at its root (see Slipway's environments/ skeleton).`,
    );
  }
  const target = resolveTarget(
    parseEnvironmentsConfig(configText, where),
    request.environment,
    release.model,
    where,
  );
  const manifest =
    target.manifestPath === likelyManifest
      ? base.files.get(likelyManifest)
      : await readTextFile(octokit, at, target.manifestPath, base.sha);
  if (manifest === undefined) {
    throw new ProposalError(
      `${repo}@${baseBranch}: manifest ${target.manifestPath} not found. Add the model's manifest for ${target.environment.name} first (Slipway edits it; it does not invent one).`,
    );
  }
  const change = planManifestChange(manifest, target, release);
  const marker = parseMarker(pr?.body);
  const result = (outcome: ProposalOutcome, message: string, extra: Partial<Result> = {}): Result => ({
    outcome,
    environment: target.environment.name,
    model: release.model,
    version: release.version,
    branch,
    manifestPath: target.manifestPath,
    message,
    warnings: [],
    ...(pr ? { pullRequest: { number: pr.number, url: pr.url } } : {}),
    ...extra,
  });

  if (change.alreadyDeployed) {
    if (!pr)
      return result(
        'already-deployed',
        `${target.environment.name} already runs ${release.model} ${release.artifactDigest}; nothing to propose.`,
      );
    if (!marker || !(await slipwayHead(octokit, at, pr.headSha, marker, target)))
      return leaveAlone(a, pr, release, result);
    await closePullRequest(
      octokit,
      at,
      pr,
      closedAsEmptyComment(target.environment.name, release, baseBranch),
    );
    return result(
      'closed-empty',
      `${baseBranch} already deploys ${release.model} ${release.version} to ${target.environment.name}; closed PR #${pr.number}, which no longer changes anything.`,
    );
  }

  const evaluation =
    request.evalReport === undefined
      ? request.evaluation
      : summarizeEval(request.evalReport, request.currentEvalReport);
  const contentOf = (m: ProposalMarker) => ({
    title: proposalTitle(target, release, change.before),
    body: proposalBody({
      target,
      release,
      before: change.before,
      marker: m,
      baseBranch,
      repository: repo,
      autoMerge: target.environment.policy.autoMerge,
      ...(evaluation ? { evaluation } : {}),
      ...(request.promotion ? { promotion: request.promotion } : {}),
    }),
  });
  const markerFor = (baseSha: string, commit: string): ProposalMarker => ({
    environment: target.environment.name,
    model: release.model,
    version: release.version,
    artifactDigest: release.artifactDigest,
    content: change.contentDigest,
    base: baseSha,
    commit,
  });

  if (pr) {
    const head = await slipwayHead(octokit, at, pr.headSha, marker, target);
    if (!head) return leaveAlone(a, pr, release, result);
    // The branch, not only the PR's text, says what is proposed: a run stopped between moving the
    // branch and rewriting the text (cancelled, killed) leaves a newer commit under an older record.
    const proposed = [marker?.version, head.version].filter((v): v is string => v !== undefined);
    const newest = proposed.sort(compareVersions).at(-1);
    if (newest && compareVersions(newest, release.version) > 0) {
      return result(
        'superseded',
        `PR #${pr.number} already proposes the newer ${release.model} ${newest}; ${release.version} does not replace it.`,
      );
    }
    const upToDate =
      marker?.commit === pr.headSha && marker.base === base.sha && marker.content === change.contentDigest;
    let commit = pr.headSha;
    if (!upToDate) {
      commit = await commitFile(
        octokit,
        at,
        base,
        { path: target.manifestPath, content: change.text },
        (tree) => commitMessage(target, release, base.sha, tree, request.promotion),
      );
      // Compare-and-swap from the tip checked above: a push made since then makes this a LostRace, not a loss.
      await moveProposalBranch(octokit, { ...at, repositoryId: pr.repositoryId }, branch, {
        from: pr.headSha,
        to: commit,
      });
    }
    let textChanged: boolean;
    try {
      textChanged = await updatePullRequestText(
        octokit,
        at,
        pr,
        contentOf(markerFor(upToDate && marker ? marker.base : base.sha, commit)),
      );
    } catch (error) {
      // Nothing half-made: a branch moved under a PR whose text still proposes the old commit goes back.
      if (!upToDate) await moveBackQuietly(a, pr, { from: commit, to: pr.headSha });
      throw error;
    }
    const policy = await applyPolicy(a, pr, target, !upToDate);
    const changed = !upToDate || textChanged || policy.writes > 0;
    return result(
      changed ? 'updated' : 'unchanged',
      changed
        ? `Updated PR #${pr.number}: ${release.model} ${release.version} to ${target.environment.name}.`
        : `PR #${pr.number} already proposes ${release.model} ${release.version} to ${target.environment.name}; nothing to do.`,
      { commit, warnings: policy.warnings },
    );
  }

  // No open PR: build the commit, then claim the branch.
  const commit = await commitFile(
    octokit,
    at,
    base,
    { path: target.manifestPath, content: change.text },
    (tree) => commitMessage(target, release, base.sha, tree, request.promotion),
  );
  const created = await createBranch(octokit, at, branch, commit);
  if (!created) {
    // The branch exists without an open PR: left over from a closed PR, a failed run, or someone's own work.
    const tip = await readBranchSha(octokit, at, branch);
    if (!tip) throw new LostRace(`Branch ${branch} was deleted while Slipway was creating it.`);
    const tipCommit = await readCommit(octokit, at, tip);
    const trailers = readTrailers(tipCommit.message);
    if (!isSlipwayCommit(tipCommit, target)) {
      return result(
        'left-alone',
        `Branch ${branch} exists with commit ${tip.slice(0, 7)}, which Slipway did not make; it was left alone. Delete the branch to let Slipway propose again.`,
      );
    }
    if (trailers.version && compareVersions(trailers.version, release.version) > 0) {
      // A newer version whose PR was closed (rejected, or merged already) is no live proposal: a hotfix
      // of a lower version must not stay blocked behind it for ever.
      const closed = await closedPullRequestAt(octokit, at, branch, baseBranch, tip);
      if (!closed) {
        return result(
          'superseded',
          `Branch ${branch} already carries the newer ${release.model} ${trailers.version}; ${release.version} does not replace it.`,
        );
      }
      a.log(
        `Branch ${branch} still carries ${release.model} ${trailers.version} from PR #${closed.number}, which was ${closed.merged ? 'merged' : 'closed'}; proposing ${release.version} in its place.`,
      );
    }
    const repository = await octokit.rest.repos.get({ owner: at.owner, repo: at.repo });
    await moveProposalBranch(octokit, { ...at, repositoryId: repository.data.node_id }, branch, {
      from: tip,
      to: commit,
    });
  }
  let opened: OpenPullRequest;
  try {
    opened = await createPullRequest(octokit, at, {
      branch,
      base: baseBranch,
      ...contentOf(markerFor(base.sha, commit)),
      draft: target.environment.policy.draft,
    });
  } catch (error) {
    // Another run opened the PR first: start over and update theirs (or find it supersedes us).
    if (isGitHubFailure(error, 'pullRequestAlreadyExists'))
      throw new LostRace(`A pull request for ${branch} was opened meanwhile.`);
    if (created) await deleteBranch(octokit, at, branch);
    throw error;
  }
  const policy = await applyPolicy(a, opened, target, true);
  return result(
    'opened',
    `Opened PR #${opened.number}: ${release.model} ${release.version} to ${target.environment.name}.`,
    {
      pullRequest: { number: opened.number, url: opened.url },
      commit,
      warnings: policy.warnings,
    },
  );
}

/**
 * GitHub refused to force-move the branch although nobody else had moved it: a rule, not a race, so
 * retrying (three more trees and commits each time) cannot help. Say which rule and what to allow.
 */
function refusedByRule(repository: string, error: BranchUpdateRefused): ProposalError {
  return new ProposalError(
    `${repository}: GitHub refused to move ${error.branch} to Slipway's new commit (${error.reason}), and nobody else had moved it: branch protection or a ruleset on slipway/** forbids it. Each run replaces the one commit on its slipway/<environment>/<model> branch, which is a force push: allow force pushes to slipway/** for the token Slipway uses (exclude slipway/** from the rule, or add Slipway's app or user to the ruleset's bypass list); see environments/branch-protection.md. No pull request was changed by this run.`,
    {
      where: `${repository}:${error.branch}`,
      expected: 'force pushes allowed on slipway/** for the token Slipway uses',
    },
  );
}

/** Undoes this run's move of the branch (compare-and-swap: only if nobody moved it since); best effort. */
async function moveBackQuietly(
  a: Attempt,
  pr: OpenPullRequest,
  move: { readonly from: string; readonly to: string },
): Promise<void> {
  try {
    await moveProposalBranch(a.octokit, { ...a.at, repositoryId: pr.repositoryId }, a.branch, move);
    a.log(`Moved ${a.branch} back to ${move.to.slice(0, 7)}, which PR #${pr.number} still describes.`);
  } catch {
    a.log(
      `Could not move ${a.branch} back to ${move.to.slice(0, 7)}; the next run brings PR #${pr.number} up to date.`,
    );
  }
}

async function leaveAlone(
  a: Attempt,
  pr: OpenPullRequest,
  release: ModelRelease,
  result: (o: ProposalOutcome, m: string) => Result,
): Promise<Result> {
  const env = a.request.environment;
  await upsertStickyComment(a.octokit, {
    ...a.at,
    issueNumber: pr.number,
    marker: `slipway:left-alone:${env}/${release.model}`,
    body: leftAloneComment(a.branch, pr.headSha, release, env),
  });
  return result(
    'left-alone',
    `PR #${pr.number}: branch ${a.branch} carries commits Slipway did not make; it was left alone and the PR says why.`,
  );
}

function applyPolicy(a: Attempt, pr: OpenPullRequest, target: DeploymentTarget, contentChanged: boolean) {
  const policy = target.environment.policy;
  return applyReviewPolicy(a.octokit, a.at, pr, {
    labels: policy.labels,
    reviewers: policy.reviewers,
    teamReviewers: policy.teamReviewers,
    autoMerge: policy.autoMerge,
    mergeMethod: policy.mergeMethod,
    requestReviews: contentChanged,
  });
}
