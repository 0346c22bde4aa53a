// What a promotion run reads, in a fixed number of GitHub requests whatever the number of models:
// one GraphQL query for the base branch's tip with its commit statuses, slipway.yaml and every open pull
// request with its head's statuses, then one query for every model's manifest in every environment.
// A scheduled run over 100 models × 3 environments with nothing to do makes these two requests and stops.
import type { GitHubClient } from '../../github/client.js';
import type { EvalSummary, MetricRow } from '../eval-summary.js';
import { parseMarker } from '../pr-content.js';
import type { ObservedStatus } from './gates.js';

export interface OpenPull {
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly body: string;
  readonly isDraft: boolean;
  readonly headRefName: string;
  readonly headRefOid: string;
  /** The newest status of each context on the head commit. */
  readonly statuses: readonly ObservedStatus[];
}

export interface RepositorySnapshot {
  readonly repositoryId: string;
  /** The base branch's tip, and the newest status of each context on it (where Argo CD and Flux report). */
  readonly commit: string;
  readonly statuses: readonly ObservedStatus[];
  readonly configText: string | undefined;
  readonly pulls: readonly OpenPull[];
}

interface StatusNode {
  context: string;
  state: string;
  description: string | null;
  createdAt: string;
}
interface PullNode {
  number: number;
  url: string;
  title: string;
  body: string;
  isDraft: boolean;
  headRefName: string;
  headRefOid: string;
  commits: { nodes: { commit: { status: { contexts: StatusNode[] } | null } }[] };
}

const statusFields = 'status { contexts { context state description createdAt } }';
const snapshotQuery = `query SlipwayPromotionSnapshot($owner: String!, $name: String!, $ref: String!, $config: String!, $base: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    id
    ref(qualifiedName: $ref) { target { oid ... on Commit { ${statusFields} } } }
    config: object(expression: $config) { ... on Blob { text } }
    pullRequests(states: [OPEN], baseRefName: $base, first: 100, after: $after) {
      nodes { number url title body isDraft headRefName headRefOid commits(last: 1) { nodes { commit { ${statusFields} } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const observed = (nodes: readonly StatusNode[] | undefined): ObservedStatus[] =>
  (nodes ?? []).map((s) => ({
    context: s.context,
    state: s.state.toLowerCase() as ObservedStatus['state'],
    description: s.description,
    createdAt: s.createdAt,
  }));

/** Reads the snapshot; `undefined` when the repository or the base branch does not exist. */
export async function readSnapshot(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  baseBranch: string,
  configFile: string,
): Promise<RepositorySnapshot | undefined> {
  const pulls: OpenPull[] = [];
  let after: string | null = null;
  let first: RepositorySnapshot | undefined;
  do {
    const data: {
      repository: {
        id: string;
        ref: { target: { oid: string; status: { contexts: StatusNode[] } | null } } | null;
        config: { text: string | null } | null;
        pullRequests: { nodes: PullNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
      } | null;
    } = await octokit.graphql(snapshotQuery, {
      owner: at.owner,
      name: at.repo,
      ref: `refs/heads/${baseBranch}`,
      config: `refs/heads/${baseBranch}:${configFile}`,
      base: baseBranch,
      after,
    });
    const repository = data.repository;
    if (!repository?.ref) return undefined;
    first ??= {
      repositoryId: repository.id,
      commit: repository.ref.target.oid,
      statuses: observed(repository.ref.target.status?.contexts),
      configText: repository.config?.text ?? undefined,
      pulls,
    };
    for (const node of repository.pullRequests.nodes) {
      pulls.push({
        number: node.number,
        url: node.url,
        title: node.title,
        body: node.body,
        isDraft: node.isDraft,
        headRefName: node.headRefName,
        headRefOid: node.headRefOid,
        statuses: observed(node.commits.nodes[0]?.commit.status?.contexts),
      });
    }
    after = repository.pullRequests.pageInfo.hasNextPage ? repository.pullRequests.pageInfo.endCursor : null;
  } while (after);
  return first;
}

/** Every file's text at `commit`, in one query (in chunks of 500 paths, far inside GitHub's limits). */
export async function readFiles(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string | undefined>> {
  const texts = new Map<string, string | undefined>();
  for (let start = 0; start < paths.length; start += 500) {
    const chunk = paths.slice(start, start + 500);
    const fields = chunk
      .map(
        (path, i) =>
          `f${i}: object(expression: ${JSON.stringify(`${commit}:${path}`)}) { ... on Blob { text } }`,
      )
      .join('\n    ');
    const query = `query SlipwayManifests($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
    const data: { repository: Record<string, { text: string | null } | null> } = await octokit.graphql(
      query,
      {
        owner: at.owner,
        name: at.repo,
      },
    );
    chunk.forEach((path, i) => {
      texts.set(path, data.repository[`f${i}`]?.text ?? undefined);
    });
  }
  return texts;
}

