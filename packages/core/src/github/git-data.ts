// Reads and writes an environment repository through GitHub's REST Git Data and Contents APIs, with no
// clone: the cost of a proposal is a handful of requests whatever the size of the repository's history.
import { SlipwayError } from '../errors/index.js';
import type { GitHubClient } from './client.js';
import { isGitHubFailure } from './failures.js';

export interface RepositoryRef {
  readonly owner: string;
  readonly repo: string;
}

export interface BranchTip {
  /** The commit at the tip of the branch. */
  readonly sha: string;
  /** Its root tree: the `base_tree` of a new commit on top of it. */
  readonly tree: string;
}

export interface CommitInfo {
  readonly sha: string;
  readonly message: string;
  readonly parents: readonly string[];
  readonly tree: string;
}

/** A request that lost a race with another writer: the caller re-reads everything and tries again. */
export class LostRace extends Error {
  override readonly name = 'LostRace';
}

/**
 * GitHub refused to move a branch that was still where the caller expected: not a race but a rule (branch
 * protection, a ruleset) that forbids the move. Trying again cannot help; the caller says what to allow.
 */
export class BranchUpdateRefused extends SlipwayError {
  override readonly name = 'BranchUpdateRefused';
  readonly branch: string;
  /** GitHub's own words for the refusal. */
  readonly reason: string;
  constructor(branch: string, reason: string) {
    super(`GitHub refused to move branch ${branch} (${reason}).`);
    this.branch = branch;
    this.reason = reason;
  }
}

export class RepositoryContentError extends SlipwayError {
  override readonly name = 'RepositoryContentError';
}

export function parseRepository(text: string): RepositoryRef {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(text.trim());
  if (!match)
    throw new RepositoryContentError(`Invalid repository '${text}'. Expected format {owner}/{repo}.`);
  return { owner: match[1]!, repo: match[2]! };
}

const isNotFound = (error: unknown) => isGitHubFailure(error, 'notFound');

/**
 * The branch's tip commit and its tree in one request (repos/get-commit), or undefined when no such
 * branch. `heads/` keeps a tag of the same name from answering. GitHub answers an unknown ref with 422
 * `No commit found for SHA: …` (404 is a repository it cannot see, which must not pass for "no branch").
 */
export async function readBranchTip(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
): Promise<BranchTip | undefined> {
  try {
    const { data } = await octokit.rest.repos.getCommit({ ...at, ref: `heads/${branch}`, per_page: 1 });
    return { sha: data.sha, tree: data.commit.tree.sha };
  } catch (error) {
    if (isGitHubFailure(error, 'noCommitFound')) return undefined;
    throw error;
  }
}

/** A branch's tip and the texts of some of its files, all read from that one commit. */
export interface BranchFiles extends BranchTip {
  /** Each asked path's text; undefined when the commit has no file there. */
  readonly files: ReadonlyMap<string, string | undefined>;
}

interface BlobNode {
  readonly text: string | null;
  readonly isBinary: boolean | null;
  readonly isTruncated: boolean;
}

/**
 * The branch's tip, its tree and the files at `paths` in one GraphQL query, or undefined when no such
 * branch. Every file is read from the tip commit itself, so the texts and the tip cannot come from two
 * different moments however the branch moves meanwhile (parallel REST reads of the tip and of a file at
 * the branch's name could). A repository the token cannot see is an error, never "no branch".
 */
