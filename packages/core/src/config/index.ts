export { type ArtifactPathCheck, checkArtifactPath } from './artifact-path.js';
export type { CompiledValidator, SchemaError } from './compiled-validator.js';
export { didYouMean } from './did-you-mean.js';
export type { FileReport, Finding, Severity, SourcePosition, ValidationReport } from './finding.js';
export { summarize } from './finding.js';
export { codeFrame, formatFinding, formatTotals, type Painter, plain } from './format.js';
export { gitEnvironment } from './git-environment.js';
export { type JsonFile, JsonFileError, readJsonFile } from './json-file.js';
export { ConfigError, type LoadedConfig, loadConfig } from './load.js';
export { formatPath, parsePointer } from './locate.js';
export {
  defaultBaselineMetrics,
  type MetricDirection,
  type MetricInfo,
  type MetricTask,
  metricCatalogue,
  metricDirection,
  metricsByTask,
  perClassMetrics,
} from './metric-catalogue.js';
export {
  type RecordedFile,
  RecordedFileError,
  recordFile,
  recordFiles,
} from './recorded-files.js';
export {
  type ConfigSource,
  maxAliasCount,
  maxConfigBytes,
  readConfigSource,
  readSourceForFrames,
} from './source.js';
export type {
  Environments,
  EnvironmentsModel,
  EnvironmentsPolicy,
  EvalReport as EvalReportDocument,
  Metrics,
  Predictions,
  Project,
  ProjectSlice,
  ProjectTestSet,
  ProjectThreshold,
} from './types.generated.js';
export {
  type CheckedConfig,
  checkConfigFile,
  type DeeperChecks,
  defaultConfigGlobs,
  findConfigFiles,
  NoConfigFilesError,
  type ValidateOptions,
  validateConfigFile,
  validateConfigs,
} from './validate.js';
export * as schemaValidators from './validators.generated.js';
