// @slipway/core/environments: the environment manifest repository — its slipway.yaml (kind: Environments),
// byte-preserving manifest edits, the content of a deployment pull request, and proposing a deployment
// (proposeDeployment → openEnvironmentPr, through the GitHub API layer in github/).
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
  artifactReferenceOf,
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
export { environmentRepository } from './environment-repository.js';
export {
  type EvalSummary,
  type MetricRow,
  renderProposalEvalSummary,
  summarizeEval,
} from './eval-summary.js';
export {
  type BaselineChoice,
  type BaselineProject,
  type BaselineRequest,
  type DeployedBaselineAccess,
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
  openEnvironmentPr,
  ProposalError,
  type ProposalOutcome,
  type ProposalRequest,
  type ProposalResult,
} from './open-environment-pr.js';
export {
  closedAsEmptyComment,
  commitMessage,
  leftAloneComment,
  type PromotionProvenance,
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
  readProjectDefaults,
} from './proposal-inputs.js';
export { type ProposeDeploymentRequest, proposeDeployment } from './propose-deployment.js';
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
