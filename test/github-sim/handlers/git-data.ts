// The Git Data API (refs, blobs, trees, commits) over a real bare repository.
import { type TreeEntry, ZERO_SHA } from '../git.js';
import { GitHubHttpError, type Handler, notFound, type SimContext } from '../http.js';
import { gitCommitJson, gitRefJson, gitTreeJson } from '../shapes.js';
import type { SimRepo } from '../state.js';
import { forcePushRefusal } from './protection.js';

const SHA = /^[0-9a-f]{40}$/;

/** `heads/main` or `refs/heads/main` → `refs/heads/main`; anything else is not a ref GitHub accepts. */
function fullRef(ref: string): string {
  const full = ref.startsWith('refs/') ? ref : `refs/${ref}`;
  if (!/^refs\/(heads|tags)\/[^\s~^:?*[\\]+$/.test(full) || full.includes('..') || full.endsWith('/')) {
    throw new GitHubHttpError(422, `Invalid reference name '${ref}'.`);
  }
  return full;
}

async function refJson(ctx: SimContext, repo: SimRepo, urls: Parameters<Handler>[1]['urls'], ref: string) {
  void ctx;
  const sha = await repo.git.readRef(ref);
  if (!sha) throw notFound();
  return gitRefJson(urls, repo, ref, sha, (await repo.git.objectType(sha)) ?? 'commit');
}

export const getRef: Handler = async (ctx, request, repo) => {
  const ref = fullRef(request.params.ref!);
  return { status: 200, body: await refJson(ctx, repo, request.urls, ref) };
};

export const createRef: Handler = async (ctx, request, repo) => {
  const { sha } = request.body as { ref: string; sha: string };
  const raw = (request.body as { ref: string }).ref;
  if (!/^refs\/.+\/.+/.test(raw))
    throw new GitHubHttpError(422, 'Reference name must start with refs/ and have at least two slashes.');
  const ref = fullRef(raw);
  if (!(await repo.git.objectType(sha))) throw new GitHubHttpError(422, 'Object does not exist');
  await ctx.beforeRefUpdate(repo, ref);
  if (!(await repo.git.compareAndSwapRef(ref, sha, ZERO_SHA))) {
    throw new GitHubHttpError(422, 'Reference already exists');
  }
  return {
    status: 201,
    body: await refJson(ctx, repo, request.urls, ref),
    headers: { location: `${request.urls.api}/repos/${repo.owner}/${repo.name}/git/${ref}` },
  };
};

export const updateRef: Handler = async (ctx, request, repo) => {
  const { sha, force } = request.body as { sha: string; force?: boolean };
  const ref = fullRef(request.params.ref!);
  await ctx.beforeRefUpdate(repo, ref);
  const current = await repo.git.readRef(ref);
  if (!current) throw new GitHubHttpError(422, 'Reference does not exist');
  if (!(await repo.git.objectType(sha))) throw new GitHubHttpError(422, 'Object does not exist');
  if (!force && !(await repo.git.isAncestor(current, sha))) {
    throw new GitHubHttpError(422, 'Update is not a fast forward');
  }
  const refused = force ? await forcePushRefusal(repo, ref, current, sha) : undefined;
  if (refused) throw new GitHubHttpError(422, refused);
  // Compare-and-swap against what we checked: a writer in between makes this a non-fast-forward, as on GitHub.
  if (!(await repo.git.compareAndSwapRef(ref, sha, current))) {
    throw new GitHubHttpError(422, 'Update is not a fast forward');
  }
  return { status: 200, body: await refJson(ctx, repo, request.urls, ref) };
};

export const deleteRef: Handler = async (_ctx, request, repo) => {
  const ref = fullRef(request.params.ref!);
  const current = await repo.git.readRef(ref);
  if (!current || !(await repo.git.deleteRef(ref, current)))
    throw new GitHubHttpError(422, 'Reference does not exist');
  // GitHub closes open PRs whose head branch is deleted.
  for (const pull of repo.pulls.values()) {
    if (pull.state === 'open' && `refs/heads/${pull.head}` === ref) {
      pull.state = 'closed';
      pull.closedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      pull.frozenHeadSha = current;
      pull.frozenBaseSha = (await repo.git.readRef(`refs/heads/${pull.base}`)) ?? null;
    }
  }
  return { status: 204 };
};

export const createBlob: Handler = async (_ctx, request, repo) => {
  const { content, encoding = 'utf-8' } = request.body as { content: string; encoding?: string };
  if (encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'base64') {
    throw new GitHubHttpError(422, `encoding must be "utf-8" or "base64", not "${encoding}"`);
  }
  const bytes = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8');
  const sha = await repo.git.writeBlob(bytes);
  const url = `${request.urls.api}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}`;
  return { status: 201, body: { url, sha }, headers: { location: url } };
};

type Change = { readonly entry: Omit<TreeEntry, 'name'> } | { readonly remove: true };
interface Directory {
  readonly children: Map<string, Change | Directory>;
}

function isDirectory(node: Change | Directory): node is Directory {
  return 'children' in node;
}

interface TreeInput {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha?: string | null;
  content?: string;
}

/**
 * Writes the tree for `base` with `changes` applied, reading only the directories on changed paths
 * (one `ls-tree` each) and writing one `mktree` per touched directory. Empty directories vanish, as in git.
 */
async function applyChanges(
  repo: SimRepo,
  base: string | undefined,
  dir: Directory,
): Promise<string | undefined> {
  const entries = new Map<string, TreeEntry>();
  if (base) for (const entry of await repo.git.listTree(base)) entries.set(entry.name, entry);
  for (const [name, node] of dir.children) {
    if (isDirectory(node)) {
      const existing = entries.get(name);
      const sub = await applyChanges(repo, existing?.type === 'tree' ? existing.sha : undefined, node);
      if (sub) entries.set(name, { mode: '040000', type: 'tree', sha: sub, name });
      else entries.delete(name);
    } else if ('remove' in node) {
      entries.delete(name);
    } else {
      entries.set(name, { ...node.entry, name });
    }
  }
  if (entries.size === 0) return undefined;
  return repo.git.writeTree(entries.values());
}

export const createTree: Handler = async (_ctx, request, repo) => {
  const { tree, base_tree: baseTree } = request.body as { tree: TreeInput[]; base_tree?: string };
  if (baseTree !== undefined && (await repo.git.objectType(baseTree)) !== 'tree') {
    throw new GitHubHttpError(422, `base_tree ${baseTree} is not a valid tree`);
  }
  const root: Directory = { children: new Map() };
  for (const item of tree) {
    const segments = item.path.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s === '.git')) {
      throw new GitHubHttpError(422, `tree.path '${item.path}' is not a valid path`);
    }
    if (item.sha !== undefined && item.content !== undefined) {
      throw new GitHubHttpError(422, `tree entry '${item.path}' has both sha and content; use one`);
    }
    let change: Change;
    if (item.content !== undefined) {
      if (item.type !== 'blob')
        throw new GitHubHttpError(422, `tree entry '${item.path}' has content but type ${item.type}`);
      change = {
        entry: {
          mode: item.mode,
          type: 'blob',
          sha: await repo.git.writeBlob(Buffer.from(item.content, 'utf8')),
        },
      };
    } else if (item.sha === null) {
      change = { remove: true };
    } else if (item.sha !== undefined && SHA.test(item.sha)) {
      const actual = item.type === 'commit' ? 'commit' : await repo.git.objectType(item.sha);
      if (actual !== item.type)
        throw new GitHubHttpError(422, `tree.sha ${item.sha} is not a valid ${item.type}`);
      change = { entry: { mode: item.mode, type: item.type, sha: item.sha } };
    } else {
      throw new GitHubHttpError(422, `tree entry '${item.path}' needs a 40-character sha, null, or content`);
    }
    let dir = root;
    for (const segment of segments.slice(0, -1)) {
      const next = dir.children.get(segment) ?? { children: new Map() };
      if (!isDirectory(next))
        throw new GitHubHttpError(422, `tree.path '${item.path}' is inside a file entry`);
      dir.children.set(segment, next);
      dir = next;
    }
    dir.children.set(segments.at(-1)!, change);
  }
  const sha = (await applyChanges(repo, baseTree, root)) ?? (await repo.git.writeTree([]));
  // Without sizes (optional in the schema): listing sizes would start a process on every tree write.
  const entries = await repo.git.listTree(sha);
  const url = `${request.urls.api}/repos/${repo.owner}/${repo.name}/git/trees/${sha}`;
  return { status: 201, body: gitTreeJson(request.urls, repo, sha, entries), headers: { location: url } };
};

