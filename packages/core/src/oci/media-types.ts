// Media types and annotation keys of the OCI image spec and the CNCF ModelPack model-spec.
// Kept in one place so the publisher, the puller and the tests agree on every string.

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** What a manifest read accepts: an image manifest or an index. */
export const MANIFEST_ACCEPT = `${OCI_MANIFEST}, ${OCI_INDEX}`;
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const OCI_LAYOUT_VERSION = '1.0.0';

export const MODEL_ARTIFACT_TYPE = 'application/vnd.cncf.model.manifest.v1+json';
export const MODEL_CONFIG = 'application/vnd.cncf.model.config.v1+json';
export const EVAL_REPORT_ARTIFACT_TYPE = 'application/vnd.slipway.eval-report.v1+json';
export const TRAINING_RECORD_ARTIFACT_TYPE = 'application/vnd.slipway.training-record.v1+json';

/** What a model file is, in slipway.yaml's words (`artifact.files[].type`). */
export type ModelFileType = 'weight' | 'weight-config' | 'doc' | 'code' | 'dataset';
export const MODEL_FILE_TYPES: readonly ModelFileType[] = [
  'weight',
  'weight-config',
  'doc',
  'code',
  'dataset',
];

/** Layers are uncompressed tars: weights do not compress, and an uncompressed tar's digest is its DiffID. */
export const LAYER_MEDIA_TYPES: Readonly<Record<ModelFileType, string>> = {
  weight: 'application/vnd.cncf.model.weight.v1.tar',
  'weight-config': 'application/vnd.cncf.model.weight.config.v1.tar',
  doc: 'application/vnd.cncf.model.doc.v1.tar',
  code: 'application/vnd.cncf.model.code.v1.tar',
  dataset: 'application/vnd.cncf.model.dataset.v1.tar',
};

export const ANNOTATION_FILEPATH = 'org.cncf.model.filepath';
export const ANNOTATION_SOURCE = 'org.opencontainers.image.source';
export const ANNOTATION_REVISION = 'org.opencontainers.image.revision';
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
export const ANNOTATION_TITLE = 'org.opencontainers.image.title';
export const ANNOTATION_VERSION = 'org.opencontainers.image.version';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
export const ANNOTATION_MODEL_NAME = 'org.cncf.model.name';
export const ANNOTATION_MODEL_VERSION = 'org.cncf.model.version';

/** The empty JSON object `{}` every artifact without a real config points at. */
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');
