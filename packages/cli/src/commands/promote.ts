// `slipway promote`: the promote action from a terminal — open or update promotion pull requests and set
// their gates. Run by a person, it also proposes where auto-promote is off.
import { promote } from '@slipway/core/environments/promotion';
import type { Command } from 'commander';
import pc from 'picocolors';
import {
  calling,
  connect,
  printJson,
  type RepositoryOptions,
  table,
  withRepositoryOptions,
} from '../environment-repository.js';

interface PromoteOptions extends RepositoryOptions {
  environment?: string[];
  model?: string[];
  now?: string;
}

export function registerPromote(program: Command): void {
  withRepositoryOptions(
    program
      .command('promote')
      .description(
        'Open or update the promotion pull requests of an environment repository and set their gates (verified, soak, freeze, hold).',
      )
      .option('--environment <name...>', 'only promote into these environments')
      .option('--model <name...>', 'only promote these models')
      .option('--now <time>', 'evaluate soak and freeze at this ISO 8601 time (a rehearsal)'),
  ).action(async (options: PromoteOptions) => {
    const { repository, octokit } = connect(options);
    const now = options.now ? new Date(options.now) : undefined;
    const result = await calling(() =>
      promote(octokit, {
        repository,
        baseBranch: options.baseBranch,
        manual: true,
        ...(options.environment ? { environments: options.environment } : {}),
        ...(options.model ? { models: options.model } : {}),
        ...(now && !Number.isNaN(now.getTime()) ? { now } : {}),
        ...(options.json ? {} : { log: (line: string) => process.stderr.write(`${pc.dim(line)}\n`) }),
      }),
    );
    if (options.json) return printJson(result);
    if (result.promotions.length === 0) process.stdout.write('Nothing to promote.\n');
    else
      process.stdout.write(
        `${table(
          ['MODEL', 'INTO', 'FROM', 'VERSION', 'OUTCOME', 'PR'],
          result.promotions.map((p) => [
            p.model,
            p.environment,
            p.from.join(','),
            p.version ?? '—',
            p.outcome,
            p.pullRequest ? `#${p.pullRequest.number}` : '',
          ]),
        )}\n`,
      );
    for (const p of result.promotions) {
      const notes = [...(p.outcome === 'stale-left-open' ? [p.message] : []), ...(p.warnings ?? [])];
      for (const note of notes)
        process.stderr.write(`${pc.yellow('warning')} ${p.model} → ${p.environment}: ${note}\n`);
    }
    for (const g of result.gates) {
      const waiting = g.gates.filter((gate) => gate.state !== 'success');
      process.stdout.write(
        `#${g.pullRequest.number} ${g.model} → ${g.environment}: ${waiting.length === 0 ? pc.green('all gates green') : waiting.map((w) => `${w.context} ${w.state}: ${w.description}`).join('; ')}\n`,
      );
    }
  });
}
