// OCI artifacts: models as CNCF ModelPack artifacts in any OCI registry or an OCI image layout.
export type { RegistryCredentials } from './auth.js';
export { parseChallenge } from './auth.js';
export { DEFAULT_PUBLISH_TIMEOUT_MINUTES, type Deadline, DeadlineError, startDeadline } from './deadline.js';
export { digestHex, isDigest, referrersFallbackTag, sha256Digest } from './digest.js';
export type { CachedLayer, DigestCacheOptions } from './digest-cache.js';
export { DEFAULT_RACY_MARGIN_MS, DigestCache, thisMachine } from './digest-cache.js';
export {
  AuthError,
  BlobRejectedError,
  DigestMismatchError,
  OciError,
  RegistryError,
  VersionExistsError,
} from './errors.js';
export {
  ANNOTATION_EVAL_REPORT,
  ANNOTATION_EVALUATED_FILES,
  checkEvaluatedFiles,
  type EvaluatedFilesCheck,
  EvaluatedFilesMismatchError,
} from './evaluated-files.js';
export type { FileIdentity, LayerReadOptions, ModelFile, PreparedLayer, StatedFile } from './layer.js';
export {
  hashLayer,
  layerDescriptor,
  layerSize,
  openLayer,
  prepareLayer,
  readLayer,
  statModelFile,
} from './layer.js';
export { LayoutStore } from './layout-store.js';
export * from './media-types.js';
export type { Descriptor, ImageIndex, ImageManifest, ModelMetadata } from './model-manifest.js';
export {
  addReferrer,
  buildModelConfig,
  buildModelManifest,
  buildReportManifest,
  EMPTY_CONFIG,
} from './model-manifest.js';
export type { BaseImage, ModelcarBase, ModelcarRequest, ModelcarResult, Platform } from './modelcar.js';
export {
  MODELCAR_DIRECTORY,
  modelcarTag,
  OCI_IMAGE_CONFIG,
  OCI_LAYER_TAR,
  publishModelcar,
  readBase,
} from './modelcar.js';
export type { StoreOptions } from './open-store.js';
export {
  modelcarMountFrom,
  openModelcarBase,
  openStore,
  resolveCreated,
  targetLocation,
} from './open-store.js';
export type { PublishedBlob, PublishProgress, PublishRequest, PublishResult } from './publish.js';
export { publishModel, versionTag } from './publish.js';
export { DEFAULT_PARALLEL_UPLOADS } from './publish-defaults.js';
export type { PublishOverrides, PublishPlan, PublishTarget } from './publish-plan.js';
export { readEvalReportBytes, readPublishPlan } from './publish-plan.js';
export {
  type CredentialInputs,
  type PublishOutcome,
  type PublishProjectRequest,
  parseRemote,
  publishProject,
  registryCredentials,
  type SourceContext,
} from './publish-project.js';
export type { PullRequest, PullResult } from './pull.js';
export { fetchReferrerByDigest, fetchReport, pullModel } from './pull.js';
export type { ArtifactReference } from './reference.js';
export { formatReference, parseReference, REPOSITORY_PATTERN, TAG_PATTERN } from './reference.js';
export { DEFAULT_IDLE_TIMEOUT_MS } from './registry-http.js';
export type { RegistryStoreOptions } from './registry-store.js';
export { RegistryStore } from './registry-store.js';
export type { RetryPolicy } from './retry.js';
export { backoffDelay, DEFAULT_RETRY, isRetryable, parseRetryAfter } from './retry.js';
export type { ArtifactStore, NewBlob, OpenBlob, StoredManifest } from './store.js';
export { TAR_END, tarArchiveSize, tarFileHeader, tarPadding } from './tar.js';
