// The JSON documents of a ModelPack artifact: config, manifest, and the eval report's referrer manifest.
// All are built from plain data with a fixed key order, so the same inputs give the same bytes.
import { sha256Digest } from './digest.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_FILEPATH,
  ANNOTATION_MODEL_NAME,
  ANNOTATION_MODEL_VERSION,
  ANNOTATION_REVISION,
  ANNOTATION_SOURCE,
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
  EMPTY_CONFIG_BYTES,
  EVAL_REPORT_ARTIFACT_TYPE,
  MODEL_ARTIFACT_TYPE,
  MODEL_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * The content itself, base64 (OCI image-spec 1.1 descriptor `data`): a reader that trusts the manifest's
   * digest has the bytes without fetching the blob.
   */
  readonly data?: string;
}

export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: typeof OCI_MANIFEST;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: typeof OCI_INDEX;
  readonly manifests: readonly Descriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A JSON document with its exact bytes and its descriptor. */
export interface Document<T> {
  readonly value: T;
  readonly bytes: Buffer;
  readonly descriptor: Descriptor;
}

/** What is said about the model beyond its files. */
export interface ModelMetadata {
  readonly name: string;
  readonly version: string;
  /** RFC 3339; from the commit, so republishing the same commit gives the same digest. */
  readonly created?: string;
  /** Repository URL, e.g. https://github.com/acme/vision. */
  readonly source?: string;
  /** Commit SHA. */
  readonly revision?: string;
  readonly description?: string;
  readonly licenses?: readonly string[];
  /** Further manifest annotations (what publishing checked, e.g. that the files are the evaluated ones). */
  readonly annotations?: Readonly<Record<string, string>>;
}

export function toDocument<T>(value: T, mediaType: string, artifactType?: string): Document<T> {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  const descriptor: Descriptor = {
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.length,
    ...(artifactType ? { artifactType } : {}),
  };
  return { value, bytes, descriptor };
}

/**
 * The ModelPack config: who the model is, and the DiffIDs of its layers (uncompressed: the digests), under
 * `modelfs.diffIds` as the spec names them since v0.0.7 (its JSON Schema rejects the older `diff_ids`).
 */
export function buildModelConfig(meta: ModelMetadata, layers: readonly Descriptor[]): Document<unknown> {
  const descriptor = compact({
    createdAt: meta.created,
    name: meta.name,
    version: meta.version,
    description: meta.description,
    sourceURL: meta.source,
    revision: meta.revision,
    licenses: meta.licenses && meta.licenses.length > 0 ? meta.licenses : undefined,
  });
  const config = {
    descriptor,
    config: {},
    modelfs: { type: 'layers', diffIds: layers.map((layer) => layer.digest) },
  };
  return toDocument(config, MODEL_CONFIG);
}

export function buildModelManifest(
  meta: ModelMetadata,
  config: Descriptor,
  layers: readonly Descriptor[],
): Document<ImageManifest> {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: MODEL_ARTIFACT_TYPE,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map(withTitle),
    annotations: compact({
      [ANNOTATION_CREATED]: meta.created,
      [ANNOTATION_SOURCE]: meta.source,
      [ANNOTATION_REVISION]: meta.revision,
      [ANNOTATION_TITLE]: meta.name,
      [ANNOTATION_VERSION]: meta.version,
      [ANNOTATION_MODEL_NAME]: meta.name,
      [ANNOTATION_MODEL_VERSION]: meta.version,
      ...meta.annotations,
    }),
  };
  return toDocument(manifest, OCI_MANIFEST, MODEL_ARTIFACT_TYPE);
}

/**
 * The layer's file name for tools that write blobs to files by title (`oras pull`). A layer is a one-file tar,
 * so the name says so: `oras pull` writes `weights/model.onnx.tar`, and `tar -xf` gives `weights/model.onnx`.
 * Naming it `weights/model.onnx` would write a tar under the model file's name.
 */
export function layerTitle(layer: Descriptor): string {
  const path = layer.annotations?.[ANNOTATION_FILEPATH];
  return `${path ?? layer.digest.replace(':', '-')}.tar`;
}

function withTitle(layer: Descriptor): Descriptor {
  if (layer.annotations?.[ANNOTATION_TITLE]) return layer;
  return { ...layer, annotations: { ...layer.annotations, [ANNOTATION_TITLE]: layerTitle(layer) } };
}

/** The empty config every non-image artifact points at. */
export const EMPTY_CONFIG: Descriptor = {
  mediaType: OCI_EMPTY,
  digest: sha256Digest(EMPTY_CONFIG_BYTES),
  size: EMPTY_CONFIG_BYTES.length,
};

/** A JSON document's blob (the eval report by default) and the manifest that attaches it to the model as a referrer. */
/** The largest referrer document (eval report, training record) embedded in its manifest's descriptor. */
export const EMBED_LIMIT_BYTES = 64 * 1024;

export function buildReportManifest(
  report: Buffer,
  subject: Descriptor,
  created: string | undefined,
  artifactType = EVAL_REPORT_ARTIFACT_TYPE,
  title = 'eval-report.json',
): { blob: Descriptor; manifest: Document<ImageManifest> } {
  const blob: Descriptor = {
    mediaType: artifactType,
    digest: sha256Digest(report),
    size: report.length,
    annotations: { [ANNOTATION_TITLE]: title },
  };
  // A small report travels inside its manifest as well as in its blob, so whoever holds the manifest's
  // digest (an environment record) reads it in one request instead of two; the blob is still pushed for
  // readers that ignore `data`. Large ones are not embedded: registries cap a manifest's size (4 MiB in
  // distribution) and the spec asks to embed only small content.
  const layer = report.length <= EMBED_LIMIT_BYTES ? { ...blob, data: report.toString('base64') } : blob;
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: EMPTY_CONFIG,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(created ? { annotations: { [ANNOTATION_CREATED]: created } } : {}),
  };
  return { blob, manifest: toDocument(manifest, OCI_MANIFEST, artifactType) };
}

/** Adds a referrer to a fallback tag index (or starts one), keeping each manifest once. */
export function addReferrer(index: ImageIndex | undefined, referrer: Descriptor): Document<ImageIndex> {
  const others = (index?.manifests ?? []).filter((entry) => entry.digest !== referrer.digest);
  return toDocument({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...others, referrer] }, OCI_INDEX);
}

function compact<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
