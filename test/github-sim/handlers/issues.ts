// Issue comments and labels. In this simulator every issue is a pull request (GitHub numbers them together).
import { GitHubHttpError, type Handler, notFound, paginate } from '../http.js';
import { commentJson, labelJson } from '../shapes.js';
import { nowIso, type SimComment, type SimRepo } from '../state.js';

function issueExists(repo: SimRepo, number: string | undefined): number {
  const n = Number(number);
  if (!repo.pulls.has(n)) throw notFound();
  return n;
}

export const listComments: Handler = async (_ctx, request, repo) => {
  const number = issueExists(repo, request.params.issue_number);
  const since = request.query.since;
  const comments = (repo.comments.get(number) ?? []).filter((c) => !since || c.updatedAt >= since);
  const page = paginate(request, comments, `/repos/${repo.owner}/${repo.name}/issues/${number}/comments`);
  return { ...page, body: (page.body as SimComment[]).map((c) => commentJson(request.urls, repo, c)) };
};

export const createComment: Handler = async (ctx, request, repo) => {
  const number = issueExists(repo, request.params.issue_number);
  const now = nowIso();
  const comment: SimComment = {
    id: ctx.nextId(),
    issueNumber: number,
    body: (request.body as { body: string }).body,
    user: request.viewer,
    createdAt: now,
    updatedAt: now,
  };
  repo.comments.set(number, [...(repo.comments.get(number) ?? []), comment]);
  const json = commentJson(request.urls, repo, comment);
  return { status: 201, body: json, headers: { location: String(json.url) } };
};

export const updateComment: Handler = async (_ctx, request, repo) => {
  const id = Number(request.params.comment_id);
  const comment = [...repo.comments.values()].flat().find((c) => c.id === id);
  // GitHub's description declares only 200 and 422 here; a 404 is what it sends, and we send it too.
  if (!comment) throw notFound();
  comment.body = (request.body as { body: string }).body;
  comment.updatedAt = nowIso();
  return { status: 200, body: commentJson(request.urls, repo, comment) };
};

type LabelInput = string | { name: string };

export const addLabels: Handler = async (ctx, request, repo) => {
  const number = issueExists(repo, request.params.issue_number);
  const raw = request.body as { labels?: LabelInput[] } | LabelInput[] | string;
  const list: LabelInput[] = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : (raw.labels ?? []);
  const names = list.map((l) => (typeof l === 'string' ? l : l.name));
  if (names.some((n) => !n.trim())) throw new GitHubHttpError(422, 'Label name cannot be blank');
  for (const name of names) {
    // GitHub creates a label that does not exist yet, grey and without description.
    if (!repo.labels.has(name))
      repo.labels.set(name, { id: ctx.nextId(), name, color: 'ededed', description: null });
  }
  const pull = repo.pulls.get(number)!;
  pull.labels = [...new Set([...pull.labels, ...names])];
  pull.updatedAt = nowIso();
  return {
    status: 200,
    body: pull.labels.map((name) => labelJson(request.urls, repo, repo.labels.get(name)!)),
  };
};
