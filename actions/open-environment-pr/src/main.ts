// open-environment-pr: a published model version → a pull request against the environment repository.
import * as core from '@actions/core';
import {
  buildRelease,
  lineageFromEnvironment,
  readJsonFile,
  readProjectDefaults,
} from '@slipway/core/environments';
import { describeError, SlipwayError } from '@slipway/core/errors';
import {
  atGitHubBoundary,
  createGitHubClient,
  openEnvironmentPr,
  type ProposalResult,
} from '@slipway/core/github';
import { type OpenEnvironmentPrSettings, readSettings } from './inputs.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const request = await buildRequest(settings);
    const octokit = createGitHubClient({
      token: settings.token,
      baseUrl: settings.baseUrl,
      // Octokit logs every failed request at error level, including answers Slipway expects and handles
      // (a 404 for a branch not made yet); those go to the debug log, and real failures reach setFailed.
      log: { debug: core.debug, info: core.debug, warn: core.warning, error: core.debug },
    });
    core.info(
      `Proposing ${request.release.model} ${request.release.version} for ${request.environment} in ${request.repository}`,
    );
    const result = await atGitHubBoundary(() =>
      openEnvironmentPr(octokit, { ...request, log: (line) => core.info(line) }),
    );
    for (const warning of result.warnings) core.warning(warning);
    if (result.outcome === 'left-alone' || result.outcome === 'superseded') core.warning(result.message);
    else core.info(result.message);
    setOutputs(result);
    await writeSummary(result);
  } catch (error) {
    core.setFailed(describeError(error));
  }
}

async function buildRequest(settings: OpenEnvironmentPrSettings) {
  const project = await readProjectDefaults(settings.config);
  const repository = settings.repository ?? project.repository;
  const environment = settings.environment ?? project.environment;
  if (!repository)
    throw new SlipwayError(
      "Input required and not supplied: repository (or deploy.repository in the project's slipway.yaml).",
    );
  if (!environment)
    throw new SlipwayError(
      "Input required and not supplied: environment (or deploy.environment in the project's slipway.yaml).",
    );
  if (!settings.token)
    throw new SlipwayError(
      'Input required and not supplied: token (a GitHub App installation token that can write to the environment repository).',
    );
  const release = buildRelease({
    model: settings.model ?? project.model,
    version: settings.version ?? project.version,
    reference: settings.reference,
    ...(settings.evalReportDigest ? { evalReportDigest: settings.evalReportDigest } : {}),
    lineage: lineageFromEnvironment(process.env),
  });
  return {
    repository,
    environment,
    release,
    baseBranch: settings.baseBranch,
    ...(settings.evalReport ? { evalReport: await readJsonFile(settings.evalReport, 'Eval report') } : {}),
    ...(settings.currentEvalReport
      ? { currentEvalReport: await readJsonFile(settings.currentEvalReport, 'Current eval report') }
      : {}),
  };
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
    .addHeading(`Deploy ${result.model} ${result.version} to ${result.environment}`, 3)
    .addRaw(`${result.message}\n\n`)
    .addTable([
      [
        { data: 'Outcome', header: true },
        { data: 'Pull request', header: true },
        { data: 'Branch', header: true },
      ],
      [result.outcome, pr, `<code>${result.branch}</code>`],
    ])
    .write();
}
