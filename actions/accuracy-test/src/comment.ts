// The sticky pull-request comment: one per project config, updated in place on every re-run.
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import type { AccuracyTestSettings } from './inputs.js';

/** GitHub rejects comments over 65,536 characters. */
const maxCommentLength = 65_000;

export async function postStickyReport(
  settings: AccuracyTestSettings,
  summary: string,
  configName: string,
): Promise<void> {
  const eventName = process.env.GITHUB_EVENT_NAME ?? '';
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return;
  const number = pullRequestNumber(process.env.GITHUB_EVENT_PATH);
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!number || !owner || !repo) {
    core.warning('No pull request number or repository in the event; the report comment was skipped.');
    return;
  }
  if (!settings.token) {
    core.warning(
      'No github-token; the report comment was skipped. Pass github-token with pull-requests: write.',
    );
    return;
  }
  const body =
    summary.length <= maxCommentLength
      ? summary
      : `${summary.slice(0, maxCommentLength)}\n\n…cut to fit a comment; the job summary has the whole report.\n`;
  // Octokit and its plugins are a quarter of the bundle; most runs (pushes, shards) never post, so the
  // client is only set up here (esbuild inlines the import, so dist stays one file).
  const { createGitHubClient, describeGitHubFailure, upsertStickyComment } = await import(
    '@slipway/core/github'
  );
  try {
    const octokit = createGitHubClient({
      token: settings.token,
      ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
    });
    // One comment per project, so a monorepo with several models gets one each.
    const marker = `slipway:accuracy-test:${configName.replace(/[^A-Za-z0-9:._/@]+/g, '_')}`;
    const result = await upsertStickyComment(octokit, { owner, repo, issueNumber: number, marker, body });
    core.info(`Report comment ${result.action}: ${result.url}`);
  } catch (error) {
    // A read-only token (a pull request from a fork) must not fail a passing evaluation.
    core.warning(
      `Could not post the report comment on ${owner}/${repo}#${number}: ${describeGitHubFailure(error)}`,
    );
  }
}

function pullRequestNumber(eventPath: string | undefined): number | undefined {
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(readFileSync(eventPath, 'utf8')) as {
      pull_request?: { number?: unknown };
      number?: unknown;
    };
    const number = event.pull_request?.number ?? event.number;
    return typeof number === 'number' && Number.isInteger(number) ? number : undefined;
  } catch {
    return undefined;
  }
}
