// Reads the action's inputs once, into one typed settings object. Nothing else calls getInput.
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { checkShard, type Shard } from '@slipway/core/eval';

export interface AccuracyTestSettings {
  /** run: evaluate (whole, or one matrix shard); merge: combine partial files into one report. */
  readonly mode: 'run' | 'merge';
  /** Absolute path of slipway.yaml. */
  readonly config: string;
  /** Replaces eval.command; undefined uses slipway.yaml's. */
  readonly command?: string;
  /** Test sets to evaluate; empty: all. */
  readonly testSets: readonly string[];
  readonly shard: Shard;
  /** merge mode: globs of partial result files, relative to root. */
  readonly partials: readonly string[];
  /** environment:<name>, none, or a report path (relative to root); undefined: slipway.yaml's baseline.environment. */
  readonly baseline?: string;
  /** owner/name; undefined: deploy.repository of slipway.yaml. */
  readonly environmentRepository?: string;
  /** Reads the environment repository; github-token when not given. Already masked. */
  readonly environmentToken?: string;
  /** REST API root; undefined: api.github.com. */
  readonly apiUrl?: string;
  readonly registryUsername?: string;
  /** Already masked. */
  readonly registryPassword?: string;
  /** Absolute path of the training record to include; undefined: the default one, if training left it. */
  readonly trainingRecord?: string;
  readonly requireGpu: boolean;
  /** Replaces eval.timeout-minutes. */
  readonly timeoutMinutes?: number;
  /** Absolute path the report JSON is written to. */
  readonly reportPath: string;
  /** Where predictions and partial files go. */
  readonly workDir: string;
  /** Token for the sticky PR comment; already masked. */
  readonly token?: string;
  readonly comment: boolean;
  /** The directory every relative path is resolved against. */
  readonly root: string;
}

export function readSettings(): AccuracyTestSettings {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const root = resolve(workspace, core.getInput('working-directory'));
  const token = core.getInput('github-token');
  if (token) core.setSecret(token);
  const environmentToken = core.getInput('environment-token') || token;
  if (environmentToken) core.setSecret(environmentToken);
  const registryPassword = core.getInput('registry-password');
  if (registryPassword) core.setSecret(registryPassword);
  const optional = (name: string) => core.getInput(name).trim() || undefined;
  const trainingRecord = optional('training-record');
  const extra = {
    environmentRepository: optional('environment-repository'),
    environmentToken: environmentToken || undefined,
    apiUrl: optional('api-url') ?? process.env.GITHUB_API_URL,
    registryUsername: optional('registry-username'),
    registryPassword: registryPassword || undefined,
    trainingRecord: trainingRecord ? resolve(root, trainingRecord) : undefined,
  };

  const mode = core.getInput('mode') || 'run';
  if (mode !== 'run' && mode !== 'merge') {
    throw new Error(`Invalid input mode: '${mode}'. Expected run or merge.`);
  }
  const command = core.getInput('command').trim();
  const baseline = core.getInput('baseline').trim();
  const timeout = core.getInput('timeout-minutes').trim();
  const timeoutMinutes = timeout === '' ? undefined : Number(timeout);
  if (timeoutMinutes !== undefined && !(Number.isFinite(timeoutMinutes) && timeoutMinutes > 0)) {
    throw new Error(
      `Invalid input timeout-minutes: '${timeout}'. Expected a positive number of minutes, e.g. 30.`,
    );
  }
  return {
    mode,
    config: resolve(root, core.getInput('config') || 'slipway.yaml'),
    ...(command ? { command } : {}),
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
    ...(baseline ? { baseline } : {}),
    ...(Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Partial<
      Pick<
        AccuracyTestSettings,
        | 'environmentRepository'
        | 'environmentToken'
        | 'apiUrl'
        | 'registryUsername'
        | 'registryPassword'
        | 'trainingRecord'
      >
    >),
    requireGpu: core.getBooleanInput('require-gpu'),
    ...(timeoutMinutes !== undefined ? { timeoutMinutes } : {}),
    reportPath: resolve(root, core.getInput('report-path') || '.slipway/eval/report.json'),
    workDir: resolve(root, '.slipway/eval'),
    ...(token ? { token } : {}),
    comment: core.getBooleanInput('comment'),
    root,
  };
}

function wholeNumber(name: string): number {
  const raw = core.getInput(name).trim();
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value)) {
    throw new Error(`Invalid input ${name}: '${raw}'. Expected a whole number (shards are counted from 0).`);
  }
  return value;
}
