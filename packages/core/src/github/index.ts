// @slipway/core/github: the GitHub API layer only — the client (Octokit + retry + throttling), git data,
// pull requests, sticky comments and named failures. What a deployment means lives in environments/.
export {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientLog,
  type GitHubClientOptions,
} from './client.js';
export {
  atGitHubBoundary,
  describeGitHubFailure,
  GitHubApiError,
  GitHubFailure,
  type GitHubFailureName,
  isGitHubFailure,
  type KnownGitHubFailure,
} from './failures.js';
export { LostRace, parseRepository, RepositoryContentError } from './git-data.js';
export {
  isStickyComment,
  renderStickyComment,
  type StickyCommentResult,
  type StickyCommentTarget,
  stickyMarkerLine,
  upsertStickyComment,
} from './sticky-comment.js';
