// Which handler answers which of GitHub's operations (by operationId). An operation GitHub has but this
// table lacks is answered 404 and recorded as a violation: the test learns the simulator needs it.
import type { Handler } from '../http.js';
import * as commits from './commits.js';
import * as gitData from './git-data.js';
import * as issues from './issues.js';
import * as protection from './protection.js';
import * as pulls from './pulls.js';
import * as repos from './repos.js';
import * as reviews from './reviews.js';
import * as statuses from './statuses.js';

export const handlers: Record<string, Handler> = {
  'git/get-ref': gitData.getRef,
  'git/create-ref': gitData.createRef,
  'git/update-ref': gitData.updateRef,
  'git/delete-ref': gitData.deleteRef,
  'git/create-blob': gitData.createBlob,
  'git/create-tree': gitData.createTree,
  'git/get-tree': gitData.getTree,
  'git/create-commit': gitData.createCommit,
  'git/get-commit': gitData.getCommit,
  'repos/get': repos.getRepository,
  'repos/get-commit': commits.getCommit,
  'repos/list-commits': commits.listCommits,
  'repos/list-pull-requests-associated-with-commit': pulls.pullsForCommit,
  'repos/get-content': repos.getContent,
  'pulls/create': pulls.createPull,
  'pulls/get': pulls.getPull,
  'pulls/list': pulls.listPulls,
  'pulls/update': pulls.updatePull,
  'pulls/merge': pulls.mergePull,
  'pulls/request-reviewers': pulls.requestReviewers,
  'issues/list-comments': issues.listComments,
  'issues/create-comment': issues.createComment,
  'issues/update-comment': issues.updateComment,
  'issues/add-labels': issues.addLabels,
  'repos/create-commit-status': statuses.createStatus,
  'repos/get-combined-status-for-ref': statuses.getCombinedStatus,
  'repos/list-commit-statuses-for-ref': statuses.listStatuses,
  'repos/get-branch-protection': protection.getProtection,
  'repos/update-branch-protection': protection.updateProtection,
  'pulls/create-review': reviews.createReview,
  'pulls/list-reviews': reviews.listReviews,
};
