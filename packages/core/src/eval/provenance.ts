// What an eval report says about the model beyond its metrics: the digests of the files the artifact will
// contain (so publishing can refuse other bytes), the training run that produced them, and what the
// change was compared with. Added to the report once its metrics and gates are built, by the one ending
// a run and a merge of shards share (finishReport).
import { stat } from 'node:fs/promises';
import { recordFiles } from '../config/recorded-files.js';
import {
  type BaselineSource,
  buildEvalReport,
  type EvalReport,
  type PartialResult,
  type RecordedFile,
  type ReportWarning,
  type TrainingRecord,
} from '../metrics/index.js';
import type { Gpu } from './gpus.js';
import type { LoadedProject } from './project.js';
import { type RunnerIdentity, reportContext } from './report-context.js';
import { defaultRecordPath, readTrainingRecord } from './train.js';

export interface ProvenanceOptions {
  /** The training record to include; undefined: the one `slipway train` left beside slipway.yaml, if any. */
  readonly trainingRecord?: string;
  /** What the baseline was (a file, a deployed model, or nothing deployed). */
  readonly baselineSource?: BaselineSource;
  /** The artifact files as the shards evaluated them (a merge); undefined: hashed from the checkout now. */
  readonly artifactFiles?: readonly RecordedFile[];
}

export interface FinishReportOptions {
  readonly loaded: LoadedProject;
  /** The eval command as run (or as it would have run, for a merge). */
  readonly argv: readonly string[];
  readonly runner: RunnerIdentity;
  readonly gpus: readonly Gpu[];
  readonly baseline?: EvalReport;
  readonly provenance?: ProvenanceOptions;
}

/** The report of these results: context (commit, runner, GPUs), metrics and gates, then provenance. */
export async function finishReport(
  results: readonly PartialResult[],
  options: FinishReportOptions,
): Promise<EvalReport> {
  const { project, projectDir } = options.loaded;
  const context = await reportContext({
    project,
    projectDir,
    argv: options.argv,
    runner: options.runner,
    gpus: options.gpus,
  });
  const report = buildEvalReport({
    config: project,
    results,
    context,
    ...(options.baseline ? { baseline: options.baseline } : {}),
  });
  return addProvenance(report, options.loaded, options.provenance);
}

/** The digests of artifact.files as they are now; undefined when slipway.yaml names none. */
export async function artifactFileDigests(loaded: LoadedProject): Promise<RecordedFile[] | undefined> {
  const { projectDir, project } = loaded;
  const files = (project as { artifact?: { files?: Array<{ path: string }> } }).artifact?.files ?? [];
  if (files.length === 0) return undefined;
  return recordFiles(
    projectDir,
    files.map((file) => file.path),
  );
}

export async function addProvenance(
  report: EvalReport,
  loaded: LoadedProject,
  options: ProvenanceOptions = {},
): Promise<EvalReport> {
  const { projectDir } = loaded;
  const artifactFiles = options.artifactFiles
    ? [...options.artifactFiles]
    : await artifactFileDigests(loaded);
  const recordPath = options.trainingRecord ?? defaultRecordPath(projectDir);
  const explicit = options.trainingRecord !== undefined;
  const training: TrainingRecord | undefined =
    explicit || (await stat(recordPath).catch(() => undefined))?.isFile()
      ? await readTrainingRecord(recordPath)
      : undefined;
  const warnings: ReportWarning[] = [...report.warnings];
  if (training && artifactFiles) {
    // A record is only the model's history when the files evaluated are the files that training wrote.
    const written = new Map(training.outputs.map((file) => [file.path, file.digest]));
    const changed = artifactFiles.filter(
      (file) => written.has(file.path) && written.get(file.path) !== file.digest,
    );
    if (changed.length > 0) {
      warnings.push({
        kind: 'training',
        testSet: '',
        message: `the training record ${recordPath} is for other files than those evaluated (${changed.map((f) => `${f.path}: trained ${written.get(f.path)}, evaluated ${f.digest}`).join('; ')}); train again or give the matching record`,
      });
    }
  }
  return {
    ...report,
    warnings,
    ...(artifactFiles ? { artifactFiles } : {}),
    ...(training ? { training } : {}),
    ...(options.baselineSource ? { baseline: options.baselineSource } : {}),
  };
}
