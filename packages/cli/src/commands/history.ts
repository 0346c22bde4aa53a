// `slipway history <environment> [model]`: what was deployed there, when, through which pull request,
// approved and merged by whom, and what the GitOps controller reported — from git, through the API.
import { history } from '@slipway/core/environments/promotion';
import type { Command } from 'commander';
import {
  calling,
  connect,
  printJson,
  type RepositoryOptions,
  short,
  table,
  withRepositoryOptions,
} from '../environment-repository.js';

export function registerHistory(program: Command): void {
  withRepositoryOptions(
    program
      .command('history')
      .description(
        'List every deployment to an environment: version, digest, when, PR, author, approvers, merged by, verification.',
      )
      .argument('<environment>', 'the environment')
      .argument('[model]', 'one model (default: all)')
      .option('--limit <n>', 'most entries per model', '50'),
  ).action(
    async (
      environment: string,
      model: string | undefined,
      options: RepositoryOptions & { limit: string },
    ) => {
      const { repository, octokit } = connect(options);
      const result = await calling(() =>
        history(octokit, {
          repository,
          environment,
          baseBranch: options.baseBranch,
          limit: Number(options.limit) || 50,
          ...(model ? { model } : {}),
        }),
      );
      if (options.json)
        return printJson({ ...result, entries: result.entries.map(({ manifest: _, ...e }) => e) });
      process.stdout.write(
        `${table(
          ['WHEN', 'MODEL', 'VERSION', 'DIGEST', 'PR', 'AUTHOR', 'APPROVED BY', 'MERGED BY', 'VERIFICATION'],
          result.entries.map((e) => [
            e.at,
            e.model,
            e.version ?? '—',
            short(e.artifactDigest),
            e.pullRequest ? `#${e.pullRequest.number}` : e.commit.slice(0, 7),
            e.pullRequest?.author ?? '—',
            e.pullRequest?.approvedBy.join(',') || '—',
            e.pullRequest?.mergedBy ?? '—',
            e.verification.map((v) => `${v.context}=${v.state}`).join(',') || '—',
          ]),
        )}\n`,
      );
    },
  );
}
