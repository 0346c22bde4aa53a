// A "sticky" comment: one comment per (issue or PR, marker), edited in place on every re-run, so a PR
// shows the latest accuracy report or proposal note instead of a pile of stale ones.
import { SlipwayError } from '../errors/index.js';
import type { GitHubClient } from './client.js';

export interface StickyCommentTarget {
  readonly owner: string;
  readonly repo: string;
  /** Issue or pull request number (PR comments are issue comments in GitHub's API). */
  readonly issueNumber: number;
  /**
   * Names the comment, e.g. `slipway:accuracy-test` or `slipway:accuracy-test:eval/holdout`.
   * Written as a hidden HTML comment `<!-- slipway-sticky: MARKER -->` on the body's first line.
   * Letters, digits and `:._/@-` only, so it can never close the HTML comment early.
   */
  readonly marker: string;
  /** Markdown shown to readers; the hidden marker is added in front of it. */
  readonly body: string;
}

export interface StickyCommentResult {
  /** `unchanged`: the comment already said exactly this, so no write was made. */
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly commentId: number;
  readonly url: string;
}

const MARKER_SHAPE = /^[A-Za-z0-9:._/@-]+$/;

/** The hidden first line that identifies a sticky comment. */
export function stickyMarkerLine(marker: string): string {
  if (!MARKER_SHAPE.test(marker) || marker.includes('--')) {
    throw new SlipwayError(
      `Invalid sticky comment marker '${marker}'. Expected letters, digits and ':._/@-' without '--', e.g. 'slipway:accuracy-test'.`,
    );
  }
  return `<!-- slipway-sticky: ${marker} -->`;
}

/** The full comment body as stored on GitHub: marker line, then the readable body. */
export function renderStickyComment(marker: string, body: string): string {
  return `${stickyMarkerLine(marker)}\n${body}`;
}

/** True when a stored comment body is the sticky comment for `marker` (exact marker, not a prefix). */
export function isStickyComment(commentBody: string | null | undefined, marker: string): boolean {
  if (!commentBody) return false;
  const firstLine = commentBody.split('\n', 1)[0]?.trimEnd();
  return firstLine === stickyMarkerLine(marker);
}

/**
 * True when a listed comment is one Slipway may take over: its body starts with the marker, and a bot wrote
 * it. Slipway comments with GITHUB_TOKEN (github-actions[bot]) or a GitHub App's token, both bots; anyone
 * can type the marker into a comment of their own, and a report written into it would stay theirs to edit
 * into a passing verdict. A person's account is never a Bot, so a planted marker is ignored (and a comment
 * written with a personal access token is not reused: it gets a fresh comment on each run).
 */
export function isAdoptableStickyComment(
  comment: { body?: string | null; user?: { type?: string } | null },
  marker: string,
): boolean {
  return comment.user?.type === 'Bot' && isStickyComment(comment.body, marker);
}

/**
 * Creates the comment for `marker` on the issue/PR, or updates it in place when one exists.
 * Reads comments page by page (100 at a time) and stops at the first match, so a busy PR costs
 * ceil(position / 100) reads plus at most one write; an identical body costs no write at all.
 * Only a bot's comment is taken over (isAdoptableStickyComment): the author is in the listing, so the
 * check costs no request.
 *
 * @example
 * await upsertStickyComment(octokit, { owner, repo, issueNumber: pr, marker: 'slipway:accuracy-test', body });
 */
export async function upsertStickyComment(
  octokit: GitHubClient,
  target: StickyCommentTarget,
): Promise<StickyCommentResult> {
  const { owner, repo, issueNumber, marker } = target;
  const body = renderStickyComment(marker, target.body);
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    const existing = page.data.find((comment) => isAdoptableStickyComment(comment, marker));
    if (!existing) continue;
    if (existing.body === body)
      return { action: 'unchanged', commentId: existing.id, url: existing.html_url };
    const updated = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: 'updated', commentId: updated.data.id, url: updated.data.html_url };
  }
  const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', commentId: created.data.id, url: created.data.html_url };
}
