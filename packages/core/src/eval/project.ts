// Reads slipway.yaml for an evaluation: the same validation validate-config does (every problem located
// file:line:col), then the typed parts evaluation needs.
import { dirname, relative, resolve } from 'node:path';
import { didYouMean } from '../config/did-you-mean.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Project } from '../config/types.generated.js';
import { SlipwayError } from '../errors/index.js';
import type { MetricsConfig, TestSetConfig } from '../metrics/index.js';
import { EvaluationError } from './errors.js';

/** The parts of slipway.yaml evaluation reads (kebab-case keys as in the file), typed from the schema. */
export type EvalProject = MetricsConfig & Pick<Project, 'apiVersion' | 'kind' | 'model' | 'eval' | 'runner'>;

export interface LoadedProject {
  readonly project: EvalProject;
  /** Absolute path of slipway.yaml. */
  readonly configPath: string;
  /** The directory of slipway.yaml: the eval command's working directory and the root of test-set paths. */
  readonly projectDir: string;
}

/** Loads and validates slipway.yaml; an invalid file is an EvaluationError listing every error with its position. */
export async function loadProject(configPath: string, displayRoot = process.cwd()): Promise<LoadedProject> {
  const absolute = resolve(configPath);
  const shown = relative(displayRoot, absolute) || absolute;
  let project: EvalProject;
  try {
    project = loadConfig<EvalProject>(absolute, { file: shown, schema: 'project' }).data;
  } catch (error) {
    if (error instanceof ConfigError) throw new EvaluationError(error.message);
    throw error;
  }
  return { project, configPath: absolute, projectDir: dirname(absolute) };
}

/** The test sets to evaluate: all of them, or those named (each name must exist). */
export function selectTestSets(project: EvalProject, names: readonly string[] | undefined): TestSetConfig[] {
  const all = project['test-sets'];
  if (!names || names.length === 0) return all;
  const known = all.map((set) => set.name);
  return names.map((name) => {
    const found = all.find((set) => set.name === name);
    if (found) return found;
    const suggestion = didYouMean(name, known);
    throw new EvaluationError(
      `Unknown test set '${name}'. slipway.yaml defines ${known.map((k) => `'${k}'`).join(', ')}.` +
        (suggestion ? ` Did you mean '${suggestion}'?` : ''),
    );
  });
}

/** The longest timer Node keeps (2^31 - 1 ms): a longer one fires at once, killing the command at its start. */
const maxTimeoutMinutes = Math.floor((2 ** 31 - 1) / 60_000);

/**
 * A timeout override as a door reads it (`where`: `--timeout-minutes`, `input timeout-minutes`):
 * undefined when not given, else a positive number of minutes within what a timer can hold.
 */
export function parseTimeoutMinutes(text: string | undefined, where: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const minutes = Number(text);
  if (!(Number.isFinite(minutes) && minutes > 0 && minutes <= maxTimeoutMinutes)) {
    throw new SlipwayError(
      `Invalid ${where} '${text}'. Expected a positive number of minutes up to ${maxTimeoutMinutes}, e.g. 30.`,
      { where, expected: `a positive number of minutes up to ${maxTimeoutMinutes}` },
    );
  }
  return minutes;
}

/** Eval timeout: the override, else eval.timeout-minutes, else 60 minutes. */
export function evalTimeoutMs(project: EvalProject, overrideMinutes?: number): number {
  const minutes = overrideMinutes ?? project.eval['timeout-minutes'] ?? 60;
  return Math.round(minutes * 60_000);
}
