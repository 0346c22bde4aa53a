// trainProject: runs train.command on this runner with the runner evaluation uses (no shell, streamed
// output, timeout, whole process tree killed, GPU inventory), then writes the training record: the commit
// and slipway.yaml it trained from, the digests of the data slipway.yaml names and of the files training
// left for the artifact, the parameters the command reported, the runner, its GPUs and the wall time.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { recordFile, recordFiles } from '../config/recorded-files.js';
import type { Project } from '../config/types.generated.js';
import { trainingRecord as validateTrainingRecord } from '../config/validators.generated.js';
import { SlipwayError } from '../errors/index.js';
import type { TrainingRecord } from '../metrics/index.js';
import { type CommandSpec, commandArgv, formatDuration, runCommand } from './command.js';
import { commandEnvironment } from './command-environment.js';
import { assertGpuAvailable, describeGpus, detectGpus, type Gpu } from './gpus.js';
import { type LoadedProject, loadProject } from './project.js';
import { reportContext, runnerIdentity } from './report-context.js';
import { writeJsonAtomic } from './write.js';

/** Training that cannot run or did not succeed: the message says which command, what happened, what to do. */
export class TrainingError extends SlipwayError {
  override name = 'TrainingError';
}

export interface TrainRequest {
  /** slipway.yaml: absolute, or relative to `root`. */
  readonly config: string;
  /** The directory relative paths are resolved against. */
  readonly root: string;
  /** Replaces train.command. */
  readonly command?: CommandSpec;
  /** Replaces train.timeout-minutes (default 60). */
  readonly timeoutMinutes?: number;
  /** Fail when the machine has no GPU. */
  readonly requireGpu?: boolean;
  /**
   * The environment the command inherits, less action inputs and runner credentials (commandEnvironment);
   * SLIPWAY_* are set on top. Also names the runner and commit.
   */
  readonly env: Record<string, string | undefined>;
  /** Where the record is written (absolute, or relative to `root`); default .slipway/train/record.json beside slipway.yaml. */
  readonly recordPath?: string;
  readonly signal?: AbortSignal;
  /** The command's output and the GPU inventory, line by line. */
  readonly log?: (line: string) => void;
  /** Where to look for nvidia-smi (tests pass a stand-in). */
  readonly nvidiaSmi?: string;
}

export interface TrainOutcome {
  readonly loaded: LoadedProject;
  readonly gpus: readonly Gpu[];
  readonly record: TrainingRecord;
  /** Absolute path of the record written. */
  readonly recordPath: string;
}

/** Where training leaves its record unless told otherwise; evaluation picks it up from there. */
export const defaultRecordPath = (projectDir: string) => resolve(projectDir, '.slipway/train/record.json');

