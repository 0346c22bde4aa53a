// An evaluation run: for each selected test set, the eval command runs once per local shard (one per GPU,
// in parallel), its predictions are ingested into sufficient statistics, and the shards are merged.
// Unsharded, the result is the eval report; as shard i of a matrix, it is one partial result file per test set.
import { mkdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type EvalReport,
  ingestMetricsFile,
  ingestPredictions,
  mergePartials,
  type PartialResult,
  type TestSetConfig,
} from '../metrics/index.js';
import { type CommandSpec, commandArgv, formatDuration, runCommand } from './command.js';
import { commandEnvironment } from './command-environment.js';
import { EvaluationError } from './errors.js';
import type { Gpu } from './gpus.js';
import { type EvalProject, evalTimeoutMs, type LoadedProject, selectTestSets } from './project.js';
import { artifactFileDigests, finishReport, type ProvenanceOptions } from './provenance.js';
import type { RunnerIdentity } from './report-context.js';
import { type LocalShard, planLocalShards, type Shard, wholeTestSet } from './shards.js';
import { writeJsonAtomic } from './write.js';

export interface EvaluateOptions {
  readonly loaded: LoadedProject;
  /** Replaces eval.command. */
  readonly command?: CommandSpec;
  /** Only these test sets (default: all). */
  readonly testSets?: readonly string[];
  /** This run's matrix shard; with a count above 1 the result is partial files, not a report. */
  readonly shard?: Shard;
  readonly gpus: readonly Gpu[];
  /** Replaces eval.timeout-minutes. */
  readonly timeoutMinutes?: number;
  /** Where predictions and partial files go (created if missing). */
  readonly workDir: string;
  /**
   * The environment the command inherits (process.env in an action), less action inputs and runner
   * credentials (commandEnvironment); SLIPWAY_* are set on top.
   */
  readonly env: Record<string, string | undefined>;
  readonly runner: RunnerIdentity;
  readonly baseline?: EvalReport;
  /** The training record, what the baseline was: see ProvenanceOptions. */
  readonly provenance?: ProvenanceOptions;
  readonly signal?: AbortSignal;
  /** The command's output, line by line, and Slipway's own progress lines. */
  readonly log?: (line: string) => void;
}

export type EvaluationResult =
  | { readonly kind: 'report'; readonly report: EvalReport; readonly partials: readonly PartialResult[] }
  | {
      readonly kind: 'partials';
      readonly shard: Shard;
      readonly partialFiles: readonly string[];
      readonly partials: readonly PartialResult[];
    };

/** Runs the evaluation end to end. Throws EvaluationError (or the metrics errors) with a message for the user. */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const { project, projectDir } = options.loaded;
  const argv = commandArgv(options.command ?? project.eval.command);
  const testSets = selectTestSets(project, options.testSets);
  const shard = options.shard ?? wholeTestSet;
  const localShards = planLocalShards(shard, options.gpus.length);
  const timeoutMs = evalTimeoutMs(project, options.timeoutMinutes);
  const log = options.log ?? (() => {});
  // Every run starts from an empty predictions folder, and without the partial files it is about to write:
  // a command that exits 0 and writes nothing must not be judged on what an earlier run left there. The
  // partial files of other shards stay: shards run one after another in one workspace are merged later.
  await rm(join(options.workDir, 'predictions'), { recursive: true, force: true });
  await mkdir(join(options.workDir, 'predictions'), { recursive: true });
  if (shard.count > 1) {
    for (const testSet of testSets) {
      await rm(join(options.workDir, 'partials', partialFileName(testSet.name, shard)), { force: true });
    }
  }

  // Test sets run one after another (they share the runner's GPUs); each one's predictions are ingested
  // while the next one's command runs. A failed ingestion cancels the command still running.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const ingesting: Array<Promise<PartialResult>> = [];
  try {
    for (const testSet of testSets) {
      const dataPath = isAbsolute(testSet.path) ? testSet.path : resolve(projectDir, testSet.path);
      const shardRuns = localShards.map((local) => ({
        ...options,
        project,
        projectDir,
        argv,
        testSet,
        dataPath,
        local,
        timeoutMs,
        log,
        signal,
      }));
      const outputs = await Promise.all(shardRuns.map(runShardCommand));
      const ingested = Promise.all(shardRuns.map((run, i) => ingestShard(run, outputs[i]!))).then((parts) =>
        parts.length === 1 ? parts[0]! : mergePartials(parts, outputs),
      );
      ingested.catch(() => stop.abort());
      ingesting.push(ingested);
    }
  } catch (error) {
    // A cancelled command is the echo of a failed ingestion: report the cause.
    await Promise.all(ingesting);
    throw error;
  }
  const results = await Promise.all(ingesting);

  if (shard.count > 1) {
    // The merge job runs in another checkout: each shard says which model files it evaluated.
    const artifactFiles = await artifactFileDigests(options.loaded);
    const partials = results.map((partial) => (artifactFiles ? { ...partial, artifactFiles } : partial));
    const partialFiles: string[] = [];
    for (const partial of partials) {
      const file = join(options.workDir, 'partials', partialFileName(partial.testSet, shard));
      await writeJsonAtomic(file, partial);
      partialFiles.push(file);
    }
    return { kind: 'partials', shard, partialFiles, partials };
  }
  return { kind: 'report', report: await finishReport(results, { ...options, argv }), partials: results };
}