export const getTree: Handler = async (_ctx, request, repo) => {
  const treeish = request.params.tree_sha!;
  const sha = SHA.test(treeish)
    ? treeish
    : await repo.git.readRef(fullRef(`heads/${treeish}`)).catch(() => undefined);
  const type = sha && (await repo.git.objectType(sha));
  if (!sha || (type !== 'tree' && type !== 'commit')) throw notFound();
  const recursive =
    request.query.recursive !== undefined &&
    request.query.recursive !== '0' &&
    request.query.recursive !== 'false';
  const treeSha = type === 'commit' ? (await repo.git.readCommit(sha)).tree : sha;
  const entries = await repo.git.listTree(treeSha, { sizes: true, recursive });
  return { status: 200, body: gitTreeJson(request.urls, repo, treeSha, entries) };
};

export const createCommit: Handler = async (_ctx, request, repo) => {
  const body = request.body as {
    message: string;
    tree: string;
    parents?: string[];
    author?: { name: string; email: string; date?: string };
    committer?: { name: string; email: string; date?: string };
  };
  if ((await repo.git.objectType(body.tree)) !== 'tree')
    throw new GitHubHttpError(422, 'Tree SHA does not exist');
  for (const parent of body.parents ?? []) {
    if ((await repo.git.objectType(parent)) !== 'commit')
      throw new GitHubHttpError(422, 'Parent SHA does not exist or is not a commit object');
  }
  const viewer = request.viewer;
  const me = { name: viewer.login, email: `${viewer.id}+${viewer.login}@users.noreply.github.com` };
  const author = body.author ?? me;
  const sha = await repo.git.writeCommit({
    tree: body.tree,
    parents: body.parents ?? [],
    message: body.message,
    author,
    committer: body.committer ?? author,
  });
  const url = `${request.urls.api}/repos/${repo.owner}/${repo.name}/git/commits/${sha}`;
  return {
    status: 201,
    body: gitCommitJson(request.urls, repo, await repo.git.readCommit(sha)),
    headers: { location: url },
  };
};

export const getCommit: Handler = async (_ctx, request, repo) => {
  const sha = request.params.commit_sha!;
  if ((await repo.git.objectType(sha)) !== 'commit') throw notFound();
  return { status: 200, body: gitCommitJson(request.urls, repo, await repo.git.readCommit(sha)) };
};
