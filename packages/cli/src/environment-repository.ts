// What the environment-repository commands (promote, status, history, rollback, hold, release, trace)
// share: the --repository/--base-branch/--api-url/--json options, the token from the environment, and
// GitHub failures turned into sentences.
import { SlipwayError } from '@slipway/core/errors';
import { createGitHubClient, describeGitHubFailure, type GitHubClient } from '@slipway/core/github';
import type { Command } from 'commander';
import pc from 'picocolors';

export interface RepositoryOptions {
  repository?: string;
  baseBranch: string;
  apiUrl: string;
  json?: boolean;
}

export function withRepositoryOptions(command: Command): Command {
  return command
    .option('--repository <owner/name>', 'the environment repository (default: GITHUB_REPOSITORY)')
    .option('--base-branch <branch>', 'the branch the GitOps controllers deploy from', 'main')
    .option(
      '--api-url <url>',
      'GitHub REST API root (GitHub Enterprise Server: https://HOST/api/v3)',
      process.env.GITHUB_API_URL ?? 'https://api.github.com',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nThe token comes from GITHUB_TOKEN (or GH_TOKEN).');
}

/** The repository and a client for it, or an error that says which flag or variable to set. */
export function connect(options: RepositoryOptions): { repository: string; octokit: GitHubClient } {
  const token = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;
  if (!token)
    throw new SlipwayError(
      'No token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can read (and, to open pull requests, write to) the environment repository.',
      { expected: 'GITHUB_TOKEN or GH_TOKEN' },
    );
  const repository = options.repository ?? process.env.GITHUB_REPOSITORY;
  if (!repository)
    throw new SlipwayError('No environment repository: pass --repository owner/name.', {
      expected: '--repository owner/name',
    });
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return { repository, octokit: createGitHubClient({ token, baseUrl: options.apiUrl, log: quiet }) };
}

/** Runs a GitHub operation; a failed request becomes one sentence naming it and GitHub's answer. */
export async function calling<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error && typeof error === 'object' && 'status' in error && 'request' in error)
      throw new SlipwayError(describeGitHubFailure(error));
    throw error;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain text table: columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [pc.bold(line(header)), ...rows.map(line)].join('\n');
}

export const short = (digest: string | undefined) => (digest ? digest.slice(7, 19) : '—');