export async function readBranchFiles(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
  paths: readonly string[],
): Promise<BranchFiles | undefined> {
  const declared = paths.map((_, i) => `$p${i}: String!`).join(', ');
  const fields = paths
    .map((_, i) => `f${i}: file(path: $p${i}) { object { ... on Blob { text isBinary isTruncated } } }`)
    .join(' ');
  const query = `query SlipwayBranchFiles($owner: String!, $name: String!, $ref: String!${declared ? `, ${declared}` : ''}) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $ref) { target { ... on Commit { oid tree { oid } ${fields} } } }
  }
}`;
  const variables: Record<string, string> = { owner: at.owner, name: at.repo, ref: `refs/heads/${branch}` };
  paths.forEach((path, i) => {
    variables[`p${i}`] = path;
  });
  let data: {
    repository: {
      ref: {
        target: { oid?: string; tree?: { oid: string } } & Record<string, { object: BlobNode | null } | null>;
      } | null;
    } | null;
  };
  try {
    data = await octokit.graphql(query, variables);
  } catch (error) {
    // GitHub answers an unknown or hidden repository with a NOT_FOUND error beside `repository: null`.
    const errors = (error as { errors?: Array<{ type?: unknown }> }).errors;
    if ((error as { status?: unknown }).status === undefined && errors?.some((e) => e.type === 'NOT_FOUND'))
      data = { repository: null };
    else throw error;
  }
  if (!data.repository) {
    throw new RepositoryContentError(
      `${at.owner}/${at.repo}: repository not found, or the token cannot read it. Check the repository name and that the token has contents: read on it.`,
    );
  }
  const target = data.repository.ref?.target;
  if (!target?.oid || !target.tree) return undefined;
  const files = new Map<string, string | undefined>();
  paths.forEach((path, i) => {
    const blob = target[`f${i}`]?.object;
    if (!blob) {
      files.set(path, undefined);
      return;
    }
    const where = `${at.owner}/${at.repo}@${target.oid!.slice(0, 12)}`;
    if (!('isTruncated' in blob))
      throw new RepositoryContentError(`${where}: ${path} is not a file (a directory or a submodule).`);
    if (blob.isTruncated)
      throw new RepositoryContentError(
        `${where}: ${path} is too large to read through the API; a manifest should be small.`,
      );
    if (blob.isBinary || blob.text === null)
      throw new RepositoryContentError(`${where}: ${path} is not UTF-8 text.`);
    files.set(path, blob.text);
  });
  return { sha: target.oid, tree: target.tree.oid, files };
}

/** The ref's commit SHA, or undefined when the branch does not exist. */
export async function readBranchSha(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...at, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readCommit(octokit: GitHubClient, at: RepositoryRef, sha: string): Promise<CommitInfo> {
  const { data } = await octokit.rest.git.getCommit({ ...at, commit_sha: sha });
  return {
    sha: data.sha,
    message: data.message,
    parents: data.parents.map((p) => p.sha),
    tree: data.tree.sha,
  };
}

/** A file's text at a commit, or undefined when the path does not exist there. */
export async function readTextFile(
  octokit: GitHubClient,
  at: RepositoryRef,
  path: string,
  ref: string,
): Promise<string | undefined> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ ...at, path, ref }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const file = data as { type?: string; encoding?: string; content?: string };
  if (Array.isArray(data) || file.type !== 'file') {
    throw new RepositoryContentError(
      `${at.owner}/${at.repo}@${ref.slice(0, 12)}: ${path} is a ${Array.isArray(data) ? 'directory' : (file.type ?? 'non-file')}, expected a file.`,
    );
  }
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    throw new RepositoryContentError(
      `${at.owner}/${at.repo}: ${path} is too large to read through the API (over 1 MB); a manifest should be small.`,
    );
  }
  const bytes = Buffer.from(file.content, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RepositoryContentError(`${at.owner}/${at.repo}: ${path} is not UTF-8 text.`);
  }
}

/**
 * One commit on top of `parent` that replaces one file: a tree built on the parent's tree with the new
 * content inline (no separate blob request), then the commit. Nothing is visible until a ref points at it;
 * an unreferenced commit left by a failure is garbage-collected by GitHub.
 */
export async function commitFile(
  octokit: GitHubClient,
  at: RepositoryRef,
  parent: BranchTip,
  file: { readonly path: string; readonly content: string },
  /** The commit message, given the new tree's sha (Slipway records it to recognise its own commits). */
  message: (tree: string) => string,
): Promise<string> {
  const tree = await octokit.rest.git.createTree({
    ...at,
    base_tree: parent.tree,
    tree: [{ path: file.path, mode: '100644', type: 'blob', content: file.content }],
  });
  const commit = await octokit.rest.git.createCommit({
    ...at,
    message: message(tree.data.sha),
    tree: tree.data.sha,
    parents: [parent.sha],
  });
  return commit.data.sha;
}

/** Creates the branch at `sha`; false when it exists already (someone got there first). */
export async function createBranch(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
  sha: string,
): Promise<boolean> {
  try {
    await octokit.rest.git.createRef({ ...at, ref: `refs/heads/${branch}`, sha });
    return true;
  } catch (error) {
    if (isGitHubFailure(error, 'referenceAlreadyExists')) return false;
    throw error;
  }
}