/** The merged pull request that deployed an artifact to an upstream environment. */
export interface UpstreamPull {
  readonly number: number;
  readonly url: string;
  readonly mergedAt: string | null;
  readonly mergedBy: string | undefined;
  readonly mergeCommit: string | undefined;
  readonly approvedBy: readonly string[];
  /** The evaluation its machine-readable block recorded, if any. */
  readonly evaluation: EvalSummary | undefined;
}

/** A merged pull request as the upstream-record queries read it. */
export interface MergedPullNode {
  number: number;
  url: string;
  body: string;
  mergedAt: string | null;
  mergedBy: { login: string } | null;
  mergeCommit: { oid: string } | null;
  reviews: { nodes: { author: { login: string } | null }[] } | null;
}

/**
 * The merged pull request on `branch` that deployed `artifactDigest` (the newest such, among the last 20),
 * with who approved and merged it (one query). Not simply the last one merged: that may carry another
 * artifact (a later version since rolled back), whose approvals and evaluation are not this one's.
 */
export async function readUpstreamPull(
  octokit: GitHubClient,
  at: { owner: string; repo: string },
  branch: string,
  artifactDigest: string,
): Promise<UpstreamPull | undefined> {
  const data: {
    repository: { pullRequests: { nodes: MergedPullNode[] } } | null;
  } = await octokit.graphql(
    `query SlipwayUpstreamPull($owner: String!, $name: String!, $head: String!) {
  repository(owner: $owner, name: $name) {
    pullRequests(states: [MERGED], headRefName: $head, last: 20) {
      nodes { number url body mergedAt mergedBy { login } mergeCommit { oid } reviews(states: [APPROVED], first: 50) { nodes { author { login } } } }
    }
  }
}`,
    { owner: at.owner, name: at.repo, head: branch },
  );
  const pull = data.repository?.pullRequests.nodes
    .filter((p) => parseMarker(p.body)?.artifactDigest === artifactDigest)
    .at(-1);
  if (!pull) return undefined;
  const approvedBy = [
    ...new Set((pull.reviews?.nodes ?? []).flatMap((r) => (r.author ? [r.author.login] : []))),
  ];
  return {
    number: pull.number,
    url: pull.url,
    mergedAt: pull.mergedAt,
    mergedBy: pull.mergedBy?.login,
    mergeCommit: pull.mergeCommit?.oid,
    approvedBy,
    evaluation: recordedEvaluation(pull.body, pull.number),
  };
}

/** A Slipway PR body's machine-readable block (proposalRecord in pr-content.ts), parsed; undefined if none. */
export function readProposalRecord(body: string | null | undefined): Record<string, unknown> | undefined {
  const block = /<summary>Machine-readable proposal<\/summary>\s*```json\n([\s\S]*?)\n```/.exec(
    body ?? '',
  )?.[1];
  if (!block) return undefined;
  try {
    const record: unknown = JSON.parse(block);
    return record && typeof record === 'object' ? (record as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The evaluation in a Slipway PR body's machine-readable block, as a summary to render again. */
export function recordedEvaluation(body: string, number: number): EvalSummary | undefined {
  const evaluation = readProposalRecord(body)?.evaluation as
    | { passed: boolean | null; metrics: MetricRow[] }
    | null
    | undefined;
  // A block with no verdict and no metrics evaluated nothing (a promotion that could carry no evaluation).
  if (!evaluation || (evaluation.passed === null && (evaluation.metrics ?? []).length === 0))
    return undefined;
  return {
    ...(evaluation.passed === null ? {} : { passed: evaluation.passed }),
    rows: evaluation.metrics,
    failedGates: [],
    notes: [`Carried from the upstream pull request #${number}, which evaluated this exact artifact.`],
  };
}
