// Pull requests: create, get, list, update, merge, request reviewers. Head and base are branches of the
// same bare repository; what a PR contains is always computed from git, never stored.
import {
  GitHubHttpError,
  type Handler,
  notFound,
  paginate,
  type SimRequest,
  validationFailed,
} from '../http.js';
import { type PullGitFacts, pullJson } from '../shapes.js';
import { nowIso, type SimPull, type SimRepo, type SimUser } from '../state.js';
import { protectionBlocks } from './protection.js';

async function branchTip(repo: SimRepo, branch: string): Promise<string | undefined> {
  return repo.git.readRef(`refs/heads/${branch}`);
}

async function facts(repo: SimRepo, pull: SimPull, full: boolean): Promise<PullGitFacts> {
  const headSha = pull.frozenHeadSha ?? (await branchTip(repo, pull.head)) ?? '';
  const baseSha = pull.frozenBaseSha ?? (await branchTip(repo, pull.base)) ?? '';
  if (!full || !headSha || !baseSha) {
    return { headSha, baseSha, mergeable: null, commits: 0, additions: 0, deletions: 0, changedFiles: 0 };
  }
  const mergeable =
    pull.state === 'open' ? (await repo.git.mergeTrees(baseSha, headSha)) !== undefined : null;
  const commits = (await repo.git.commitsBetween(baseSha, headSha)).length;
  const stat = await repo.git.diffStat(baseSha, headSha);
  return {
    headSha,
    baseSha,
    mergeable,
    commits,
    additions: stat.additions,
    deletions: stat.deletions,
    changedFiles: stat.files,
  };
}

export async function renderPull(
  request: SimRequest,
  repo: SimRepo,
  owner: SimUser,
  pull: SimPull,
  full: boolean,
) {
  return pullJson(request.urls, repo, owner, pull, await facts(repo, pull, full), full);
}

function findPull(repo: SimRepo, number: string | undefined): SimPull {
  const pull = repo.pulls.get(Number(number));
  if (!pull) throw notFound();
  return pull;
}

/** `owner:branch` or `branch` → branch; forks are not simulated. */
function headBranch(repo: SimRepo, head: string): string {
  const colon = head.indexOf(':');
  if (colon === -1) return head;
  if (head.slice(0, colon) !== repo.owner)
    throw validationFailed('PullRequest', 'head', 'invalid', 'invalid');
  return head.slice(colon + 1);
}

async function freeze(repo: SimRepo, pull: SimPull): Promise<void> {
  pull.frozenHeadSha ??= (await branchTip(repo, pull.head)) ?? null;
  pull.frozenBaseSha ??= (await branchTip(repo, pull.base)) ?? null;
}