export async function trainProject(request: TrainRequest): Promise<TrainOutcome> {
  const log = request.log ?? (() => {});
  const [gpus, loaded] = await Promise.all([
    detectGpus(request.nvidiaSmi),
    loadProject(resolve(request.root, request.config), request.root),
  ]);
  log(describeGpus(gpus));
  assertGpuAvailable(gpus, request.requireGpu === true);
  const { projectDir, configPath } = loaded;
  const project = loaded.project as Project;
  const spec = request.command ?? project.train?.command;
  if (spec === undefined) {
    throw new TrainingError(
      `${shownPath(configPath)} has no train section: add train.command (e.g. [python3, train.py]) to say how the model is trained.`,
      { where: shownPath(configPath), expected: 'train.command' },
    );
  }
  const argv = commandArgv(spec);
  const recordPath = request.recordPath
    ? resolve(request.root, request.recordPath)
    : defaultRecordPath(projectDir);
  const parametersPath = resolve(projectDir, '.slipway/train/parameters.json');
  // A parameters file from an earlier run must never pass for this run's.
  await rm(parametersPath, { force: true });
  await mkdir(dirname(parametersPath), { recursive: true });

  // Inputs are recorded as they are when training starts: a data file changed halfway is not what trained the model.
  const dataPaths = [...(project.train?.data ?? []), ...project['test-sets'].map((set) => set.path)];
  const [configFile, data] = await Promise.all([
    recordFile(projectDir, configPath),
    recordFiles(projectDir, dataPaths),
  ]);

  const env = commandEnvironment(request.env, {
    SLIPWAY_TRAIN_PARAMETERS: parametersPath,
    SLIPWAY_PROJECT_DIR: projectDir,
  });
  // Training is one process and gets every GPU of the runner; it decides how to use them.
  if (gpus.length > 0) env.CUDA_VISIBLE_DEVICES = gpus.map((gpu) => gpu.index).join(',');
  const minutes = request.timeoutMinutes ?? project.train?.['timeout-minutes'] ?? 60;
  const startedAt = new Date();
  log(`[train] running ${argv.join(' ')}`);
  const result = await runCommand({
    command: argv,
    cwd: projectDir,
    env,
    timeoutMs: Math.round(minutes * 60_000),
    role: 'train command',
    ...(request.signal ? { signal: request.signal } : {}),
    onLine: (line) => log(`[train] ${line}`),
  }).catch((error: unknown) => {
    throw new TrainingError((error as Error).message, { where: argv.join(' '), cause: error });
  });
  if (result.exitCode !== 0) {
    throw new TrainingError(
      `The train command '${argv.join(' ')}' failed with exit code ${result.exitCode}; its output is above. No training record was written.`,
      { where: argv.join(' '), expected: 'exit code 0' },
    );
  }
  log(`[train] done in ${formatDuration(result.durationMs)}`);

  const outputs = await recordFiles(
    projectDir,
    (project.artifact?.files ?? []).map((file) => file.path),
  ).catch((error: unknown) => {
    throw new TrainingError(
      `The train command '${argv.join(' ')}' exited successfully, but a file artifact.files names is missing: ${(error as Error).message}`,
      {
        where: shownPath(configPath),
        expected: 'every artifact.files path written by training or in the project',
        cause: error,
      },
    );
  });
  const context = await reportContext({
    project,
    projectDir,
    argv,
    runner: runnerIdentity(request.env),
    gpus,
  });
  const record: TrainingRecord = {
    apiVersion: 'slipway.dev/v1',
    kind: 'TrainingRecord',
    model: context.model,
    commit: context.commit,
    config: { ...configFile, path: relative(projectDir, configPath).split(sep).join('/') },
    command: argv,
    data,
    outputs,
    parameters: await readParameters(parametersPath, argv),
    runner: context.runner,
    gpus: context.gpus,
    startedAt: startedAt.toISOString(),
    wallTimeSeconds: Math.round(result.durationMs) / 1000,
  };
  if (!validateTrainingRecord(record)) {
    const first = validateTrainingRecord.errors?.[0];
    throw new Error(`Slipway built an invalid training record (${first?.instancePath} ${first?.message}).`);
  }
  await writeJsonAtomic(recordPath, record);
  return { loaded, gpus, record, recordPath };
}

/** The JSON object the command wrote to SLIPWAY_TRAIN_PARAMETERS; none written means no parameters. */
async function readParameters(path: string, argv: readonly string[]): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TrainingError(
      `The train command '${argv.join(' ')}' wrote ${path} (SLIPWAY_TRAIN_PARAMETERS), but it is not valid JSON: ${(error as Error).message}.`,
      { where: path, expected: 'a JSON object of parameters, e.g. {"epochs": 3000}' },
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new TrainingError(
      `The train command '${argv.join(' ')}' wrote ${path} (SLIPWAY_TRAIN_PARAMETERS), but it holds ${Array.isArray(value) ? 'a list' : typeof value}, not a JSON object.`,
      { where: path, expected: 'a JSON object of parameters, e.g. {"epochs": 3000}' },
    );
  }
  return value as Record<string, unknown>;
}

function shownPath(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** Reads a training record written by trainProject (or handed between jobs), checked against its schema. */
export async function readTrainingRecord(path: string): Promise<TrainingRecord> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TrainingError(
      `Training record ${path}: ${code === 'ENOENT' ? 'no such file' : code ? `cannot be read (${code})` : `not valid JSON (${(error as Error).message})`}. Expected the record slipway train (or the train-model action) wrote.`,
      { where: path, expected: 'a training record (schemas/training-record.schema.json)', cause: error },
    );
  }
  if (!validateTrainingRecord(value)) {
    const first = validateTrainingRecord.errors?.[0];
    throw new TrainingError(
      `Training record ${path} does not match schemas/training-record.schema.json${first?.instancePath ? ` at ${first.instancePath}` : ''}: ${first?.message ?? 'invalid'}.`,
      { where: path, expected: 'a training record (schemas/training-record.schema.json)' },
    );
  }
  return value as TrainingRecord;
}
