// The sticky pull-request comment: one per project config, updated in place on every re-run.
import * as core from '@actions/core';
import { fitBody, logSafeText } from '@slipway/core/errors';
import { EVAL_SUMMARY_LIMIT } from '@slipway/core/eval';
import type { AccuracyTestSettings } from './inputs.js';

export async function postStickyReport(
  settings: AccuracyTestSettings,
  summary: string,
  configName: string,
): Promise<void> {
  const { eventName, pullRequest: number, repository, apiUrl } = settings.github;
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return;
  const [owner, repo] = (repository ?? '').split('/');
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
  // renderEvalSummary already fits the summary to EVAL_SUMMARY_LIMIT, cut at a line outside its chart;
  // this only guards that promise, with the same limit, so it never cuts a second time elsewhere.
  const body = fitBody(summary, {
    limit: EVAL_SUMMARY_LIMIT,
    rest: 'The job summary has the whole report.',
  });
  // Octokit and its plugins are a quarter of the bundle; most runs (pushes, shards) never post, so the
  // client is only set up here (esbuild inlines the import, so dist stays one file).
  const { createGitHubClient, describeGitHubFailure, upsertStickyComment } = await import(
    '@slipway/core/github'
  );
  try {
    const octokit = createGitHubClient({
      token: settings.token,
      ...(apiUrl ? { baseUrl: apiUrl } : {}),
    });
    // One comment per project, so a monorepo with several models gets one each.
    const marker = `slipway:accuracy-test:${configName.replace(/[^A-Za-z0-9:._/@]+/g, '_')}`;
    const result = await upsertStickyComment(octokit, { owner, repo, issueNumber: number, marker, body });
    info(`Report comment ${result.action}: ${result.url}`);
  } catch (error) {
    // A read-only token (a pull request from a fork) must not fail a passing evaluation.
    core.warning(
      `Could not post the report comment on ${owner}/${repo}#${number}: ${describeGitHubFailure(error)}`,
    );
  }
}

/** Every log line goes through here: no value in it can start a workflow command. */
function info(text: string): void {
  core.info(logSafeText(text));
}