const updateRefsMutation = `
  mutation MoveProposalBranch($repositoryId: ID!, $refUpdates: [RefUpdate!]!) {
    updateRefs(input: { repositoryId: $repositoryId, refUpdates: $refUpdates }) { clientMutationId }
  }`;

/**
 * Moves Slipway's own proposal branch from `from` (its Slipway commit, checked by the caller) to a
 * regenerated commit. That is not a fast-forward (the new commit's parent is the base, not the old
 * proposal commit), so it needs force. REST's force update has no compare-and-swap: between the check and
 * the write a person could push, and force would erase their commit. GraphQL `updateRefs` takes
 * `beforeOid` and applies the forced move only if the branch is still at `from`, so that cannot happen.
 * GitHub answers a branch that moved and a rule that forbids the move (branch protection or a ruleset
 * blocking force pushes) alike, with a GraphQL error, so after a refusal the branch is read once more: moved
 * or gone is a LostRace (the caller re-reads it, and then leaves a person's commits alone); still at `from`
 * is BranchUpdateRefused, which no retry fixes. The common path costs nothing extra.
 *
 * Servers whose schema lacks `updateRefs` fall back to REST. github.com and GitHub Enterprise Server 3.16
 * and later have it (GHES GraphQL reference); GHES releases from before April 2024, when it was added, do
 * not. REST has no compare-and-swap for a forced move, so the fallback first makes a non-forced no-op
 * update to `from`, which GitHub refuses unless the branch is still at `from` (or behind it), then the
 * forced move: one round trip of exposure, the best REST allows. Any other 422 (GitHub's texts for rules
 * are not documented) is told apart the same way.
 */
export async function moveProposalBranch(
  octokit: GitHubClient,
  at: RepositoryRef & { readonly repositoryId: string },
  branch: string,
  move: { readonly from: string; readonly to: string },
): Promise<void> {
  try {
    await octokit.graphql(updateRefsMutation, {
      repositoryId: at.repositoryId,
      refUpdates: [{ name: `refs/heads/${branch}`, beforeOid: move.from, afterOid: move.to, force: true }],
    });
    return;
  } catch (error) {
    // An HTTP failure (401, 403, 5xx after retries) is no answer about the branch: let it through.
    if ((error as { status?: unknown }).status !== undefined) throw error;
    if (!isGitHubFailure(error, 'updateRefsUnsupported')) {
      const errors = (error as { errors?: Array<{ message?: unknown }> }).errors;
      throw await refusedOrLost(octokit, at, branch, move.from, errors?.[0]?.message ?? error);
    }
  }
  try {
    await restUpdate(octokit, at, branch, move.from, false);
    await restUpdate(octokit, at, branch, move.to, true);
  } catch (error) {
    if ((error as { status?: unknown }).status !== 422) throw error;
    throw await refusedOrLost(octokit, at, branch, move.from, error);
  }
}

/** Why a move from `from` failed: the branch moved or went (a race), or it stayed (a rule refused it). */
async function refusedOrLost(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
  from: string,
  cause: unknown,
): Promise<Error> {
  const reason = (
    typeof cause === 'string' ? cause : String((cause as Error | undefined)?.message ?? cause)
  ).replace(/\s+/g, ' ');
  const now = await readBranchSha(octokit, at, branch);
  if (now === from) return new BranchUpdateRefused(branch, reason.trim());
  return new LostRace(`Branch ${branch} was not at ${from.slice(0, 7)} any more (${reason.trim()}).`);
}

async function restUpdate(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
  sha: string,
  force: boolean,
): Promise<void> {
  try {
    await octokit.rest.git.updateRef({ owner: at.owner, repo: at.repo, ref: `heads/${branch}`, sha, force });
  } catch (error) {
    if (
      isGitHubFailure(error, 'notFastForward') ||
      isGitHubFailure(error, 'referenceDoesNotExist') ||
      isGitHubFailure(error, 'refUpdateConflict')
    ) {
      throw new LostRace(`Branch ${branch} changed while Slipway was updating it.`);
    }
    throw error;
  }
}

/** Best-effort removal of a branch this run created, so a failure leaves nothing half-made behind. */
export async function deleteBranch(
  octokit: GitHubClient,
  at: RepositoryRef,
  branch: string,
): Promise<boolean> {
  try {
    await octokit.rest.git.deleteRef({ ...at, ref: `heads/${branch}` });
    return true;
  } catch {
    return false;
  }
}
