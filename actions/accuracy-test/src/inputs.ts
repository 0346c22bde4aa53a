// Reads the action's inputs and the GitHub context once, into one typed settings object. Nothing else calls
// getInput or reads GITHUB_* variables. action.yml owns the defaults; "not given" is undefined.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { createRedactor, type Redactor, SlipwayError } from '@slipway/core/errors';
import { checkShard, type EvaluateProjectRequest, parseTimeoutMinutes, type Shard } from '@slipway/core/eval';

export interface AccuracyTestSettings {
  /** run: evaluate (whole, or one matrix shard); merge: combine partial files into one report. */
  readonly mode: 'run' | 'merge';
  /** slipway.yaml, relative to root. */
  readonly config: string;
  /** Replaces eval.command; undefined uses slipway.yaml's. */
  readonly command?: string;
  /** Test sets to evaluate; empty: all. */
  readonly testSets: readonly string[];
  readonly shard: Shard;
  /** merge mode: globs of partial result files, relative to root. */
  readonly partials: readonly string[];
  /** environment:<name>, none, or a report path relative to root; undefined: slipway.yaml's baseline.environment. */
  readonly baseline?: string;
  /** owner/name of the environment repository; undefined: deploy.repository of slipway.yaml. */
  readonly environmentRepository?: string;
  /** Reads the environment repository; github-token when not given. Already masked. */
  readonly environmentToken?: string;
  readonly registryUsername?: string;
  /** Already masked. */
  readonly registryPassword?: string;
  /** The training record, relative to root; undefined: the one training left beside slipway.yaml, if any. */
  readonly trainingRecord?: string;
  readonly requireGpu: boolean;
  /** Replaces eval.timeout-minutes. */
  readonly timeoutMinutes?: number;
  /** Where the report JSON is written, relative to root; undefined: beside slipway.yaml (core decides). */
  readonly reportPath?: string;
  /** Token for the sticky PR comment; already masked. */
  readonly token?: string;
  readonly comment: boolean;
  /** The directory every relative path is resolved against. */
  readonly root: string;
  readonly github: GitHubContext;
}

/** What the run's GitHub context says, for the sticky comment. */
export interface GitHubContext {
  readonly eventName?: string;
  /** The pull request of a pull_request(_target) event. */
  readonly pullRequest?: number;
  /** owner/name of the repository the workflow runs in. */
  readonly repository?: string;
  /** REST API root (GitHub Enterprise Server: https://HOST/api/v3). */
  readonly apiUrl?: string;
}

const optional = (name: string) => core.getInput(name).trim() || undefined;

export function readSettings(): AccuracyTestSettings {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const root = resolve(workspace, core.getInput('working-directory'));
  const token = optional('github-token');
  if (token) core.setSecret(token);
  const environmentToken = optional('environment-token') ?? token;
  if (environmentToken) core.setSecret(environmentToken);
  const registryPassword = optional('registry-password');
  if (registryPassword) core.setSecret(registryPassword);

  const mode = core.getInput('mode');
  if (mode !== 'run' && mode !== 'merge') {
    throw new SlipwayError(`Invalid input mode: '${mode}'. Expected run or merge.`, {
      where: 'input mode',
      expected: 'run or merge',
    });
  }
  const timeoutMinutes = parseTimeoutMinutes(optional('timeout-minutes'), 'input timeout-minutes');
  return withoutUndefined({
    mode,
    config: core.getInput('config'),
    command: optional('command'),
    testSets: core
      .getMultilineInput('test-sets')
      .flatMap((line) => line.split(','))
      .map((name) => name.trim())
      .filter(Boolean),
    shard: checkShard(
      wholeNumber('shard-index'),
      wholeNumber('shard-count'),
      'inputs shard-index/shard-count',
    ),
    partials: core.getMultilineInput('partials'),
    baseline: optional('baseline'),
    environmentRepository: optional('environment-repository'),
    environmentToken,
    registryUsername: optional('registry-username'),
    registryPassword,
    trainingRecord: optional('training-record'),
    requireGpu: core.getBooleanInput('require-gpu'),
    timeoutMinutes,
    reportPath: optional('report-path'),
    token,
    comment: core.getBooleanInput('comment'),
    root,
    github: readGitHubContext(),
  });
}

/** The request for core's evaluateProject. */
export function evaluateRequest(
  settings: AccuracyTestSettings,
  log: (line: string) => void,
): EvaluateProjectRequest {
  return {
    config: settings.config,
    root: settings.root,
    ...(settings.mode === 'merge' ? { partials: settings.partials } : { shard: settings.shard }),
    ...(settings.command ? { command: settings.command } : {}),
    testSets: settings.testSets,
    ...(settings.timeoutMinutes !== undefined ? { timeoutMinutes: settings.timeoutMinutes } : {}),
    requireGpu: settings.requireGpu,
    ...(settings.baseline ? { baseline: settings.baseline } : {}),
    deployedBaseline: withoutUndefined({
      environmentRepository: settings.environmentRepository,
      token: settings.environmentToken,
      apiUrl: settings.github.apiUrl,
      registryCredentials: (registry: string) => {
        if (settings.registryPassword)
          return withoutUndefined({
            username: settings.registryUsername,
            password: settings.registryPassword,
          });
        // GITHUB_TOKEN reads packages of its own organisation on ghcr.io; no other registry ever sees it.
        if (registry === 'ghcr.io' && settings.token) return { token: settings.token };
        return withoutUndefined({ username: settings.registryUsername });
      },
      onSecret: (secret: string) => core.setSecret(secret),
    }),
    ...(settings.trainingRecord ? { trainingRecord: settings.trainingRecord } : {}),
    ...(settings.reportPath ? { reportPath: settings.reportPath } : {}),
    env: process.env,
    log,
  };
}

function readGitHubContext(): GitHubContext {
  // `${{ github.api_url }}` is api-url's default; the runner fills it in. The variable only matters when
  // the action runs outside a runner (the test harness, act).
  return withoutUndefined({
    eventName: process.env.GITHUB_EVENT_NAME || undefined,
    pullRequest: pullRequestNumber(process.env.GITHUB_EVENT_PATH),
    repository: process.env.GITHUB_REPOSITORY || undefined,
    apiUrl: optional('api-url') ?? (process.env.GITHUB_API_URL || undefined),
  });
}

function pullRequestNumber(eventPath: string | undefined): number | undefined {
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(readFileSync(eventPath, 'utf8')) as {
      pull_request?: { number?: unknown };
      number?: unknown;
    };
    const number = event.pull_request?.number ?? event.number;
    return typeof number === 'number' && Number.isInteger(number) ? number : undefined;
  } catch {
    return undefined;
  }
}

function wholeNumber(name: string): number {
  const raw = core.getInput(name).trim();
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value)) {
    throw new SlipwayError(
      `Invalid input ${name}: '${raw}'. Expected a whole number (shards are counted from 0).`,
      { where: `input ${name}`, expected: 'a whole number' },
    );
  }
  return value;
}

/** Drops undefined fields, so optional settings are absent rather than present-and-undefined. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The token, in every form it travels in, for describeError to remove from any message an API echoed back. */
export function secretRedactor(): Redactor {
  return createRedactor([core.getInput('github-token')]);
}
