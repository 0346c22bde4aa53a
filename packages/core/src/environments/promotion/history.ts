// history: what ran where and when, from the environment repository's git history through the API —
// each commit that changed a model's manifest in an environment, the record it deployed, the pull request
// that merged it (author, approvers, who merged) and what the GitOps controller reported on that commit.
// One GraphQL query per model; git stays the only record.
import type { GitHubClient } from '../../github/client.js';
import { parseRepository } from '../../github/git-data.js';
import { readDeployedModel } from '../deployment.js';
import { environmentsConfigFile, resolveTarget } from '../repository-config.js';
import { PromotionError, parsePromotionContract, verifyContexts } from './contract.js';
import type { ObservedStatus } from './gates.js';
import { readSnapshot } from './snapshot.js';

export interface HistoryRequest {
  readonly repository: string;
  readonly environment: string;
  /** One model; default: every model deployed to the environment. */
  readonly model?: string;
  readonly baseBranch?: string;
  /** Most entries per model, newest first. Default 50. */
  readonly limit?: number;
}

export interface HistoryEntry {
  readonly environment: string;
  readonly model: string;
  readonly version?: string;
  readonly artifactDigest?: string;
  /** When the change landed on the base branch (ISO 8601). */
  readonly at: string;
  readonly commit: string;
  readonly headline: string;
  readonly pullRequest?: {
    readonly number: number;
    readonly url: string;
    readonly title: string;
    readonly author?: string;
    readonly approvedBy: readonly string[];
    readonly mergedBy?: string;
    readonly mergedAt?: string;
  };
  /** The verify contexts on that commit, as the controller reported them. */
  readonly verification: readonly ObservedStatus[];
  /** The manifest's bytes at that commit: what a rollback restores. */
  readonly manifest: string;
}

export interface HistoryResult {
  readonly repository: string;
  readonly environment: string;
  readonly entries: readonly HistoryEntry[];
}

interface CommitNode {
  oid: string;
  committedDate: string;
  messageHeadline: string;
  status: {
    contexts: { context: string; state: string; description: string | null; createdAt: string }[];
  } | null;
  file: { object: { text: string | null } | null } | null;
  associatedPullRequests: {
    nodes: {
      number: number;
      url: string;
      title: string;
      author: { login: string } | null;
      mergedBy: { login: string } | null;
      mergedAt: string | null;
      reviews: { nodes: { author: { login: string } | null }[] } | null;
    }[];
  };
}

const historyQuery = `query SlipwayHistory($owner: String!, $name: String!, $ref: String!, $path: String!, $first: Int!) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $ref) {
      target {
        ... on Commit {
          history(path: $path, first: $first) {
            nodes {
              oid committedDate messageHeadline
              status { contexts { context state description createdAt } }
              file(path: $path) { object { ... on Blob { text } } }
              associatedPullRequests(first: 1) {
                nodes { number url title author { login } mergedBy { login } mergedAt reviews(states: [APPROVED], first: 50) { nodes { author { login } } } }
              }
            }
          }
        }
      }
    }
  }
}`;

export async function history(octokit: GitHubClient, request: HistoryRequest): Promise<HistoryResult> {
  const at = parseRepository(request.repository);
  const repo = `${at.owner}/${at.repo}`;
  const baseBranch = request.baseBranch ?? 'main';
  const snapshot = await readSnapshot(octokit, at, baseBranch, environmentsConfigFile);
  const where = `${repo}@${baseBranch}:${environmentsConfigFile}`;
  if (!snapshot?.configText)
    throw new PromotionError(`${where}: not found; is ${repo} an environment repository?`, { where });
  const contract = parsePromotionContract(snapshot.configText, where);
  const models = request.model
    ? [request.model]
    : contract.config.models
        .filter((m) => !m.environments || m.environments.includes(request.environment))
        .map((m) => m.name);
  const entries: HistoryEntry[] = [];
  for (const model of models) {
    const target = resolveTarget(contract.config, request.environment, model, where);
    const policy = contract.policies.get(request.environment)!;
    const contexts = verifyContexts(policy, model);
    const data: { repository: { ref: { target: { history: { nodes: CommitNode[] } } } | null } | null } =
      await octokit.graphql(historyQuery, {
        owner: at.owner,
        name: at.repo,
        ref: `refs/heads/${baseBranch}`,
        path: target.manifestPath,
        first: Math.min(request.limit ?? 50, 100),
      });
    for (const node of data.repository?.ref?.target.history.nodes ?? []) {
      const text = node.file?.object?.text ?? undefined;
      if (text === undefined) continue;
      const record = readDeployedModel(text, target);
      // A manifest written by hand may carry the digest only in its storage URI.
      const digest = record.artifactDigest ?? /@(sha256:[a-f0-9]{64})$/.exec(record.storageUri ?? '')?.[1];
      const pr = node.associatedPullRequests.nodes[0];
      entries.push({
        environment: request.environment,
        model,
        ...(record.version ? { version: record.version } : {}),
        ...(digest ? { artifactDigest: digest } : {}),
        at: node.committedDate,
        commit: node.oid,
        headline: node.messageHeadline,
        ...(pr
          ? {
              pullRequest: {
                number: pr.number,
                url: pr.url,
                title: pr.title,
                ...(pr.author ? { author: pr.author.login } : {}),
                approvedBy: [
                  ...new Set((pr.reviews?.nodes ?? []).flatMap((r) => (r.author ? [r.author.login] : []))),
                ],
                ...(pr.mergedBy ? { mergedBy: pr.mergedBy.login } : {}),
                ...(pr.mergedAt ? { mergedAt: pr.mergedAt } : {}),
              },
            }
          : {}),
        verification: (node.status?.contexts ?? [])
          .filter((s) => contexts.includes(s.context))
          .map((s) => ({
            context: s.context,
            state: s.state.toLowerCase() as ObservedStatus['state'],
            description: s.description,
            createdAt: s.createdAt,
          })),
        manifest: text,
      });
    }
  }
  entries.sort((a, b) => b.at.localeCompare(a.at));
  return { repository: repo, environment: request.environment, entries };
}
