// What a proposal branch holds, read without changing it: whether its tip is Slipway's own commit for this
// environment and model, and whether that commit is still a live proposal or the leftover of a closed PR.
import type { GitHubClient } from '../github/client.js';
import { type CommitInfo, type RepositoryRef, readCommit } from '../github/git-data.js';
import { type ProposalMarker, readTrailers } from './pr-content.js';
import type { DeploymentTarget } from './repository-config.js';

/**
 * A commit is Slipway's only when it is exactly what Slipway wrote: its trailers name this environment
 * and model, and its one parent and its tree are the base and tree the trailers recorded. A person who
 * amends it (`--amend`: same message, same parent, their content) makes a commit that fails the tree check.
 */
export function isSlipwayCommit(commit: CommitInfo, target: DeploymentTarget): boolean {
  const recorded = readTrailers(commit.message);
  return (
    recorded.proposal === `${target.environment.name}/${target.model.name}` &&
    commit.parents.length === 1 &&
    commit.parents[0] === recorded.base &&
    recorded.tree !== undefined &&
    commit.tree === recorded.tree
  );
}

/**
 * The branch tip when it is Slipway's own single commit for this environment and model, with the version
 * its trailers record when the PR's record does not name that commit; undefined when it is someone else's.
 */
export async function slipwayHead(
  octokit: GitHubClient,
  at: RepositoryRef,
  headSha: string,
  marker: ProposalMarker | undefined,
  target: DeploymentTarget,
): Promise<{ readonly version?: string } | undefined> {
  if (marker && marker.commit === headSha) return {};
  const commit = await readCommit(octokit, at, headSha);
  if (!isSlipwayCommit(commit, target)) return undefined;
  const { version } = readTrailers(commit.message);
  return version ? { version } : {};
}

/**
 * The closed (or merged) pull request whose head was `tip`, if any: then the commit on the branch is a
 * proposal people already decided on, not one in flight, and a lower version may take the branch. Without
 * one, the commit may be another run's that is about to open its PR, and it stands. Asked only when a
 * leftover branch carries a newer version, so the common path pays nothing for it.
 */
export async function closedPullRequestAt(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
  base: string,
  tip: string,
): Promise<{ readonly number: number; readonly merged: boolean } | undefined> {
  const { data } = await octokit.rest.pulls.list({
    ...at,
    head: `${at.owner}:${branch}`,
    base,
    state: 'closed',
    sort: 'updated',
    direction: 'desc',
    per_page: 20,
  });
  const pull = data.find((p) => p.head.ref === branch && p.head.sha === tip);
  return pull ? { number: pull.number, merged: pull.merged_at !== null } : undefined;
}
