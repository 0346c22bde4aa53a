// Merge mode: the partial result files of a sharded matrix run become one report. Shards are checked to cover
// each test set exactly once, then merged through their sufficient statistics (never averages), so the
// report's metrics equal an unsharded run's exactly.
import { relative } from 'node:path';
import {
  type EvalReport,
  mergePartials,
  type PartialResult,
  type RecordedFile,
  readPartialResult,
} from '../metrics/index.js';
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
    merged.push(
      mergePartials(
        group.map(({ partial }) => partial),
        group.map(({ file }) => shown(file)),
      ),
    );
  }

  const argv = commandArgv(options.command ?? project.eval.command);
  const artifactFiles = agreedArtifactFiles(
    [...byTestSet.values()].flat().sort((a, b) => (a.file < b.file ? -1 : 1)),
    options.loaded,
    shown,
  );
  const provenance = { ...options.provenance, ...(artifactFiles ? { artifactFiles } : {}) };
  return {
    report: await finishReport(merged, { ...options, argv, provenance }),
    files: files.map(shown),
    merged,
  };
}

/**
 * The artifact files the shards evaluated, which every partial file must agree on: the report's digests are
 * what publishing checks the artifact against, and hashing the merge job's checkout would vouch for bytes
 * no shard evaluated. Undefined when neither the shards nor slipway.yaml name artifact files.
 */
function agreedArtifactFiles(
  entries: ReadonlyArray<{ file: string; partial: PartialResult }>,
  loaded: LoadedProject,
  shown: (file: string) => string,
): RecordedFile[] | undefined {
  const declared = (loaded.project as { artifact?: { files?: unknown[] } }).artifact?.files ?? [];
  const first = entries.find(({ partial }) => partial.artifactFiles) ?? entries[0]!;
  const expected = first.partial.artifactFiles;
  if (!expected && declared.length === 0) return undefined;
  for (const { file, partial } of entries) {
    if (!partial.artifactFiles) {
      throw new EvaluationError(
        `${shown(file)} does not say which artifact files its shard evaluated, though ${shown(loaded.configPath)} ` +
          'names artifact.files: it was written by an older Slipway. Run every shard again with this version.',
        { where: shown(file), expected: 'a partial result with artifactFiles' },
      );
    }
    const difference = firstDifference(expected ?? [], partial.artifactFiles);
    if (difference) {
      throw new EvaluationError(
        `The shards evaluated different artifact files: ${shown(first.file)} and ${shown(file)} disagree on ${difference}. ` +
          'Every shard must evaluate the same model files; run them all from one commit (and one training run).',
        {
          where: `${shown(first.file)} and ${shown(file)}`,
          expected: 'the same artifact file digests in every shard',
        },
      );
    }
  }
  return expected;
}

/** The first file two digest lists disagree on, in words; undefined when they agree. */
function firstDifference(a: readonly RecordedFile[], b: readonly RecordedFile[]): string | undefined {
  const describe = (file: RecordedFile | undefined) =>
    file ? `${file.digest} (${file.size} bytes)` : 'absent';
  for (const path of [...new Set([...a, ...b].map((file) => file.path))].sort()) {
    const x = a.find((file) => file.path === path);
    const y = b.find((file) => file.path === path);
    if (x?.digest !== y?.digest || x?.size !== y?.size)
      return `${path}: ${describe(x)} against ${describe(y)}`;
  }
  return undefined;
}
