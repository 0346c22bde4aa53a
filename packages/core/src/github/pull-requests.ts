// The pull-request side of a proposal: find the open PR of a branch, create or update it, and apply the
// environment's policy (labels, reviewers, team reviewers, auto-merge). Each helper skips requests whose
// effect is already there, which is what keeps a re-run that changes nothing down to reads only.
import type { GitHubClient } from './client.js';
import { describeGitHubFailure, isGitHubFailure } from './failures.js';
import type { RepositoryRef } from './git-data.js';

/** How GitHub merges a pull request (REST merge_method; GraphQL PullRequestMergeMethod in upper case). */
export type MergeMethod = 'merge' | 'squash' | 'rebase';

export interface OpenPullRequest {
  readonly number: number;
  readonly nodeId: string;
  readonly url: string;
  readonly title: string;
  readonly body: string;
  readonly headSha: string;
  readonly draft: boolean;
  readonly labels: readonly string[];
  readonly reviewers: readonly string[];
  readonly teamReviewers: readonly string[];
  readonly autoMerge: boolean;
  /** Node id of the repository, for GraphQL mutations on it. */
  readonly repositoryId: string;
}

type ListedPull = Awaited<ReturnType<GitHubClient['rest']['pulls']['list']>>['data'][number];

function toOpenPullRequest(pull: ListedPull): OpenPullRequest {
  return {
    number: pull.number,
    nodeId: pull.node_id,
    url: pull.html_url,
    title: pull.title,
    body: pull.body ?? '',
    headSha: pull.head.sha,
    draft: pull.draft ?? false,
    labels: pull.labels.map((l) => l.name ?? '').filter(Boolean),
    reviewers: (pull.requested_reviewers ?? []).map((r) => r.login.toLowerCase()),
    teamReviewers: (pull.requested_teams ?? []).map((t) => t.slug),
    autoMerge: Boolean(pull.auto_merge),
    repositoryId: pull.base.repo.node_id,
  };
}

/** The open PR from `branch` (in the same repository) into `base`, if any. */
export async function findOpenPullRequest(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
  base: string,
): Promise<OpenPullRequest | undefined> {
  const { data } = await octokit.rest.pulls.list({
    ...at,
    head: `${at.owner}:${branch}`,
    base,
    state: 'open',
    per_page: 5,
  });
  const pull = data.find((p) => p.head.ref === branch);
  return pull ? toOpenPullRequest(pull) : undefined;
}

export interface NewPullRequest {
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly draft: boolean;
}

export async function createPullRequest(
  octokit: GitHubClient,
  at: RepositoryRef,
  pr: NewPullRequest,
): Promise<OpenPullRequest> {
  const { data } = await octokit.rest.pulls.create({
    ...at,
    head: pr.branch,
    base: pr.base,
    title: pr.title,
    body: pr.body,
    draft: pr.draft,
  });
  return {
    number: data.number,
    nodeId: data.node_id,
    url: data.html_url,
    title: data.title,
    body: data.body ?? '',
    headSha: data.head.sha,
    draft: data.draft ?? false,
    labels: [],
    reviewers: [],
    teamReviewers: [],
    autoMerge: false,
    repositoryId: data.base.repo.node_id,
  };
}

/** Rewrites title and body only when they differ from what the PR says. True when a write was made. */
export async function updatePullRequestText(
  octokit: GitHubClient,
  at: RepositoryRef,
  pr: OpenPullRequest,
  text: { readonly title: string; readonly body: string },
): Promise<boolean> {
  if (pr.title === text.title && pr.body === text.body) return false;
  await octokit.rest.pulls.update({ ...at, pull_number: pr.number, title: text.title, body: text.body });
  return true;
}

export interface PolicyApplied {
  readonly writes: number;
  /** Parts of the policy GitHub refused (an unknown team, auto-merge off in the repository's settings). */
  readonly warnings: readonly string[];
}

export interface ReviewPolicy {
  readonly labels: readonly string[];
  readonly reviewers: readonly string[];
  readonly teamReviewers: readonly string[];
  readonly autoMerge: boolean;
  readonly mergeMethod: MergeMethod;
  /** Ask reviewers again only when the proposal's content changed; never re-request an unchanged one. */
  readonly requestReviews: boolean;
}

/** Adds missing labels, requests missing reviewers and enables auto-merge; refusals become warnings. */
export async function applyReviewPolicy(
  octokit: GitHubClient,
  at: RepositoryRef,
  pr: OpenPullRequest,
  policy: ReviewPolicy,
): Promise<PolicyApplied> {
  const warnings: string[] = [];
  let writes = 0;
  const labels = policy.labels.filter((l) => !pr.labels.includes(l));
  const reviewers = policy.reviewers.filter((r) => !pr.reviewers.includes(r.toLowerCase()));
  const teams = policy.teamReviewers.filter((t) => !pr.teamReviewers.includes(t));
  // Labels and reviews do not depend on each other: one round trip for both.
  const [labelled, requested] = await Promise.all([
    labels.length > 0
      ? octokit.rest.issues.addLabels({ ...at, issue_number: pr.number, labels }).then(() => true)
      : false,
    policy.requestReviews && (reviewers.length > 0 || teams.length > 0)
      ? octokit.rest.pulls
          .requestReviewers({ ...at, pull_number: pr.number, reviewers, team_reviewers: teams })
          .then(
            () => true,
            (error: unknown) => {
              if (!isGitHubFailure(error, 'reviewRequestRefused')) throw error;
              warnings.push(
                `Could not request reviews from ${[...reviewers, ...teams.map((t) => `team ${t}`)].join(', ')}: ${describeGitHubFailure(error)}`,
              );
              return false;
            },
          )
      : false,
  ]);
  writes += Number(labelled) + Number(requested);
  if (policy.autoMerge && !pr.autoMerge) {
    if (pr.draft) {
      warnings.push(
        'Auto-merge was not enabled: the pull request is a draft (the policy asks for both; mark it ready to let it merge).',
      );
    } else {
      try {
        await enableAutoMerge(octokit, pr.nodeId, policy.mergeMethod);
        writes++;
      } catch (error) {
        if (
          !isGitHubFailure(error, 'autoMergeNotAllowed') &&
          !isGitHubFailure(error, 'pullRequestInCleanStatus')
        )
          throw error;
        warnings.push(`Auto-merge was not enabled: ${describeGitHubFailure(error)}`);
      }
    }
  }
  return { writes, warnings };
}

const enableAutoMergeMutation = `
  mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
    enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) {
      pullRequest { number autoMergeRequest { enabledAt mergeMethod } }
    }
  }`;

/** GitHub auto-merge exists only in GraphQL: enablePullRequestAutoMerge on the PR's node id. */
export async function enableAutoMerge(
  octokit: GitHubClient,
  pullRequestId: string,
  method: MergeMethod,
): Promise<void> {
  await octokit.graphql(enableAutoMergeMutation, { pullRequestId, mergeMethod: method.toUpperCase() });
}

export async function closePullRequest(
  octokit: GitHubClient,
  at: RepositoryRef,
  pr: OpenPullRequest,
  comment: string,
): Promise<void> {
  await octokit.rest.issues.createComment({ ...at, issue_number: pr.number, body: comment });
  await octokit.rest.pulls.update({ ...at, pull_number: pr.number, state: 'closed' });
}
