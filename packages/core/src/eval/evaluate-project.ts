// evaluateProject: the one entry point of an evaluation, for the accuracy-test action and `slipway eval`.
// It decides every default once (work dir, report path, which mode), runs or merges, and writes the report;
// the doors only fill the request and present the outcome.
import { resolve } from 'node:path';
import type { BaselineProject, DeployedBaselineAccess } from '../environments/find-baseline.js';
import {
  type BaselineSource,
  type EvalReport,
  type PartialResult,
  readEvalReport,
} from '../metrics/index.js';
import type { CommandSpec } from './command.js';
import { evaluate } from './evaluate.js';
import { assertGpuAvailable, describeGpus, detectGpus, type Gpu } from './gpus.js';
import { mergeShardResults } from './merge.js';
import { type LoadedProject, loadProject } from './project.js';
import { runnerIdentity } from './report-context.js';
import type { Shard } from './shards.js';
import { writeJsonAtomic } from './write.js';

/** Predictions and partial result files live here, beside slipway.yaml, whichever door runs. */
export const EVAL_WORK_DIR = '.slipway/eval';

export interface EvaluateProjectRequest {
  /** slipway.yaml: absolute, or relative to `root`. */
  readonly config: string;
  /** The directory every other relative path (baseline, report, partial globs) is resolved against and shown from. */
  readonly root: string;
  /** Merge these partial result files (globs relative to `root`) into one report instead of running the command. */
  readonly partials?: readonly string[];
  /** Replaces eval.command. */
  readonly command?: CommandSpec;
  /** Only these test sets; undefined or empty: all. */
  readonly testSets?: readonly string[];
  /** This run's matrix shard; with a count above 1 the outcome is partial files, not a report. */
  readonly shard?: Shard;
  /** Replaces eval.timeout-minutes. */
  readonly timeoutMinutes?: number;
  /** Fail when the machine has no GPU. */
  readonly requireGpu?: boolean;
  /**
   * What to compare with: `environment:<name>` (the version deployed there), an earlier report's path,
   * or `none`; undefined: baseline.environment of slipway.yaml, else nothing.
   */
  readonly baseline?: string;
  /** Where and how an environment baseline is read (environment repository, token, registry). */
  readonly deployedBaseline?: DeployedBaselineAccess;
  /** The training record to put in the report; undefined: the one training left beside slipway.yaml, if any. */
  readonly trainingRecord?: string;
  /** Where the report is written; default `.slipway/eval/report.json` beside slipway.yaml. */
  readonly reportPath?: string;
  /**
   * The environment the eval command inherits, less action inputs (INPUT_*) and runner credentials, which
   * are withheld (commandEnvironment); also names the runner and commit (RUNNER_NAME, GITHUB_SHA).
   */
  readonly env: Record<string, string | undefined>;
  /** The command's output and Slipway's progress, line by line. */
  readonly log?: (line: string) => void;
  /** Where to look for nvidia-smi (tests pass a stand-in). */
  readonly nvidiaSmi?: string;
}

interface OutcomeCommon {
  readonly loaded: LoadedProject;
  readonly gpus: readonly Gpu[];
  /** `.slipway/eval` beside slipway.yaml. */
  readonly workDir: string;
}

export type EvaluateOutcome =
  | (OutcomeCommon & {
      readonly kind: 'report';
      readonly report: EvalReport;
      /** Absolute path the report was written to. */
      readonly reportPath: string;
      readonly baseline?: EvalReport;
      /** The partial files merged, shown relative to `root` (merge mode only). */
      readonly mergedFiles?: readonly string[];
      /** One sentence naming the failed gates; undefined when every gate passed. */
      readonly failure?: string;
    })
  | (OutcomeCommon & {
      readonly kind: 'partials';
      readonly shard: Shard;
      readonly partials: readonly PartialResult[];
      /** Absolute paths of the partial files written. */
      readonly partialFiles: readonly string[];
      /** The directory they were written to, for the merge step. */
      readonly partialsDir: string;
    });

