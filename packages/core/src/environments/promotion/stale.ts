// A promotion pull request goes stale when no upstream environment runs what it proposes any more: the
// upstream rolled back, or moved on while this environment was held or promoted by hand. Its
// slipway/verified gate can then never pass, so it would sit open, pending, for ever.
//
// Kargo promotes the Freight a stage's upstream holds now, not one it held once; Renovate closes an update
// PR that is no longer needed ("autoclosed"). Slipway does the same: where the run proposes what the
// upstream runs now and that version is not older, openEnvironmentPr regenerates the same pull request in
// place (the branch is Slipway's to move); otherwise promote closes the stale one with a comment saying
// what the upstream runs now, and a proposal, if any, comes as a new pull request. A branch that carries
// someone else's commits is never closed: the pull request is left open and a comment says why.
import type { GitHubClient } from '../../github/client.js';
import { upsertStickyComment } from '../../github/sticky-comment.js';
import { type ProposalMarker, parseMarker } from '../pr-content.js';
import { slipwayHead } from '../proposal-branch.js';
import type { DeploymentTarget } from '../repository-config.js';
import type { UpstreamState } from './gates.js';
import { type OpenPull, readProposalRecord } from './snapshot.js';

export interface StaleProposal {
  readonly pr: OpenPull;
  readonly marker: ProposalMarker;
  /** The upstream the pull request promoted from. */
  readonly from: string;
  /** What every upstream runs now, in a sentence's words. */
  readonly runsNow: string;
}

/** The open pull request when it is a promotion of an artifact no upstream runs any more. */
export function staleProposal(
  pr: OpenPull | undefined,
  model: string,
  upstreams: readonly UpstreamState[],
): StaleProposal | undefined {
  const marker = parseMarker(pr?.body);
  if (!pr || !marker) return undefined;
  // Only promotions: a version proposed straight into this environment (open-environment-pr) was never
  // the upstream's to withdraw.
  const promotion = readProposalRecord(pr.body)?.promotion as { from?: unknown } | null | undefined;
  if (typeof promotion?.from !== 'string') return undefined;
  if (upstreams.some((u) => u.artifactDigest === marker.artifactDigest)) return undefined;
  const runsNow = upstreams
    .map((u) =>
      u.artifactDigest
        ? `${u.environment} runs ${model} ${u.version ?? '(no version)'} (\`${u.artifactDigest}\`)`
        : `${u.environment} runs no version of ${model}`,
    )
    .join('; ');
  return { pr, marker, from: promotion.from, runsNow };
}

export interface Retired {
  readonly outcome: 'closed-stale' | 'stale-left-open';
  readonly message: string;
}

/**
 * Closes the stale pull request, saying why and what happens next (`then`), or, when its branch carries
 * commits Slipway did not make, leaves it open with a comment. A close is a comment and then the close,
 * as closePullRequest does: a failure between them leaves an open PR that says why it should close.
 */
export async function retireStale(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  stale: StaleProposal,
  target: DeploymentTarget,
  then: string,
): Promise<Retired> {
  const { pr, marker } = stale;
  const env = target.environment.name;
  const what = `${marker.model} ${marker.version} (\`${marker.artifactDigest}\`)`;
  const why = `no upstream runs ${what} any more (${stale.runsNow}), so its \`slipway/verified\` gate cannot pass`;
  const own = await slipwayHead(octokit, at, pr.headRefOid, marker, target);
  if (!own) {
    await upsertStickyComment(octokit, {
      ...at,
      issueNumber: pr.number,
      marker: `slipway:stale:${env}/${marker.model}`,
      body: `This promotion to ${env} is stale: ${why}. Slipway would close it, but branch \`${pr.headRefName}\` ends in commit ${pr.headRefOid}, which Slipway did not make, so it was left open. Close it yourself if those commits are no longer needed. ${then}`,
    });
    return {
      outcome: 'stale-left-open',
      message: `PR #${pr.number} is stale (${why}), but its branch carries commits Slipway did not make; it was left open and the PR says why.`,
    };
  }
  await octokit.rest.issues.createComment({
    ...at,
    issue_number: pr.number,
    body: `Closing: ${why}. ${then}`,
  });
  await octokit.rest.pulls.update({ ...at, pull_number: pr.number, state: 'closed' });
  return {
    outcome: 'closed-stale',
    message: `Closed PR #${pr.number} (${marker.model} ${marker.version} to ${env}): ${why}.`,
  };
}
