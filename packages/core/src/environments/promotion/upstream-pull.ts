// The pull request that deployed an artifact to the upstream environment, whose approvals and evaluation a
// promotion carries. First among the last merged pull requests on the upstream's proposal branch (one query,
// as before); when none of those records the digest (an older deployment, or a body whose marker was
// edited away), from the upstream manifest's own history: the change that put the digest there, and the
// pull request that merged it. That costs requests only when the first look fails; the common path is as
// it was. When neither finds one, the proposal says so instead of leaving the record out in silence.
import type { GitHubClient } from '../../github/client.js';
import { readDeployedModel } from '../deployment.js';
import type { DeploymentTarget } from '../repository-config.js';
import { type MergedPullNode, readUpstreamPull, recordedEvaluation, type UpstreamPull } from './snapshot.js';

/** Changes of the manifest read per query, and how many queries at most. */
const historyPage = 50;
const historyPages = 4;

export interface UpstreamPullSearch {
  readonly branch: string;
  readonly artifactDigest: string;
  /** The base branch commit the run read, where the upstream runs the artifact. */
  readonly commit: string;
  /** The upstream environment's target: its manifest path and how its record is read. */
  readonly target: DeploymentTarget;
}

export type UpstreamPullFound =
  | { readonly pull: UpstreamPull; readonly warning?: undefined }
  | { readonly pull?: undefined; readonly warning: string };

export async function findUpstreamPull(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  search: UpstreamPullSearch,
): Promise<UpstreamPullFound> {
  const byBranch = await readUpstreamPull(octokit, at, search.branch, search.artifactDigest);
  if (byBranch) return { pull: byBranch };
  const change = await findIntroducingChange(octokit, at, search);
  if (change.pull) return { pull: change.pull };
  const env = search.target.environment.name;
  return {
    warning: `The pull request that deployed ${search.artifactDigest} to ${env} was not found: none of the last merged pull requests on ${search.branch} records it, and ${change.why}. Its approvals and evaluation are not carried; check them in ${env}'s history (slipway history ${env}).`,
  };
}

interface ChangeNode {
  oid: string;
  file: { object: { text: string | null } | null } | null;
  associatedPullRequests: { nodes: MergedPullNode[] };
}

const changesQuery = `query SlipwayUpstreamChanges($owner: String!, $name: String!, $commit: String!, $path: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    object(expression: $commit) {
      ... on Commit {
        history(path: $path, first: $first, after: $after) {
          nodes {
            oid
            file(path: $path) { object { ... on Blob { text } } }
            associatedPullRequests(first: 5) {
              nodes { number url body mergedAt mergedBy { login } mergeCommit { oid } reviews(states: [APPROVED], first: 50) { nodes { author { login } } } }
            }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
}`;

/**
 * Walks the manifest's changes from the run's commit back to the oldest of the latest run of changes that
 * all hold the digest: that one put it there (a rollback and a redeploy make a newer run, which is right).
 */
async function findIntroducingChange(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  search: UpstreamPullSearch,
): Promise<{ pull?: UpstreamPull; why: string }> {
  const path = search.target.manifestPath;
  let introducer: ChangeNode | undefined;
  let after: string | null = null;
  for (let page = 0; page < historyPages; page++) {
    const data: {
      repository: {
        object: {
          history?: { nodes: ChangeNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        } | null;
      } | null;
    } = await octokit.graphql(changesQuery, {
      owner: at.owner,
      name: at.repo,
      commit: search.commit,
      path,
      first: historyPage,
      after,
    });
    const history = data.repository?.object?.history;
    for (const node of history?.nodes ?? []) {
      if (!holds(node, search)) return introducedBy(introducer, path);
      introducer = node;
    }
    if (!history?.pageInfo.hasNextPage) return introducedBy(introducer, path);
    after = history.pageInfo.endCursor;
  }
  return {
    why: `${path} has held it for all of its last ${historyPage * historyPages} changes, further back than Slipway looks`,
  };
}

function holds(node: ChangeNode, search: UpstreamPullSearch): boolean {
  const text = node.file?.object?.text;
  if (!text) return false;
  try {
    const record = readDeployedModel(text, search.target);
    // A manifest written by hand may carry the digest only in its storage URI.
    const digest = record.artifactDigest ?? /@(sha256:[a-f0-9]{64})$/.exec(record.storageUri ?? '')?.[1];
    return digest === search.artifactDigest;
  } catch {
    return false;
  }
}

function introducedBy(change: ChangeNode | undefined, path: string): { pull?: UpstreamPull; why: string } {
  if (!change) return { why: `no change to ${path} holds it` };
  const pull = change.associatedPullRequests.nodes.find((p) => p.mergedAt !== null);
  if (!pull)
    return {
      why: `commit ${change.oid.slice(0, 7)}, which put it into ${path}, was not merged through a pull request`,
    };
  return {
    pull: {
      number: pull.number,
      url: pull.url,
      mergedAt: pull.mergedAt,
      mergedBy: pull.mergedBy?.login,
      mergeCommit: pull.mergeCommit?.oid,
      approvedBy: [
        ...new Set((pull.reviews?.nodes ?? []).flatMap((r) => (r.author ? [r.author.login] : []))),
      ],
      evaluation: recordedEvaluation(pull.body, pull.number),
    },
    why: '',
  };
}
