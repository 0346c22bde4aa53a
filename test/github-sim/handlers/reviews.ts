// Pull request reviews: a person approves (or asks for changes) through the API; an approval can be the
// last thing branch protection waits for, so it may fire auto-merge.
import {
  GitHubHttpError,
  type Handler,
  notFound,
  paginate,
  type SimRequest,
  validationFailed,
} from '../http.js';
import { repoApi, repoHtml, userJson } from '../shapes.js';
import { nodeId, nowIso, type SimRepo, type SimReview } from '../state.js';
import { fireAutoMerge } from './protection.js';

function reviewJson(request: SimRequest, repo: SimRepo, number: number, review: SimReview) {
  const html = `${repoHtml(request.urls, repo)}/pull/${number}#pullrequestreview-${review.id}`;
  const pull = `${repoApi(request.urls, repo)}/pulls/${number}`;
  return {
    id: review.id,
    node_id: nodeId('PRR', String(review.id)),
    user: userJson(request.urls, review.user),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pull,
    _links: { html: { href: html }, pull_request: { href: pull } },
    submitted_at: review.submittedAt,
    commit_id: review.commitId,
    author_association: 'MEMBER',
  };
}

export const createReview: Handler = async (ctx, request, repo) => {
  const number = Number(request.params.pull_number);
  const pull = repo.pulls.get(number);
  if (!pull) throw notFound();
  const body = (request.body ?? {}) as { event?: string; body?: string; commit_id?: string };
  const states = { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED', COMMENT: 'COMMENTED' } as const;
  const state = states[(body.event ?? '') as keyof typeof states];
  // A review without an event stays pending on GitHub; the simulator does not keep pending reviews.
  if (!state)
    throw validationFailed(
      'PullRequestReview',
      'event',
      'The simulator needs event: APPROVE, REQUEST_CHANGES or COMMENT',
    );
  if (pull.user.login === request.viewer.login && state !== 'COMMENTED')
    throw new GitHubHttpError(422, 'Unprocessable Entity', [
      {
        resource: 'PullRequestReview',
        field: 'event',
        code: 'custom',
        message: 'Can not approve your own pull request',
      },
    ]);
  if (pull.state !== 'open')
    throw validationFailed('PullRequestReview', 'pull_request', 'Pull request is closed');
  const head = (await repo.git.readRef(`refs/heads/${pull.head}`)) ?? '';
  const review: SimReview = {
    id: ctx.nextId(),
    user: request.viewer,
    state,
    body: body.body ?? '',
    commitId: body.commit_id ?? head,
    submittedAt: nowIso(),
  };
  repo.reviews.set(number, [...(repo.reviews.get(number) ?? []), review]);
  await fireAutoMerge(ctx, repo);
  return { status: 200, body: reviewJson(request, repo, number, review) };
};

export const listReviews: Handler = async (_ctx, request, repo) => {
  const number = Number(request.params.pull_number);
  if (!repo.pulls.has(number)) throw notFound();
  const reviews = repo.reviews.get(number) ?? [];
  const page = paginate(request, reviews, `/repos/${repo.owner}/${repo.name}/pulls/${number}/reviews`);
  return { ...page, body: (page.body as SimReview[]).map((r) => reviewJson(request, repo, number, r)) };
};
