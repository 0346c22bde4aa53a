// @slipway/core/environments: the environment manifest repository — its slipway.yaml (kind: Environments),
// byte-preserving manifest edits, and the content of a deployment pull request.

export {
  type DeployedBaseline,
  DeployedBaselineError,
  type DeployedBaselineRequest,
  type EnvironmentRepository,
  parseEnvironmentBaseline,
  resolveDeployedBaseline,
} from './deployed-baseline.js';
export {
  annotationKeys,
  checkRelease,
  compareVersions,
  type DeployedModel,
  deploymentEdits,
  type ManifestChange,
  type ModelRelease,
  ModelReleaseError,
  planManifestChange,
  readDeployedModel,
  sha256,
  storageUriOf,
} from './deployment.js';
export { type EvalSummary, type MetricRow, renderEvalSummary, summarizeEval } from './eval-summary.js';
export {
  type BaselineChoice,
  type BaselineProject,
  type BaselineRequest,
  findBaseline,
} from './find-baseline.js';
export {
  editManifest,
  formatYamlPath,
  isPlainText,
  type ManifestEdit,
  ManifestEditError,
  parseYamlPath,
  readManifestValue,
  renderScalar,
  type YamlPath,
} from './manifest-edit.js';
export {
  closedAsEmptyComment,
  commitMessage,
  leftAloneComment,
  type ProposalContent,
  type ProposalMarker,
  parseMarker,
  proposalBody,
  proposalBranch,
  proposalRecord,
  proposalTitle,
  readTrailers,
  renderMarker,
  trailers,
} from './pr-content.js';
export {
  buildRelease,
  lineageFromEnvironment,
  type ProjectDefaults,
  parseArtifactReference,
  type ReleaseParts,
  readJsonFile,
  readProjectDefaults,
} from './proposal-inputs.js';
export {
  type DeploymentTarget,
  defaultAnnotationsPath,
  defaultStorageUriPath,
  type EnvironmentPolicy,
  type EnvironmentSpec,
  type EnvironmentsConfig,
  EnvironmentsConfigError,
  environmentsConfigFile,
  type MergeMethod,
  type ModelSpec,
  parseEnvironmentsConfig,
  resolveTarget,
} from './repository-config.js';
