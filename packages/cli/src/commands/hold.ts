// `slipway hold` and `slipway release`: a hold is a reviewed change to slipway.yaml (git is the only
// record); these open the pull request that sets or removes it.
import { type ConfigChangeResult, hold, release } from '@slipway/core/environments/promotion';
import type { Command } from 'commander';
import pc from 'picocolors';
import {
  calling,
  connect,
  printJson,
  type RepositoryOptions,
  withRepositoryOptions,
} from '../environment-repository.js';

function print(result: ConfigChangeResult, json: boolean | undefined): void {
  if (json) {
    printJson(result);
    return;
  }
  process.stdout.write(`${pc.green(result.outcome)} ${result.message}\n`);
  if (result.pullRequest) process.stdout.write(`${result.pullRequest.url}\n`);
}

export function registerHold(program: Command): void {
  withRepositoryOptions(
    program
      .command('hold')
      .description(
        'Open a pull request that holds a model in an environment: nothing is auto-promoted into it until released.',
      )
      .argument('<environment>', 'the environment')
      .argument('<model>', 'the model')
      .requiredOption('--reason <text>', 'why, shown on every pull request the hold stops'),
  ).action(async (environment: string, model: string, options: RepositoryOptions & { reason: string }) => {
    const { repository, octokit } = connect(options);
    const by = process.env.GITHUB_ACTOR;
    print(
      await calling(() =>
        hold(octokit, {
          repository,
          environment,
          model,
          reason: options.reason,
          baseBranch: options.baseBranch,
          ...(by ? { by } : {}),
        }),
      ),
      options.json,
    );
  });
}

export function registerRelease(program: Command): void {
  withRepositoryOptions(
    program
      .command('release')
      .description("Open a pull request that releases a model's hold in an environment.")
      .argument('<environment>', 'the environment')
      .argument('<model>', 'the model'),
  ).action(async (environment: string, model: string, options: RepositoryOptions) => {
    const { repository, octokit } = connect(options);
    print(
      await calling(() =>
        release(octokit, { repository, environment, model, baseBranch: options.baseBranch }),
      ),
      options.json,
    );
  });
}
