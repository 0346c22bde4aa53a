// Merge mode: the partial result files of a sharded matrix run become one report. Shards are checked to cover
// each test set exactly once, then merged through their sufficient statistics (never averages), so the
// report's metrics equal an unsharded run's exactly.
import { relative } from 'node:path';
import { type EvalReport, mergePartials, type PartialResult, readPartialResult } from '../metrics/index.js';
import { type CommandSpec, commandArgv } from './command.js';
import { EvaluationError } from './errors.js';
import type { Gpu } from './gpus.js';
import { type LoadedProject, selectTestSets } from './project.js';
import { finishReport, type ProvenanceOptions } from './provenance.js';
import type { RunnerIdentity } from './report-context.js';
import { parseShard, shardCoverageProblems } from './shards.js';

export interface MergeOptions {
  readonly loaded: LoadedProject;
  /** Globs (or paths) of partial result files, relative to `root`. */
  readonly partials: readonly string[];
  readonly root: string;
  readonly testSets?: readonly string[];
  readonly command?: CommandSpec;
  readonly runner: RunnerIdentity;
  readonly gpus: readonly Gpu[];
  readonly baseline?: EvalReport;
  /** The training record, what the baseline was: see ProvenanceOptions. */
  readonly provenance?: ProvenanceOptions;
}

export interface MergeResult {
  readonly report: EvalReport;
  readonly files: readonly string[];
  readonly merged: readonly PartialResult[];
}

export async function mergeShardResults(options: MergeOptions): Promise<MergeResult> {
  const { project } = options.loaded;
  const patterns = options.partials.filter((p) => p.trim() !== '');
  // Loaded here: only the merge step globs, and an evaluation that does not merge need not parse it.
  const { glob } = await import('tinyglobby');
  const files = (
    await glob(patterns, { cwd: options.root, absolute: true, onlyFiles: true, dot: true })
  ).sort();
  if (files.length === 0) {
    throw new EvaluationError(
      `No partial result files matched ${patterns.map((p) => `'${p}'`).join(', ')} in ${options.root}. ` +
        'Download every shard job’s partial files (actions/download-artifact) before the merge step, and point `partials` at them.',
    );
  }
  const byTestSet = new Map<string, Array<{ file: string; partial: PartialResult }>>();
  for (const file of files) {
    const partial = await readPartialResult(file);
    const group = byTestSet.get(partial.testSet) ?? [];
    group.push({ file, partial });
    byTestSet.set(partial.testSet, group);
  }

  const selected = selectTestSets(project, options.testSets);
  const shown = (file: string) => relative(options.root, file) || file;
  const unknown = [...byTestSet.keys()].filter(
    (name) => !project['test-sets'].some((set) => set.name === name),
  );
  if (unknown.length > 0) {
    const name = unknown[0]!;
    throw new EvaluationError(
      `${shown(byTestSet.get(name)![0]!.file)} holds results for test set '${name}', which ${shown(options.loaded.configPath)} ` +
        `does not define (it has ${project['test-sets'].map((s) => `'${s.name}'`).join(', ')}). Are the partial files from another project?`,
    );
  }

  const merged: PartialResult[] = [];
  for (const testSet of selected) {
    const group = byTestSet.get(testSet.name);
    if (!group) {
      throw new EvaluationError(
        `No partial results for test set '${testSet.name}' among ${files.length} file(s) matched by ` +
          `${patterns.map((p) => `'${p}'`).join(', ')}. Did its shard jobs fail, or were their files not downloaded?`,
      );
    }
    const shards = group.flatMap(({ file, partial }) =>
      partial.shards.map((label) => parseShard(label, `shard in ${shown(file)}`)),
    );
    const problems = shardCoverageProblems(shards);
    if (problems.length > 0) {
      throw new EvaluationError(
        `The partial results of test set '${testSet.name}' do not cover it exactly once: ${problems.join('; ')}. ` +
          `Found ${group.map(({ file, partial }) => `${shown(file)} (${partial.shards.join(', ')})`).join(', ')}.`,
      );
    }
    merged.push(mergePartials(group.map(({ partial }) => partial)));
  }

  const argv = commandArgv(options.command ?? project.eval.command);
  return {
    report: await finishReport(merged, { ...options, argv }),
    files: files.map(shown),
    merged,
  };
}
