// GET /repos/{owner}/{repo}/commits/{ref} (repos/get-commit): a commit with the GitHub users behind it
// and what it changed, read from the bare repository. `ref` is what GitHub accepts there: a sha (short or
// full), a branch or tag name, `heads/<branch>`, `tags/<tag>` or `refs/…`.
import { GitHubHttpError, type Handler } from '../http.js';
import { commitJson } from '../shapes.js';
import type { SimRepo, SimUser } from '../state.js';

/** GitHub lists up to 300 changed files per page of a commit; `stats` still counts them all. */
const FILES_PER_PAGE = 300;

/** Names that are plain refs or shas: revision syntax (`main~1`, `a..b`, `@{1}`, `x:path`) is no ref here. */
const PLAIN_NAME = /^(?!.*\.\.)(?!.*@\{)[^\s~^:?*[\\\0-\x1f]+$/;

export async function resolveRef(repo: SimRepo, ref: string): Promise<string | undefined> {
  if (!PLAIN_NAME.test(ref)) return undefined;
  if (/^[0-9a-f]{40}$/i.test(ref)) return repo.git.resolveCommit(ref.toLowerCase());
  const qualified = /^(heads|tags)\//.test(ref) ? [`refs/${ref}`] : [];
  const names = ref.startsWith('refs/') ? [ref] : [...qualified, `refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const name of names) {
    const sha = await repo.git.resolveCommit(name);
    if (sha) return sha;
  }
  // An abbreviated sha, when it is unambiguous (the batch reader answers `ambiguous` otherwise).
  return /^[0-9a-f]{4,39}$/i.test(ref) ? repo.git.resolveCommit(ref.toLowerCase()) : undefined;
}

/**
 * GitHub links a commit to a user by the email on it. The simulator keeps no emails, so it knows the
 * noreply form it writes itself (`<id>+<login>@users.noreply.github.com`); anyone else is no GitHub user.
 */
function userOf(email: string, user: (login: string) => SimUser): SimUser | null {
  const match = /^\d+\+([A-Za-z0-9-]+(?:\[bot\])?)@users\.noreply\.github\.com$/.exec(email);
  return match ? user(match[1]!) : null;
}

export const getCommit: Handler = async (ctx, request, repo) => {
  const ref = request.params.ref!;
  const sha = await resolveRef(repo, ref);
  if (!sha) throw new GitHubHttpError(422, `No commit found for SHA: ${ref}`);
  const commit = await repo.git.readCommit(sha);
  const all = await repo.git.commitChanges(sha, commit.parents[0]);
  const page = Math.max(Number(request.query.page ?? 1) || 1, 1);
  const perPage = Math.min(
    Math.max(Number(request.query.per_page ?? FILES_PER_PAGE) || 1, 1),
    FILES_PER_PAGE,
  );
  const last = Math.max(Math.ceil(all.length / perPage), 1);
  const headers: Record<string, string> = {};
  if (page < last) {
    const url = (n: number) => {
      const query = new URLSearchParams({ ...request.query, per_page: String(perPage), page: String(n) });
      return `<${request.urls.api}/repos/${repo.owner}/${repo.name}/commits/${sha}?${query}>`;
    };
    headers.link = `${url(page + 1)}; rel="next", ${url(last)}; rel="last"`;
  }
  const users = {
    author: userOf(commit.author.email, ctx.user),
    committer: userOf(commit.committer.email, ctx.user),
  };
  const files = all.slice((page - 1) * perPage, page * perPage);
  return {
    status: 200,
    body: commitJson(request.urls, repo, commit, users, { all, page: files }),
    ...(page < last ? { headers } : {}),
  };
};

/** GET /repos/{owner}/{repo}/commits: commits reachable from `sha` (default branch), those that changed `path` when given. */
export const listCommits: Handler = async (ctx, request, repo) => {
  const start = (await resolveRef(repo, request.query.sha ?? repo.defaultBranch)) ?? '';
  if (!start) throw new GitHubHttpError(404, 'Not Found');
  const perPage = Math.min(Math.max(Number(request.query.per_page ?? 30) || 30, 1), 100);
  const page = Math.max(Number(request.query.page ?? 1) || 1, 1);
  const shas = await repo.git.log(start, {
    ...(request.query.path ? { path: request.query.path } : {}),
    max: perPage + 1,
    skip: (page - 1) * perPage,
  });
  const body = await Promise.all(
    shas.slice(0, perPage).map(async (sha) => {
      const commit = await repo.git.readCommit(sha);
      const users = {
        author: userOf(commit.author.email, ctx.user),
        committer: userOf(commit.committer.email, ctx.user),
      };
      const {
        stats: _s,
        files: _f,
        ...listed
      } = commitJson(request.urls, repo, commit, users, { all: [], page: [] });
      return listed;
    }),
  );
  if (shas.length <= perPage) return { status: 200, body };
  const query = new URLSearchParams({ ...request.query, per_page: String(perPage), page: String(page + 1) });
  return {
    status: 200,
    body,
    headers: { link: `<${request.urls.api}/repos/${repo.owner}/${repo.name}/commits?${query}>; rel="next"` },
  };
};