/** Runs (or merges) the evaluation and writes the report. Throws SlipwayErrors for what the user can fix. */
export async function evaluateProject(request: EvaluateProjectRequest): Promise<EvaluateOutcome> {
  const root = request.root;
  const log = request.log ?? (() => {});
  // Independent look-ups run together: they are the start-up time of every evaluation.
  const [gpus, loaded] = await Promise.all([
    detectGpus(request.nvidiaSmi),
    loadProject(resolve(root, request.config), root),
  ]);
  log(describeGpus(gpus));
  assertGpuAvailable(gpus, request.requireGpu === true);
  // A matrix shard writes partial files and decides no gate: it needs no baseline.
  const { report: baseline, source: baselineSource } =
    request.shard && request.shard.count > 1 && !request.partials
      ? {}
      : await chooseBaseline(request, loaded);
  if (baselineSource) log(describeBaselineSource(baselineSource));
  const provenance = {
    ...(request.trainingRecord ? { trainingRecord: resolve(root, request.trainingRecord) } : {}),
    ...(baselineSource ? { baselineSource } : {}),
  };
  const runner = runnerIdentity(request.env);
  const workDir = resolve(loaded.projectDir, EVAL_WORK_DIR);
  const testSets = request.testSets && request.testSets.length > 0 ? request.testSets : undefined;
  const common = {
    loaded,
    ...(request.command ? { command: request.command } : {}),
    ...(testSets ? { testSets } : {}),
    runner,
    gpus,
    ...(baseline ? { baseline } : {}),
    provenance,
  };

  let report: EvalReport;
  let mergedFiles: readonly string[] | undefined;
  if (request.partials) {
    const merged = await mergeShardResults({ ...common, partials: request.partials, root });
    report = merged.report;
    mergedFiles = merged.files;
  } else {
    const result = await evaluate({
      ...common,
      ...(request.shard ? { shard: request.shard } : {}),
      ...(request.timeoutMinutes !== undefined ? { timeoutMinutes: request.timeoutMinutes } : {}),
      workDir,
      env: request.env,
      log,
    });
    if (result.kind === 'partials') {
      return {
        kind: 'partials',
        loaded,
        gpus,
        workDir,
        shard: result.shard,
        partials: result.partials,
        partialFiles: result.partialFiles,
        partialsDir: resolve(workDir, 'partials'),
      };
    }
    report = result.report;
  }

  const reportPath = request.reportPath ? resolve(root, request.reportPath) : resolve(workDir, 'report.json');
  await writeJsonAtomic(reportPath, report);
  const failure = gateFailure(report);
  return {
    kind: 'report',
    loaded,
    gpus,
    workDir,
    report,
    reportPath,
    ...(baseline ? { baseline } : {}),
    ...(mergedFiles ? { mergedFiles } : {}),
    ...(failure ? { failure } : {}),
  };
}

/**
 * The baseline: a report file, the version deployed in an environment, or none. The environment
 * repository and registry clients load only when an environment baseline is asked for.
 */
async function chooseBaseline(
  request: EvaluateProjectRequest,
  loaded: LoadedProject,
): Promise<{ report?: EvalReport; source?: BaselineSource }> {
  const given = request.baseline?.trim();
  if (given === 'none') return {};
  const project = loaded.project as BaselineProject;
  if (given && !given.startsWith('environment:')) {
    return {
      report: await readEvalReport(resolve(request.root, given)),
      source: { source: 'file', path: given },
    };
  }
  if (!given && !project.baseline?.environment) return {};
  const { findBaseline } = await import('../environments/find-baseline.js');
  return findBaseline({
    ...request.deployedBaseline,
    project,
    ...(given ? { baseline: given } : {}),
    root: request.root,
  });
}

/** One line saying what the change is compared with. */
export function describeBaselineSource(source: BaselineSource): string {
  if (source.source === 'file') return `Baseline: ${source.path}`;
  if (!source.deployed) return `Baseline ${source.environment}: ${source.note}`;
  return `Baseline: ${source.version ?? 'the version'} deployed in ${source.environment}, ${source.artifact}, eval report ${source.reportDigest}`;
}

/** The sentence for failed gates (the first five, then a count), or undefined when all passed. */
export function gateFailure(report: EvalReport): string | undefined {
  const failed = report.gates.filter((gate) => !gate.passed);
  if (failed.length === 0) return undefined;
  const first = failed.slice(0, 5).map((g) => `${g.testSet}${g.slice ? ` / ${g.slice}` : ''}: ${g.reason}`);
  return (
    `${failed.length} of ${report.gates.length} gates failed:\n  ${first.join('\n  ')}` +
    (failed.length > 5 ? `\n  …and ${failed.length - 5} more (see the job summary)` : '')
  );
}