export const createPull: Handler = async (ctx, request, repo) => {
  const body = request.body as {
    title?: string;
    head: string;
    base: string;
    body?: string;
    draft?: boolean;
    maintainer_can_modify?: boolean;
  };
  if (!body.title) throw validationFailed('PullRequest', 'title', 'missing_field', 'missing_field');
  const head = headBranch(repo, body.head);
  const baseSha = await branchTip(repo, body.base);
  const headSha = await branchTip(repo, head);
  if (!baseSha) throw validationFailed('PullRequest', 'base', 'invalid', 'invalid');
  if (!headSha) throw validationFailed('PullRequest', 'head', 'invalid', 'invalid');
  for (const other of repo.pulls.values()) {
    if (other.state === 'open' && other.head === head && other.base === body.base) {
      throw validationFailed(
        'PullRequest',
        'head',
        `A pull request already exists for ${repo.owner}:${head}.`,
      );
    }
  }
  if ((await repo.git.commitsBetween(baseSha, headSha)).length === 0) {
    throw validationFailed('PullRequest', 'head', `No commits between ${body.base} and ${head}`);
  }
  // No await from the duplicate check to here: two concurrent creates cannot both pass it.
  const now = nowIso();
  const pull: SimPull = {
    number: repo.nextNumber++,
    id: ctx.nextId(),
    title: body.title,
    body: body.body ?? null,
    state: 'open',
    draft: body.draft ?? false,
    head,
    base: body.base,
    user: request.viewer,
    labels: [],
    requestedReviewers: [],
    requestedTeams: [],
    maintainerCanModify: body.maintainer_can_modify ?? true,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    mergeCommitSha: null,
    mergedBy: null,
    frozenHeadSha: null,
    frozenBaseSha: null,
    autoMerge: null,
  };
  repo.pulls.set(pull.number, pull);
  const json = await renderPull(request, repo, ctx.user(repo.owner), pull, true);
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

export const getPull: Handler = async (ctx, request, repo) => ({
  status: 200,
  body: await renderPull(
    request,
    repo,
    ctx.user(repo.owner),
    findPull(repo, request.params.pull_number),
    true,
  ),
});

export const listPulls: Handler = async (ctx, request, repo) => {
  const { state = 'open', head, base, sort = 'created' } = request.query;
  const direction = request.query.direction ?? (sort === 'created' ? 'desc' : 'desc');
  const headFilter = head === undefined ? undefined : head.includes(':') ? head : undefined;
  let pulls = [...repo.pulls.values()].filter((p) => state === 'all' || p.state === state);
  // GitHub ignores a head filter without `owner:`; with one, it must match exactly.
  if (headFilter) pulls = pulls.filter((p) => `${repo.owner}:${p.head}` === headFilter);
  if (base) pulls = pulls.filter((p) => p.base === base);
  const key = sort === 'updated' ? (p: SimPull) => p.updatedAt : (p: SimPull) => p.createdAt;
  pulls.sort((a, b) => key(a).localeCompare(key(b)) || a.number - b.number);
  if (direction === 'desc') pulls.reverse();
  const page = paginate(request, pulls, `/repos/${repo.owner}/${repo.name}/pulls`);
  const owner = ctx.user(repo.owner);
  const items = await Promise.all(
    (page.body as SimPull[]).map((p) => renderPull(request, repo, owner, p, false)),
  );
  return { ...page, body: items };
};

export const updatePull: Handler = async (ctx, request, repo) => {
  const pull = findPull(repo, request.params.pull_number);
  const body = request.body as {
    title?: string;
    body?: string;
    state?: 'open' | 'closed';
    base?: string;
    maintainer_can_modify?: boolean;
  };
  if (body.base !== undefined && body.base !== pull.base) {
    if (!(await branchTip(repo, body.base)))
      throw validationFailed('PullRequest', 'base', 'invalid', 'invalid');
    pull.base = body.base;
  }
  if (body.title !== undefined) pull.title = body.title;
  if (body.body !== undefined) pull.body = body.body;
  if (body.maintainer_can_modify !== undefined) pull.maintainerCanModify = body.maintainer_can_modify;
  if (body.state === 'closed' && pull.state === 'open') {
    await freeze(repo, pull);
    pull.state = 'closed';
    pull.closedAt = nowIso();
    pull.autoMerge = null;
  } else if (body.state === 'open' && pull.state === 'closed') {
    if (pull.mergedAt) throw new GitHubHttpError(422, 'Cannot reopen a merged pull request');
    if (!(await branchTip(repo, pull.head)))
      throw validationFailed('PullRequest', 'state', 'The head branch has been deleted');
    pull.state = 'open';
    pull.closedAt = null;
    pull.frozenHeadSha = null;
    pull.frozenBaseSha = null;
  }
  pull.updatedAt = nowIso();
  return { status: 200, body: await renderPull(request, repo, ctx.user(repo.owner), pull, true) };
};

export const mergePull: Handler = async (ctx, request, repo) => {
  const pull = findPull(repo, request.params.pull_number);
  const body = (request.body ?? {}) as {
    commit_title?: string;
    commit_message?: string;
    sha?: string;
    merge_method?: 'merge' | 'squash' | 'rebase';
  };
  if (pull.state !== 'open') throw new GitHubHttpError(405, 'Pull Request is not mergeable');
  if (pull.draft) throw new GitHubHttpError(405, 'Pull Request is still a draft');
  const headSha = await branchTip(repo, pull.head);
  if (body.sha && headSha && body.sha !== headSha)
    throw new GitHubHttpError(409, 'Head branch was modified. Review and try the merge again.');
  // Branch protection binds whoever merges: a required check not green, or too few approvals, is a 405.
  const blocked = headSha ? protectionBlocks(repo, pull, headSha) : undefined;
  if (blocked) throw new GitHubHttpError(405, blocked);
  const sha = await mergeNow(repo, pull, request.viewer, {
    method: body.merge_method ?? 'merge',
    ...(body.commit_title === undefined ? {} : { title: body.commit_title }),
    ...(body.commit_message === undefined ? {} : { message: body.commit_message }),
  });
  void ctx;
  return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
};

/** Merges an open pull request as `by` (a person, or auto-merge for whoever enabled it); returns the commit. */
export async function mergeNow(
  repo: SimRepo,
  pull: SimPull,
  by: SimUser,
  options: { method: 'merge' | 'squash' | 'rebase'; title?: string; message?: string },
): Promise<string> {
  const headSha = await branchTip(repo, pull.head);
  const baseSha = await branchTip(repo, pull.base);
  if (!headSha || !baseSha) throw new GitHubHttpError(405, 'Pull Request is not mergeable');
  const tree = await repo.git.mergeTrees(baseSha, headSha);
  if (!tree) throw new GitHubHttpError(405, 'Pull Request is not mergeable');
  const method = options.method;
  const headCommits = await repo.git.commitsBetween(baseSha, headSha);
  if (method === 'rebase' && headCommits.length > 1) {
    throw new GitHubHttpError(405, 'The simulator rebases single-commit pull requests only');
  }
  const person = { name: by.login, email: `${by.id}+${by.login}@users.noreply.github.com` };
  const headCommit = await repo.git.readCommit(headSha);
  const title =
    options.title ??
    (method === 'merge'
      ? `Merge pull request #${pull.number} from ${repo.owner}/${pull.head}`
      : `${pull.title} (#${pull.number})`);
  const message =
    method === 'rebase'
      ? headCommit.message
      : `${title}\n\n${options.message ?? (method === 'merge' ? pull.title : (pull.body ?? ''))}`;
  const sha = await repo.git.writeCommit({
    tree,
    parents: method === 'merge' ? [baseSha, headSha] : [baseSha],
    message,
    author: method === 'merge' ? person : headCommit.author,
    committer: person,
  });
  if (!(await repo.git.compareAndSwapRef(`refs/heads/${pull.base}`, sha, baseSha))) {
    throw new GitHubHttpError(405, 'Base branch was modified. Review and try the merge again.');
  }
  pull.frozenHeadSha = headSha;
  pull.frozenBaseSha = baseSha;
  pull.state = 'closed';
  pull.mergedAt = pull.closedAt = pull.updatedAt = nowIso();
  pull.mergeCommitSha = sha;
  pull.mergedBy = by;
  pull.autoMerge = null;
  return sha;
}

export const requestReviewers: Handler = async (ctx, request, repo) => {
  const pull = findPull(repo, request.params.pull_number);
  const { reviewers = [], team_reviewers: teams = [] } = request.body as {
    reviewers?: string[];
    team_reviewers?: string[];
  };
  if (reviewers.includes(pull.user.login)) {
    throw validationFailed(
      'PullRequest',
      'reviewers',
      'Review cannot be requested from pull request author.',
    );
  }
  const strangers = [
    ...reviewers.filter((login) => repo.collaborators && !repo.collaborators.has(login)),
    ...teams.filter((slug) => repo.teams && !repo.teams.has(slug)),
  ];
  if (strangers.length > 0) {
    throw new GitHubHttpError(
      422,
      `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner}/${repo.name} repository.`,
    );
  }
  pull.requestedReviewers = [...new Set([...pull.requestedReviewers, ...reviewers])];
  pull.requestedTeams = [...new Set([...pull.requestedTeams, ...teams])];
  pull.updatedAt = nowIso();
  return { status: 201, body: await renderPull(request, repo, ctx.user(repo.owner), pull, false) };
};

/** GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls: the pull requests that merged the commit or have it as their head. */
export const pullsForCommit: Handler = async (ctx, request, repo) => {
  const sha = request.params.commit_sha!;
  const owner = ctx.user(repo.owner);
  const pulls: SimPull[] = [];
  for (const pull of repo.pulls.values()) {
    const head = pull.frozenHeadSha ?? (await branchTip(repo, pull.head));
    if (pull.mergeCommitSha === sha || head === sha) pulls.push(pull);
  }
  const page = paginate(request, pulls, `/repos/${repo.owner}/${repo.name}/commits/${sha}/pulls`);
  return {
    ...page,
    body: await Promise.all((page.body as SimPull[]).map((p) => renderPull(request, repo, owner, p, false))),
  };
};
