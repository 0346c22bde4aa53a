// `slipway trace <environment>/<model> | <digest>`: source commit → workflow run → artifact → eval report
// (fetched from the registry, digest checked) → each pull request that deployed it, who approved and
// merged → where it runs now.
import { trace } from '@slipway/core/environments/promotion';
import { openStore } from '@slipway/core/oci';
import type { Command } from 'commander';
import pc from 'picocolors';
import {
  calling,
  connect,
  printJson,
  type RepositoryOptions,
  withRepositoryOptions,
} from '../environment-repository.js';
import { credentialsFromEnv } from './publish.js';

export function registerTrace(program: Command): void {
  withRepositoryOptions(
    program
      .command('trace')
      .description(
        'Trace a running model back to its source commit and forward to every environment, or an artifact digest both ways.',
      )
      .argument('<subject>', '<environment>/<model> or sha256:<digest>')
      .option('--plain-http', 'reach the registry over plain HTTP (a local registry)')
      .option('--no-registry', 'do not fetch the eval report from the registry'),
  ).action(
    async (subject: string, options: RepositoryOptions & { plainHttp?: boolean; registry: boolean }) => {
      const { repository, octokit } = connect(options);
      const result = await calling(() =>
        trace(octokit, {
          repository,
          subject,
          baseBranch: options.baseBranch,
          ...(options.registry
            ? {
                openRegistry: (registry: string, name: string) =>
                  openStore(
                    { kind: 'registry', registry, repository: name },
                    {
                      actions: 'pull',
                      credentials: credentialsFromEnv(registry),
                      ...(options.plainHttp ? { plainHttp: true } : {}),
                    },
                  ),
              }
            : {}),
        }),
      );
      if (options.json) return printJson(result);
      const lines = [
        `${pc.bold(result.model)} ${result.version ?? ''} ${result.artifactDigest}`,
        `  source        ${result.source ? `${result.source.repository}@${result.source.commit ?? '?'}` : '—'}`,
        `  workflow run  ${result.workflowRun ?? '—'}`,
        `  artifact      ${result.storageUri ?? '—'}`,
        `  eval report   ${result.evalReport ? `${result.evalReport.digest} ${result.evalReport.matches === undefined ? '(not fetched)' : result.evalReport.matches ? pc.green('(digest verified)') : pc.red('(registry has another report)')}` : '—'}`,
        ...result.deployments.map(
          (d) =>
            `  ${d.environment.padEnd(12)}  ${d.at} ${d.pullRequest ? `#${d.pullRequest.number} by ${d.pullRequest.author ?? '?'}, approved by ${d.pullRequest.approvedBy.join(',') || 'nobody'}, merged by ${d.pullRequest.mergedBy ?? '?'}` : `commit ${d.commit.slice(0, 7)}`} → ${d.commit.slice(0, 7)}`,
        ),
        ...result.proposed.map((p) => `  proposed      ${p.environment} in #${p.number}`),
        `  running in    ${result.runningIn.join(', ') || 'nowhere now'}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    },
  );
}
