// The model as KServe serves it: a "modelcar", a runnable OCI image holding the model's files under /models.
//
// Why a second manifest: every KServe `oci://` storage URI mode runs the image (a sidecar started with
// `sh -c 'ln -s /proc/$$/root/models /mnt/models && sleep …'`), and a ModelPack artifact is not runnable.
// So beside the ModelPack artifact, and from the same files, publish an image: the layers of a small base
// image the user names (it must have `sh`), then one uncompressed layer per model file at
// `models/<path>`, and the base's config with those layers' DiffIDs appended. Same base, files and
// metadata → same digest. The environment repository pins this image by digest.
import { sha256Digest } from './digest.js';
import { OciError } from './errors.js';
import { type ModelFile, openLayer, type PreparedLayer, prepareLayer } from './layer.js';
import {
  ANNOTATION_CREATED,
  ANNOTATION_MODEL_NAME,
  ANNOTATION_MODEL_VERSION,
  ANNOTATION_REVISION,
  ANNOTATION_SOURCE,
  ANNOTATION_TITLE,
  ANNOTATION_VERSION,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';
import type { Descriptor, ImageManifest, ModelMetadata } from './model-manifest.js';
import type { ArtifactStore } from './store.js';

export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const ANNOTATION_BASE_NAME = 'org.opencontainers.image.base.name';
export const ANNOTATION_BASE_DIGEST = 'org.opencontainers.image.base.digest';
/** The ModelPack artifact this image was built beside, from the same files. */
export const ANNOTATION_MODEL_ARTIFACT = 'dev.slipway.model.artifact-digest';

/** Where KServe's modelcar sidecar looks for the model inside the image. */
export const MODELCAR_DIRECTORY = 'models';

/** A modelcar's tag: the version tag with a suffix, so it never collides with the artifact's. */
export function modelcarTag(versionTag: string): string {
  return `${versionTag.slice(0, 128 - '-modelcar'.length)}-modelcar`;
}

export interface ModelcarBase {
  /** Where the base image is. */
  readonly store: ArtifactStore;
  /** Tag or digest of the base image in that store. */
  readonly ref: string;
  /** How the user named it (e.g. docker.io/library/busybox:1.36), for the base-name annotation and messages. */
  readonly name: string;
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
}

export interface ModelcarRequest {
  /** Where the image goes: the same repository as the ModelPack artifact. */
  readonly store: ArtifactStore;
  readonly base: ModelcarBase;
  readonly files: readonly ModelFile[];
  readonly metadata: ModelMetadata;
  readonly tag: string;
  /** The ModelPack artifact's manifest digest, recorded on the image. */
  readonly modelDigest?: string;
  /** Which image of a multi-platform base; linux/amd64 unless said otherwise. */
  readonly platform?: Platform;
  readonly onFile?: (file: string, outcome: 'uploaded' | 'skipped' | 'mounted') => void;
  /** The base as readBase gave it, when it was read already (to fail before anything was uploaded). */
  readonly resolvedBase?: BaseImage;
}

export interface ModelcarResult {
  readonly digest: string;
  readonly tag: string;
  /** The base image's manifest digest (of the platform picked). */
  readonly baseDigest: string;
  readonly bytesUploaded: number;
}

/** A base image read and checked, ready to build on. */
export interface BaseImage {
  readonly digest: string;
  readonly manifest: ImageManifest;
  readonly config: ImageConfig;
}

/** The parts of an OCI image config this code reads and extends; everything else is kept as it is. */
interface ImageConfig {
  readonly os?: string;
  readonly architecture?: string;
  readonly rootfs?: { type?: string; diff_ids?: string[] };
  readonly history?: Array<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

export async function publishModelcar(request: ModelcarRequest): Promise<ModelcarResult> {
  const { store } = request;
  const base = request.resolvedBase ?? (await readBase(request.base, request.platform));

  const layers: PreparedLayer[] = [];
  for (const file of request.files) {
    layers.push(await prepareLayer({ ...file, path: `${MODELCAR_DIRECTORY}/${file.path}` }));
  }
  const modelLayers: Descriptor[] = layers.map((layer) => ({
    mediaType: OCI_LAYER_TAR,
    digest: layer.descriptor.digest,
    size: layer.descriptor.size,
  }));
  const config = modelcarConfig(base.config, modelLayers, request);
  const manifest = modelcarManifest(base, config, modelLayers, request);

  const existing = await store.getManifest(request.tag);
  if (existing && existing.digest !== manifest.digest) {
    throw new OciError(
      `${store.location}:${request.tag} already names ${existing.digest}; this modelcar would be ${manifest.digest}. ` +
        'Versions are immutable: raise model.version in slipway.yaml to publish a change.',
    );
  }

  let bytesUploaded = 0;
  for (const layer of base.manifest.layers) {
    const outcome = await copyBlob(request.base.store, store, layer);
    if (outcome === 'uploaded') bytesUploaded += layer.size;
    request.onFile?.(`(base) ${layer.digest}`, outcome);
  }
  for (const layer of layers) {
    const descriptor = modelLayers[layers.indexOf(layer)]!;
    let outcome: 'uploaded' | 'skipped' = 'skipped';
    if (!(await store.hasBlob(descriptor))) {
      await store.putBlob(descriptor, (progress) => openLayer(layer, progress));
      outcome = 'uploaded';
      bytesUploaded += descriptor.size;
    }
    request.onFile?.(layer.file.path, outcome);
  }
  if (!(await store.hasBlob(config.descriptor))) {
    await store.putBlob(config.descriptor, async function* () {
      yield config.bytes;
    });
  }
  for (const blob of [...base.manifest.layers, ...modelLayers, config.descriptor]) {
    if (!(await store.hasBlob(blob))) {
      throw new OciError(
        `${store.location}: blob ${blob.digest} is missing after its upload; no modelcar manifest was written.`,
      );
    }
  }
  await store.putManifest(
    manifest.bytes,
    { mediaType: OCI_MANIFEST, digest: manifest.digest, size: manifest.bytes.length },
    request.tag,
  );
  return { digest: manifest.digest, tag: request.tag, baseDigest: base.digest, bytesUploaded };
}

/** The base image's manifest (the platform's, from an index) and config, each checked against its digest. */
export async function readBase(
  base: ModelcarBase,
  platform: Platform = { os: 'linux', architecture: 'amd64' },
): Promise<BaseImage> {
  const where = `base image ${base.name}`;
  let { digest, value } = await readManifest(base.store, base.ref, where);
  if (value.mediaType === OCI_INDEX || value.mediaType === DOCKER_MANIFEST_LIST) {
    const entries = (value as { manifests?: Array<Descriptor & { platform?: Platform }> }).manifests ?? [];
    const entry = entries.find(
      (m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture,
    );
    if (!entry) {
      const offered = entries.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ');
      throw new OciError(
        `The ${where} has no ${platform.os}/${platform.architecture} image (it has ${offered || 'none'}). Name a base built for ${platform.os}/${platform.architecture}.`,
      );
    }
    ({ digest, value } = await readManifest(base.store, entry.digest, where));
  }
  if (value.mediaType !== OCI_MANIFEST && value.mediaType !== DOCKER_MANIFEST) {
    throw new OciError(
      `The ${where} is not an image (media type ${String(value.mediaType)}, expected ${OCI_MANIFEST}).`,
    );
  }
  const manifest = value as unknown as ImageManifest;
  if (manifest.artifactType || !manifest.config) {
    throw new OciError(`The ${where} is an artifact, not a runnable image: name an image that has sh.`);
  }
  const bytes = await readBlob(base.store, manifest.config);
  const config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  if (config.os && config.os !== platform.os) {
    throw new OciError(`The ${where} is a ${config.os} image; KServe runs ${platform.os} images.`);
  }
  // A single-platform base names its architecture only here: an arm64 base would fail on amd64 nodes
  // with an exec format error at the modelcar's first command.
  if (config.architecture && config.architecture !== platform.architecture) {
    throw new OciError(
      `The ${where} is a ${config.os ?? platform.os}/${config.architecture} image; the modelcar is for ${platform.os}/${platform.architecture}. Name a base built for ${platform.os}/${platform.architecture}, or a multi-platform index that has one.`,
    );
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new OciError(
      `The ${where} is inconsistent: its config lists ${diffIds.length} layer DiffIDs for ${manifest.layers.length} layers.`,
    );
  }
  return { digest, manifest, config };
}

async function readManifest(
  store: ArtifactStore,
  ref: string,
  where: string,
): Promise<{ digest: string; value: { mediaType?: string } & Record<string, unknown> }> {
  const stored = await store.getManifest(ref);
  if (!stored) throw new OciError(`The ${where} was not found: ${store.location} has no manifest '${ref}'.`);
  const digest = sha256Digest(stored.bytes);
  if (ref.startsWith('sha256:') && digest !== ref) {
    throw new OciError(`The ${where}: manifest ${ref} has digest ${digest}.`);
  }
  const value = JSON.parse(stored.bytes.toString('utf8')) as { mediaType?: string } & Record<string, unknown>;
  return { digest, value: { ...value, mediaType: value.mediaType ?? stored.mediaType } };
}

async function readBlob(store: ArtifactStore, blob: Descriptor): Promise<Buffer> {
  if (blob.size > 16 * 1024 * 1024)
    throw new OciError(`${store.location}: config ${blob.digest} is too large.`);
  const chunks: Buffer[] = [];
  for await (const chunk of store.getBlob(blob)) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  if (sha256Digest(bytes) !== blob.digest) {
    throw new OciError(`${store.location}: blob ${blob.digest} does not match its digest.`);
  }
  return bytes;
}

/** Copies a base layer into the target: nothing when it is there, else a cross-repository mount, else streamed. */
async function copyBlob(
  from: ArtifactStore,
  to: ArtifactStore,
  blob: Descriptor,
): Promise<'uploaded' | 'skipped' | 'mounted'> {
  if (await to.hasBlob(blob)) return 'skipped';
  if (await to.mountBlob(blob)) return 'mounted';
  // The target verifies the digest of what it receives (the registry on PUT, a layout while writing).
  await to.putBlob(blob, () => from.getBlob(blob));
  return 'uploaded';
}

function modelcarConfig(
  base: ImageConfig,
  layers: readonly Descriptor[],
  request: ModelcarRequest,
): { bytes: Buffer; descriptor: Descriptor } {
  const created = request.metadata.created;
  const config = {
    ...base,
    ...(created ? { created } : {}),
    rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), ...layers.map((l) => l.digest)] },
    history: [
      ...(base.history ?? []),
      ...request.files.map((file) => ({
        ...(created ? { created } : {}),
        created_by: `slipway publish: /${MODELCAR_DIRECTORY}/${file.path}`,
      })),
    ],
  };
  const bytes = Buffer.from(JSON.stringify(config), 'utf8');
  return {
    bytes,
    descriptor: { mediaType: OCI_IMAGE_CONFIG, digest: sha256Digest(bytes), size: bytes.length },
  };
}

function modelcarManifest(
  base: BaseImage,
  config: { descriptor: Descriptor },
  layers: readonly Descriptor[],
  request: ModelcarRequest,
): { bytes: Buffer; digest: string } {
  const meta = request.metadata;
  const annotations = Object.fromEntries(
    Object.entries({
      [ANNOTATION_CREATED]: meta.created,
      [ANNOTATION_SOURCE]: meta.source,
      [ANNOTATION_REVISION]: meta.revision,
      [ANNOTATION_TITLE]: meta.name,
      [ANNOTATION_VERSION]: meta.version,
      [ANNOTATION_MODEL_NAME]: meta.name,
      [ANNOTATION_MODEL_VERSION]: meta.version,
      [ANNOTATION_BASE_NAME]: request.base.name,
      [ANNOTATION_BASE_DIGEST]: base.digest,
      [ANNOTATION_MODEL_ARTIFACT]: request.modelDigest,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: config.descriptor,
    layers: [
      ...base.manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      ...layers,
    ],
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  return { bytes, digest: sha256Digest(bytes) };
}