/** `holdout.shard-0-of-3.json`: sorts by test set, then shard, and never collides across a matrix. */
export function partialFileName(testSet: string, shard: Shard): string {
  return `${testSet}.shard-${shard.index}-of-${shard.count}.json`;
}

interface ShardRun extends EvaluateOptions {
  readonly project: EvalProject;
  readonly projectDir: string;
  readonly argv: readonly string[];
  readonly testSet: TestSetConfig;
  readonly dataPath: string;
  readonly local: LocalShard;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/** Runs the eval command for one shard; returns the path of what it wrote. */
async function runShardCommand(run: ShardRun): Promise<string> {
  const { project, testSet, local } = run;
  const format = project.eval.output ?? 'predictions';
  const label = `test set '${testSet.name}', shard ${local.index + 1}/${local.count}${local.gpu !== undefined ? `, GPU ${local.gpu}` : ''}`;
  const extension = format === 'predictions' ? 'jsonl' : 'json';
  const output = join(
    run.workDir,
    'predictions',
    `${testSet.name}.shard-${local.index}-of-${local.count}.${extension}`,
  );
  const prefix =
    local.count > 1 ? `[${testSet.name} ${local.index + 1}/${local.count}] ` : `[${testSet.name}] `;
  const env = commandEnvironment(run.env, {
    SLIPWAY_TEST_SET: testSet.name,
    SLIPWAY_TEST_SET_PATH: run.dataPath,
    SLIPWAY_SHARD_INDEX: String(local.index),
    SLIPWAY_SHARD_COUNT: String(local.count),
    SLIPWAY_OUTPUT: output,
    SLIPWAY_OUTPUT_FORMAT: format,
  });
  if (local.gpu !== undefined) env.CUDA_VISIBLE_DEVICES = String(local.gpu);

  run.log(`${prefix}running ${run.argv.join(' ')}`);
  const result = await runCommand({
    command: run.argv,
    cwd: run.projectDir,
    env,
    timeoutMs: run.timeoutMs,
    label,
    signal: run.signal,
    onLine: (line) => run.log(prefix + line),
  });
  if (result.exitCode !== 0) {
    throw new EvaluationError(
      `The eval command '${run.argv.join(' ')}' failed with exit code ${result.exitCode} (${label}); its output is above.`,
    );
  }
  const written = await stat(output).catch(() => undefined);
  if (!written?.isFile()) {
    throw new EvaluationError(
      `The eval command '${run.argv.join(' ')}' exited successfully but wrote no ${format} to ${output} (${label}). ` +
        `It must write ${format === 'predictions' ? 'JSONL predictions' : 'its metrics JSON'} to the path in SLIPWAY_OUTPUT.`,
    );
  }
  run.log(`${prefix}done in ${formatDuration(result.durationMs)}`);
  return output;
}

/** Streams one shard's output into its sufficient statistics. */
function ingestShard(run: ShardRun, output: string): Promise<PartialResult> {
  const { project, testSet, local } = run;
  const shard = { index: local.index, count: local.count };
  if ((project.eval.output ?? 'predictions') === 'metrics') {
    return ingestMetricsFile(output, { task: project.task, testSet: testSet.name, shard });
  }
  return ingestPredictions(output, {
    task: project.task,
    testSet: testSet.name,
    ...(project.classes ? { classes: project.classes } : {}),
    slices: (testSet.slices ?? []).map((slice) => slice.name),
    ...(project.problems ? { problems: project.problems } : {}),
    shard,
  });
}
