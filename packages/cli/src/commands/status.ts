// `slipway status`: every model × environment of an environment repository — version, digest, since when,
// verified or not, and the promotions waiting with why they wait.
import { status } from '@slipway/core/environments/promotion';
import type { Command } from 'commander';
import pc from 'picocolors';
import {
  calling,
  connect,
  printJson,
  type RepositoryOptions,
  short,
  table,
  withRepositoryOptions,
} from '../environment-repository.js';

export function registerStatus(program: Command): void {
  withRepositoryOptions(
    program
      .command('status')
      .description('Show what runs where, whether it is verified, and what waits to be promoted.'),
  ).action(async (options: RepositoryOptions) => {
    const { repository, octokit } = connect(options);
    const result = await calling(() => status(octokit, { repository, baseBranch: options.baseBranch }));
    if (options.json) return printJson(result);
    const colour = (v: string) =>
      v === 'verified' ? pc.green(v) : v === 'failed' ? pc.red(v) : v === 'unverified' ? pc.yellow(v) : v;
    process.stdout.write(
      `${table(
        ['MODEL', 'ENVIRONMENT', 'VERSION', 'DIGEST', 'SINCE', 'VERIFIED', 'PENDING'],
        result.models.map((m) => [
          m.model,
          m.environment,
          m.version ?? '—',
          short(m.artifactDigest),
          m.since ?? '—',
          colour(m.verification),
          [
            m.held ? `held: ${m.held}` : '',
            m.pending
              ? `#${m.pending.number} ${m.pending.version ?? ''} waits for ${m.pending.waitingFor.map((w) => `${w.context} (${w.description})`).join(', ') || 'a merge'}`
              : '',
          ]
            .filter(Boolean)
            .join('; '),
        ]),
      )}\n`,
    );
  });
}
