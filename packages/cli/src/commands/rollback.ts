// `slipway rollback <environment> <model> [--to version|digest] --reason …`: a pull request restoring an
// earlier record byte for byte, which also holds the model there when the environment's policy says so.
import { rollback } from '@slipway/core/environments/promotion';
import type { Command } from 'commander';
import pc from 'picocolors';
import {
  calling,
  connect,
  printJson,
  type RepositoryOptions,
  withRepositoryOptions,
} from '../environment-repository.js';

export function registerRollback(program: Command): void {
  withRepositoryOptions(
    program
      .command('rollback')
      .description(
        'Open a pull request restoring an earlier record of a model in an environment, and hold it there.',
      )
      .argument('<environment>', 'the environment')
      .argument('<model>', 'the model')
      .option('--to <version|digest>', 'the record to restore (default: the one before the current)')
      .requiredOption('--reason <text>', 'why, shown on the pull request and kept with the hold'),
  ).action(
    async (
      environment: string,
      model: string,
      options: RepositoryOptions & { to?: string; reason: string },
    ) => {
      const { repository, octokit } = connect(options);
      const result = await calling(() =>
        rollback(octokit, {
          repository,
          environment,
          model,
          reason: options.reason,
          baseBranch: options.baseBranch,
          ...(options.to ? { to: options.to } : {}),
          ...(process.env.GITHUB_ACTOR ? { by: process.env.GITHUB_ACTOR } : {}),
        }),
      );
      if (options.json) return printJson(result);
      process.stdout.write(`${pc.green(result.outcome)} ${result.message}\n`);
      if (result.pullRequest) process.stdout.write(`${result.pullRequest.url}\n`);
    },
  );
}
