// GET /repos/{owner}/{repo} and the contents API (read side), from the bare repository.
import type { TreeEntry } from '../git.js';
import { type Handler, notFound } from '../http.js';
import { repoApi, repoHtml, repositoryJson, type Urls } from '../shapes.js';
import type { SimRepo } from '../state.js';

export const getRepository: Handler = async (ctx, request, repo) => ({
  status: 200,
  body: repositoryJson(request.urls, repo, ctx.user(repo.owner), true),
});

function contentType(entry: TreeEntry): 'file' | 'dir' | 'symlink' | 'submodule' {
  if (entry.type === 'tree') return 'dir';
  if (entry.type === 'commit') return 'submodule';
  return entry.mode === '120000' ? 'symlink' : 'file';
}

function entryJson(urls: Urls, repo: SimRepo, ref: string, path: string, entry: TreeEntry) {
  const type = contentType(entry);
  const api = `${repoApi(urls, repo)}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const git = `${repoApi(urls, repo)}/git/${entry.type === 'tree' ? 'trees' : 'blobs'}/${entry.sha}`;
  const html = `${repoHtml(urls, repo)}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`;
  return {
    type,
    size: entry.size ?? 0,
    name: entry.name.split('/').at(-1)!,
    path,
    sha: entry.sha,
    url: api,
    git_url: git,
    html_url: html,
    download_url: type === 'file' ? `${urls.html}/raw/${repo.owner}/${repo.name}/${ref}/${path}` : null,
    _links: { self: api, git, html },
  };
}

export const getContent: Handler = async (_ctx, request, repo) => {
  const ref = request.query.ref ?? repo.defaultBranch;
  const path = request.params.path!.replace(/^\/+|\/+$/g, '');
  const commit =
    (await repo.git.readRef(`refs/heads/${ref}`)) ??
    (await repo.git.readRef(`refs/tags/${ref}`)) ??
    ((await repo.git.objectType(ref)) === 'commit' ? ref : undefined);
  if (!commit) throw notFound();
  const [entry] = path ? await repo.git.listTree(commit, { sizes: true, path }) : [];
  if (path && (!entry || entry.name !== path)) throw notFound();
  if (!entry || entry.type === 'tree') {
    const children = await repo.git.listTree(entry ? entry.sha : commit, { sizes: true });
    const prefix = path ? `${path}/` : '';
    return {
      status: 200,
      body: children.map((child) => entryJson(request.urls, repo, ref, prefix + child.name, child)),
    };
  }
  const json = entryJson(request.urls, repo, ref, path, entry);
  if (json.type !== 'file' && json.type !== 'symlink') return { status: 200, body: json };
  const bytes = await repo.git.readBlob(entry.sha);
  if (json.type === 'symlink') return { status: 200, body: { ...json, target: bytes.toString('utf8') } };
  // GitHub wraps base64 at 60 columns with newlines; clients decode either way.
  const content = (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n');
  return { status: 200, body: { ...json, content: content ? `${content}\n` : '', encoding: 'base64' } };
};
