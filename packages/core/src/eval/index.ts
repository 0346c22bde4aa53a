// @slipway/core/eval: runs a project's eval command (no shell, streamed output, timeout, whole process tree
// killed), shard by shard and GPU by GPU, ingests its predictions through @slipway/core/metrics, merges
// matrix shards, and renders the report as Markdown.
export {
  type CommandResult,
  type CommandSpec,
  commandArgv,
  formatDuration,
  type RunCommandOptions,
  runCommand,
} from './command.js';
export { EvaluationError } from './errors.js';
export { type EvaluateOptions, type EvaluationResult, evaluate, partialFileName } from './evaluate.js';
export {
  EVAL_WORK_DIR,
  type EvaluateOutcome,
  type EvaluateProjectRequest,
  evaluateProject,
  gateFailure,
} from './evaluate-project.js';
export {
  assertGpuAvailable,
  describeGpus,
  detectGpus,
  type Gpu,
  NVIDIA_SMI_ARGS,
  parseGpuInventory,
} from './gpus.js';
export { type MergeOptions, type MergeResult, mergeShardResults } from './merge.js';
export {
  type EvalProject,
  evalTimeoutMs,
  type LoadedProject,
  loadProject,
  parseTimeoutMinutes,
  selectTestSets,
} from './project.js';
export { addProvenance, type ProvenanceOptions } from './provenance.js';
export { type ContextInput, type RunnerIdentity, reportContext, runnerIdentity } from './report-context.js';
export {
  checkShard,
  formatShard,
  type LocalShard,
  parseShard,
  planLocalShards,
  type Shard,
  shardCoverageProblems,
  wholeTestSet,
} from './shards.js';
export {
  baselineLine,
  EVAL_SUMMARY_LIMIT,
  gatesVerdict,
  renderEvalSummary,
  type SummaryOptions,
  shownMetrics,
} from './summary.js';
export {
  defaultRecordPath,
  readTrainingRecord,
  TrainingError,
  type TrainOutcome,
  type TrainRequest,
  trainProject,
} from './train.js';
export { writeFileAtomic, writeJsonAtomic } from './write.js';
