// `slipway propose`: the open-environment-pr action from a terminal — propose deploying a published model
// version to an environment as a pull request against the environment repository.
import { lineageFromEnvironment, proposeDeployment } from '@slipway/core/environments';
import { SlipwayError } from '@slipway/core/errors';
import type { Command } from 'commander';
import pc from 'picocolors';

interface ProposeOptions {
  repository?: string;
  environment?: string;
  reference: string;
  servingReference?: string;
  model?: string;
  modelVersion?: string;
  evalReport?: string;
  currentEvalReport?: string;
  evalReportDigest?: string;
  baseBranch: string;
  config: string;
  apiUrl?: string;
  json?: boolean;
}

export function registerPropose(program: Command): void {
  program
    .command('propose')
    .description(
      'Propose deploying a published model to an environment as a pull request against the environment repository.',
    )
    .requiredOption(
      '--reference <ref>',
      "the ModelPack artifact pinned by digest (publish-model's reference): registry/repository@sha256:…",
    )
    .option(
      '--serving-reference <ref>',
      "the image KServe pulls when not the artifact (publish-model's serving-reference, the modelcar)",
    )
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
      'GitHub REST API root (GitHub Enterprise Server: https://HOST/api/v3; default: GITHUB_API_URL, else api.github.com)',
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
          { where: 'GITHUB_TOKEN', expected: 'a token that can write to the environment repository' },
        );
      const apiUrl = options.apiUrl ?? process.env.GITHUB_API_URL;
      const result = await proposeDeployment({
        config: options.config,
        root: process.cwd(),
        reference: options.reference,
        ...(options.servingReference ? { servingReference: options.servingReference } : {}),
        ...(options.repository ? { repository: options.repository } : {}),
        ...(options.environment ? { environment: options.environment } : {}),
        ...(options.model ? { model: options.model } : {}),
        ...(options.modelVersion ? { version: options.modelVersion } : {}),
        ...(options.evalReport ? { evalReport: options.evalReport } : {}),
        ...(options.currentEvalReport ? { currentEvalReport: options.currentEvalReport } : {}),
        ...(options.evalReportDigest ? { evalReportDigest: options.evalReportDigest } : {}),
        baseBranch: options.baseBranch,
        lineage: lineageFromEnvironment(process.env),
        token,
        ...(apiUrl ? { apiUrl } : {}),
        ...(options.json ? {} : { log: (line: string) => process.stderr.write(`${pc.dim(line)}\n`) }),
      });
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
