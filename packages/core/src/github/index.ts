// @slipway/core/github: the GitHub client (Octokit + retry + throttling), named GitHub failures, and
// sticky comments. Everything that talks to GitHub's API builds on createGitHubClient.
export {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientLog,
  type GitHubClientOptions,
} from './client.js';
export { environmentRepository } from './environment-repository.js';
export {
  describeGitHubFailure,
  GitHubFailure,
  type GitHubFailureName,
  isGitHubFailure,
  type KnownGitHubFailure,
} from './failures.js';
export { LostRace, parseRepository, RepositoryContentError } from './git-data.js';
export {
  openEnvironmentPr,
  ProposalError,
  type ProposalOutcome,
  type ProposalRequest,
  type ProposalResult,
} from './propose.js';
export {
  isStickyComment,
  renderStickyComment,
  type StickyCommentResult,
  type StickyCommentTarget,
  stickyMarkerLine,
  upsertStickyComment,
} from './sticky-comment.js';
