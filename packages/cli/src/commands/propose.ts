// `slipway propose`: the open-environment-pr action from a terminal — propose deploying a published model
// version to an environment as a pull request against the environment repository.
import { resolve } from 'node:path';
import {
  buildRelease,
  lineageFromEnvironment,
  readJsonFile,
  readProjectDefaults,
} from '@slipway/core/environments';
import { SlipwayError } from '@slipway/core/errors';
import {
  atGitHubBoundary,
  createGitHubClient,
  openEnvironmentPr,
  type ProposalResult,
} from '@slipway/core/github';
import type { Command } from 'commander';
import pc from 'picocolors';

interface ProposeOptions {
  repository?: string;
  environment?: string;
  reference: string;
  model?: string;
  modelVersion?: string;
  evalReport?: string;
  currentEvalReport?: string;
  evalReportDigest?: string;
  baseBranch: string;
  config: string;
  apiUrl: string;
  json?: boolean;
}

export function registerPropose(program: Command): void {
  program
    .command('propose')
    .description(
      'Propose deploying a published model to an environment as a pull request against the environment repository.',
    )
    .requiredOption('--reference <ref>', 'the artifact pinned by digest: registry/repository@sha256:…')
    .option(
      '--repository <owner/name>',
      'environment repository (default: deploy.repository of slipway.yaml)',
    )
    .option('--environment <name>', 'environment (default: deploy.environment of slipway.yaml)')
    .option('--model <name>', 'model name (default: model.name of slipway.yaml)')
    .option('--model-version <semver>', 'model version (default: model.version of slipway.yaml)')
    .option('--eval-report <path>', "the new version's eval report (JSON), summarised in the PR")
    .option(
      '--current-eval-report <path>',
      'the eval report of the version now deployed, for the metric diff',
    )
    .option(
      '--eval-report-digest <digest>',
      'digest of the eval report in the registry, recorded in the manifest',
    )
    .option('--base-branch <branch>', 'branch the GitOps controller deploys from', 'main')
    .option('--config <path>', "the project's slipway.yaml, read for defaults", 'slipway.yaml')
    .option(
      '--api-url <url>',
      'GitHub REST API root (GitHub Enterprise Server: https://HOST/api/v3)',
      process.env.GITHUB_API_URL ?? 'https://api.github.com',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe token comes from GITHUB_TOKEN (or GH_TOKEN) and needs write access to the environment repository.',
    )
    .action(async (options: ProposeOptions) => {
      const token = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;
      if (!token)
        throw new SlipwayError(
          'No token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can write to the environment repository.',
        );
      const project = await readProjectDefaults(resolve(options.config));
      const repository = options.repository ?? project.repository;
      const environment = options.environment ?? project.environment;
      if (!repository)
        throw new SlipwayError(
          'No environment repository: pass --repository owner/name or set deploy.repository in slipway.yaml.',
        );
      if (!environment)
        throw new SlipwayError(
          'No environment: pass --environment or set deploy.environment in slipway.yaml.',
        );
      const release = buildRelease({
        model: options.model ?? project.model,
        version: options.modelVersion ?? project.version,
        reference: options.reference,
        ...(options.evalReportDigest ? { evalReportDigest: options.evalReportDigest } : {}),
        lineage: lineageFromEnvironment(process.env),
      });
      const octokit = createGitHubClient({ token, baseUrl: options.apiUrl });
      const log = options.json ? () => {} : (line: string) => process.stderr.write(`${pc.dim(line)}\n`);
      const result: ProposalResult = await atGitHubBoundary(async () =>
        openEnvironmentPr(octokit, {
          repository,
          environment,
          release,
          baseBranch: options.baseBranch,
          log,
          ...(options.evalReport
            ? { evalReport: await readJsonFile(options.evalReport, 'Eval report') }
            : {}),
          ...(options.currentEvalReport
            ? { currentEvalReport: await readJsonFile(options.currentEvalReport, 'Current eval report') }
            : {}),
        }),
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const colour =
        result.outcome === 'left-alone' || result.outcome === 'superseded' ? pc.yellow : pc.green;
      process.stdout.write(`${colour(result.outcome)} ${result.message}\n`);
      if (result.pullRequest) process.stdout.write(`${result.pullRequest.url}\n`);
      for (const warning of result.warnings) process.stdout.write(`${pc.yellow('warning')} ${warning}\n`);
    });
}
