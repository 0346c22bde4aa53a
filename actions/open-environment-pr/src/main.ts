// open-environment-pr: a published model version → a pull request against the environment repository.
import * as core from '@actions/core';
import { type ProposalResult, proposeDeployment } from '@slipway/core/environments';
import { describeError, htmlSafe, logSafeText, markdownSafe } from '@slipway/core/errors';
import { readSettings, secretRedactor } from './inputs.js';

export async function run(): Promise<void> {
  const redactor = secretRedactor();
  try {
    const settings = readSettings();
    const result = await proposeDeployment({
      ...settings,
      // Octokit logs every failed request at error level, including answers Slipway expects and handles
      // (a 404 for a branch not made yet); those go to the debug log, and real failures reach setFailed.
      clientLog: { debug: core.debug, info: core.debug, warn: core.warning, error: core.debug },
      log: (line) => info(line),
      onRelease: (release, repository, environment) =>
        info(`Proposing ${release.model} ${release.version} for ${environment} in ${repository}`),
    });
    for (const warning of result.warnings) core.warning(warning);
    if (result.outcome === 'left-alone' || result.outcome === 'superseded') core.warning(result.message);
    else info(result.message);
    setOutputs(result);
    await writeSummary(result);
  } catch (error) {
    core.setFailed(describeError(error, (text) => redactor.redact(text)));
  }
}

function setOutputs(result: ProposalResult): void {
  core.setOutput('outcome', result.outcome);
  core.setOutput('pull-request-number', result.pullRequest ? String(result.pullRequest.number) : '');
  core.setOutput('pull-request-url', result.pullRequest?.url ?? '');
  core.setOutput('branch', result.branch);
  core.setOutput('commit', result.commit ?? '');
}

async function writeSummary(result: ProposalResult): Promise<void> {
  const pr = result.pullRequest ? `[#${result.pullRequest.number}](${result.pullRequest.url})` : '—';
  await core.summary
    .addHeading(htmlSafe(`Deploy ${result.model} ${result.version} to ${result.environment}`), 3)
    .addRaw(`${markdownSafe(result.message)}\n\n`)
    .addTable([
      [
        { data: 'Outcome', header: true },
        { data: 'Pull request', header: true },
        { data: 'Branch', header: true },
      ],
      [result.outcome, pr, `<code>${htmlSafe(result.branch)}</code>`],
    ])
    .write();
}

/** Every log line goes through here: no value in it can start a workflow command. */
function info(text: string): void {
  core.info(logSafeText(text));
}
