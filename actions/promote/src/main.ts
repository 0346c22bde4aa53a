// promote: run in the environment repository on push to main, on a schedule, and on repository_dispatch
// (Argo CD or Flux notifications): promotion pull requests and their gates, from what the repository holds.
import * as core from '@actions/core';
import { type PromoteResult, promote } from '@slipway/core/environments/promotion';
import { describeError } from '@slipway/core/errors';
import { createGitHubClient, describeGitHubFailure } from '@slipway/core/github';
import { readSettings } from './inputs.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const octokit = createGitHubClient({
      token: settings.token,
      baseUrl: settings.baseUrl,
      // Expected answers (a 404 for a branch not made yet) go to the debug log; real failures reach setFailed.
      log: { debug: core.debug, info: core.debug, warn: core.warning, error: core.debug },
    });
    core.info(
      `Promoting in ${settings.repository} (${process.env.GITHUB_EVENT_NAME ?? 'manual'} event, ${settings.baseBranch})`,
    );
    const result = await promote(octokit, {
      repository: settings.repository,
      baseBranch: settings.baseBranch,
      ...(settings.environments ? { environments: settings.environments } : {}),
      ...(settings.models ? { models: settings.models } : {}),
      ...(settings.now ? { now: settings.now } : {}),
      log: (line) => core.info(line),
    });
    for (const step of result.promotions) {
      if (step.outcome === 'left-alone' || step.outcome === 'held' || step.outcome === 'stale-left-open')
        core.warning(step.message);
      for (const warning of step.warnings ?? [])
        core.warning(`${step.model} → ${step.environment}: ${warning}`);
    }
    core.setOutput('commit', result.commit);
    core.setOutput('promotions', JSON.stringify(result.promotions));
    core.setOutput('pull-requests', result.gates.map((g) => g.pullRequest.number).join(','));
    await writeSummary(result);
  } catch (error) {
    core.setFailed(messageOf(error));
  }
}

async function writeSummary(result: PromoteResult): Promise<void> {
  const summary = core.summary.addHeading(`Promotions in ${result.repository}`, 3);
  if (result.promotions.length > 0) {
    summary.addTable([
      ['Model', 'Into', 'From', 'Version', 'Outcome', 'Why'].map((data) => ({ data, header: true })),
      ...result.promotions.map((p) => [
        p.model,
        p.environment,
        p.from.join(', '),
        p.version ?? '—',
        p.pullRequest ? `${p.outcome} (#${p.pullRequest.number})` : p.outcome,
        p.message,
      ]),
    ]);
  } else {
    summary.addRaw(
      'Nothing to promote: every environment runs, or is already offered, what its upstream runs.\n\n',
    );
  }
  if (result.gates.length > 0) {
    summary.addHeading('Gates', 4).addTable([
      ['Pull request', 'Model', 'Into', 'Verified', 'Soak', 'Freeze', 'Hold'].map((data) => ({
        data,
        header: true,
      })),
      ...result.gates.map((g) => [
        `#${g.pullRequest.number}`,
        g.model,
        g.environment,
        ...g.gates.map((gate) => `${gate.state}: ${gate.description}`),
      ]),
    ]);
  }
  await summary.write();
}

/** GitHub failures get the request and GitHub's answer; Slipway's own errors are already sentences. */
function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'status' in error && 'request' in error)
    return describeGitHubFailure(error);
  return describeError(error);
}
