// What the simulator remembers besides git: pull requests, comments, labels, reviewers, auto-merge.
// Tests read it through GitHubSim's accessors; handlers change it.
import type { BareRepo } from './git.js';

export interface SimUser {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot';
}

export interface SimComment {
  readonly id: number;
  readonly issueNumber: number;
  body: string;
  readonly user: SimUser;
  readonly createdAt: string;
  updatedAt: string;
}

export interface SimAutoMerge {
  readonly enabledBy: SimUser;
  readonly mergeMethod: 'merge' | 'squash' | 'rebase';
  readonly commitTitle: string;
  readonly commitMessage: string;
  readonly enabledAt: string;
}

export interface SimPull {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** Head branch name (same repository; forks are not simulated). */
  readonly head: string;
  base: string;
  readonly user: SimUser;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  maintainerCanModify: boolean;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: SimUser | null;
  /** Head and base commits frozen when the PR closes; live from the refs while open. */
  frozenHeadSha: string | null;
  frozenBaseSha: string | null;
  autoMerge: SimAutoMerge | null;
}

export interface SimLabel {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
}

export interface SimStatus {
  readonly id: number;
  readonly sha: string;
  readonly state: 'error' | 'failure' | 'pending' | 'success';
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly creator: SimUser;
  readonly createdAt: string;
}

export interface SimReview {
  readonly id: number;
  readonly user: SimUser;
  readonly state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  readonly body: string;
  readonly commitId: string;
  readonly submittedAt: string;
}

/** Branch protection, the parts Slipway relies on: required status checks and approving reviews. */
export interface SimProtection {
  contexts: string[];
  /** Approving reviews required (0: none). */
  approvals: number;
}

export interface SimRepo {
  readonly owner: string;
  readonly name: string;
  readonly id: number;
  readonly git: BareRepo;
  readonly defaultBranch: string;
  readonly createdAt: string;
  /** Repository setting "Allow auto-merge". */
  allowAutoMerge: boolean;
  /**
   * Whether the base branch requires status checks. Without them a mergeable PR is "clean" and GitHub
   * refuses to enable auto-merge on it (`Pull request is in clean status`).
   */
  requiresStatusChecks: boolean;
  /**
   * Users and teams that may be asked for review; asking anyone else is a 422, as on GitHub.
   * Undefined: everyone counts as a collaborator.
   */
  readonly collaborators: ReadonlySet<string> | undefined;
  readonly teams: ReadonlySet<string> | undefined;
  /** Issues and PRs share one number sequence. */
  nextNumber: number;
  readonly pulls: Map<number, SimPull>;
  readonly comments: Map<number, SimComment[]>;
  readonly labels: Map<string, SimLabel>;
  /** Commit statuses by commit sha, oldest first (GitHub keeps every one; the newest per context counts). */
  readonly statuses: Map<string, SimStatus[]>;
  /** Reviews by pull request number, oldest first. */
  readonly reviews: Map<number, SimReview[]>;
  /** Branch protection by branch name. */
  readonly protection: Map<string, SimProtection>;
  /** Rulesets that block force pushes, by branch pattern (`*` within a path segment, `**` across them). */
  readonly forcePushBlocked: string[];
}

/** Ids unique across the simulator, as GitHub's are. */
export class IdSequence {
  private next = 1000;
  take(): number {
    this.next += 1;
    return this.next;
  }
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A stable node id in GitHub's style, decodable back to what it names. */
export function nodeId(kind: string, key: string): string {
  return `${kind}_${Buffer.from(key).toString('base64url')}`;
}

export function parseNodeId(id: string): { kind: string; key: string } | undefined {
  const match = /^([A-Za-z]+)_([A-Za-z0-9_-]+)$/.exec(id);
  return match ? { kind: match[1]!, key: Buffer.from(match[2]!, 'base64url').toString() } : undefined;
}
