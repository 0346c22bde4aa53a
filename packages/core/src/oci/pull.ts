// pullModel: fetches a model by tag or digest, verifies every blob against its digest while streaming it,
// unpacks each layer's files, and fetches the eval report attached as a referrer.
//
// Files land in a staging directory inside the output directory and are moved into place only after
// their layer's digest checked out, so a corrupt blob never leaves a file that looks pulled.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isDigest, referrersFallbackTag, sha256Digest } from './digest.js';
import { DigestMismatchError, OciError } from './errors.js';
import {
  ANNOTATION_FILEPATH,
  EVAL_REPORT_ARTIFACT_TYPE,
  MODEL_ARTIFACT_TYPE,
  MODEL_CONFIG,
  TRAINING_RECORD_ARTIFACT_TYPE,
} from './media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from './model-manifest.js';
import type { ArtifactStore } from './store.js';

/** A report larger than this is not an eval report. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export interface PullRequest {
  readonly store: ArtifactStore;
  /** Tag or digest. */
  readonly ref: string;
  /** Where the model's files are written, by their paths in the artifact. */
  readonly outputDir: string;
  readonly onProgress?: (event: { file: string; bytesDone: number; bytesTotal: number }) => void;
}

export interface PullResult {
  readonly digest: string;
  readonly manifest: ImageManifest;
  readonly files: ReadonlyArray<{ path: string; digest: string; size: number }>;
  readonly report?: { readonly digest: string; readonly bytes: Buffer };
  /** The training record attached as a referrer, when the model was trained by Slipway. */
  readonly training?: { readonly digest: string; readonly bytes: Buffer };
}

export async function pullModel(request: PullRequest): Promise<PullResult> {
  const { store, ref } = request;
  const { manifest, digest } = await fetchManifest(store, ref);
  if (manifest.artifactType !== MODEL_ARTIFACT_TYPE || manifest.config?.mediaType !== MODEL_CONFIG) {
    throw new OciError(
      `${store.location}:${ref} is not a ModelPack model (artifactType ${manifest.artifactType ?? 'none'}, expected ${MODEL_ARTIFACT_TYPE}).`,
    );
  }
  const config = JSON.parse((await readSmallBlob(store, manifest.config)).toString('utf8')) as {
    modelfs?: { diffIds?: string[]; diff_ids?: string[] };
  };
  // `diff_ids` is how the spec named them before v0.0.7 (and how Slipway wrote them): still read.
  const diffIds = config.modelfs?.diffIds ?? config.modelfs?.diff_ids ?? [];
  if (diffIds.join() !== manifest.layers.map((l) => l.digest).join()) {
    throw new OciError(
      `${store.location}@${digest}: the config's modelfs.diffIds do not match the manifest's layers.`,
    );
  }

  const output = resolve(request.outputDir);
  const staging = join(output, `.slipway-pull-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  const files: Array<{ path: string; digest: string; size: number }> = [];
  try {
    const moves: string[] = [];
    for (const layer of manifest.layers) {
      const label = layer.annotations?.[ANNOTATION_FILEPATH] ?? layer.digest;
      moves.push(...(await unpackLayer(store, layer, staging, label, request.onProgress)));
      files.push({ path: label, digest: layer.digest, size: layer.size });
    }
    for (const path of moves) {
      await mkdir(dirname(join(output, path)), { recursive: true });
      await rename(join(staging, path), join(output, path));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const referrers = await listReferrers(store, digest);
  const report = await fetchReferrer(store, digest, EVAL_REPORT_ARTIFACT_TYPE, referrers);
  const training = await fetchReferrer(store, digest, TRAINING_RECORD_ARTIFACT_TYPE, referrers);
  return { digest, manifest, files, ...(report ? { report } : {}), ...(training ? { training } : {}) };
}

/** The newest eval report attached to a manifest, through the referrers API or the fallback tag. */
export function fetchReport(
  store: ArtifactStore,
  subject: string,
): Promise<{ digest: string; bytes: Buffer } | undefined> {
  return fetchReferrer(store, subject, EVAL_REPORT_ARTIFACT_TYPE);
}

async function listReferrers(store: ArtifactStore, subject: string): Promise<readonly Descriptor[]> {
  const referrers = await store.referrers(subject);
  if (referrers !== undefined) return referrers;
  const fallback = await store.getManifest(referrersFallbackTag(subject));
  return fallback ? ((JSON.parse(fallback.bytes.toString('utf8')) as ImageIndex).manifests ?? []) : [];
}

/** The newest referrer of one artifact type (eval report, training record), its blob verified. */
async function fetchReferrer(
  store: ArtifactStore,
  subject: string,
  artifactType: string,
  known?: readonly Descriptor[],
): Promise<{ digest: string; bytes: Buffer } | undefined> {
  const referrers = known ?? (await listReferrers(store, subject));
  const newest = referrers.filter((r) => r.artifactType === artifactType).at(-1);
  if (!newest) return undefined;
  return fetchReferrerByDigest(store, newest.digest, subject);
}

/**
 * A referrer manifest named by digest (as an environment records the eval report) and its one blob,
 * both verified against their digests. `subject`, when given, must be what the referrer is attached to.
 */
export async function fetchReferrerByDigest(
  store: ArtifactStore,
  referrer: string,
  subject?: string,
): Promise<{ digest: string; bytes: Buffer; subject?: string } | undefined> {
  const stored = await store.getManifest(referrer);
  if (!stored) return undefined;
  const { manifest, digest } = checkedManifest(store, referrer, stored);
  if (subject !== undefined && manifest.subject?.digest !== subject) {
    throw new OciError(`${store.location}: referrer ${digest} does not name ${subject} as its subject.`);
  }
  const blob = manifest.layers[0];
  if (!blob) throw new OciError(`${store.location}: referrer manifest ${digest} has no layer.`);
  return {
    digest,
    bytes: embedded(store, blob) ?? (await readSmallBlob(store, blob)),
    ...(manifest.subject?.digest ? { subject: manifest.subject.digest } : {}),
  };
}

async function fetchManifest(
  store: ArtifactStore,
  ref: string,
): Promise<{ manifest: ImageManifest; digest: string }> {
  const stored = await store.getManifest(ref);
  if (!stored) throw new OciError(`${store.location}: no manifest named '${ref}'.`);
  return checkedManifest(store, ref, stored);
}

function checkedManifest(
  store: ArtifactStore,
  ref: string,
  stored: { bytes: Buffer; digest: string },
): { manifest: ImageManifest; digest: string } {
  const digest = sha256Digest(stored.bytes);
  const expected = isDigest(ref) ? ref : stored.digest;
  if (isDigest(expected) && digest !== expected) {
    throw new DigestMismatchError(
      `${store.location}: manifest ${ref} has digest ${digest}, expected ${expected}.`,
    );
  }
  return { manifest: JSON.parse(stored.bytes.toString('utf8')) as ImageManifest, digest };
}

/** The layer's content embedded in its descriptor (`data`), checked against its digest and size like a fetched blob. */
function embedded(store: ArtifactStore, blob: Descriptor): Buffer | undefined {
  if (typeof blob.data !== 'string') return undefined;
  const bytes = Buffer.from(blob.data, 'base64');
  if (sha256Digest(bytes) !== blob.digest || bytes.length !== blob.size) {
    throw new DigestMismatchError(
      `${store.location}: the content embedded in the descriptor of ${blob.digest} has digest ${sha256Digest(bytes)} and ${bytes.length} bytes, expected ${blob.digest} and ${blob.size} bytes.`,
    );
  }
  return bytes;
}

async function readSmallBlob(store: ArtifactStore, blob: Descriptor): Promise<Buffer> {
  if (blob.size > MAX_REPORT_BYTES)
    throw new OciError(`${store.location}: blob ${blob.digest} is too large to read whole.`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of verified(store, blob)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The blob's bytes; throws at the end when they are not what the digest and size promise. */
async function* verified(
  store: ArtifactStore,
  blob: Descriptor,
  onBytes?: (bytesDone: number) => void,
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of store.getBlob(blob)) {
    hash.update(chunk);
    size += chunk.length;
    if (size > blob.size) break;
    onBytes?.(size);
    yield chunk;
  }
  const digest = `sha256:${hash.digest('hex')}`;
  if (digest !== blob.digest || size !== blob.size) {
    throw new DigestMismatchError(
      `${store.location}: blob ${blob.digest} arrived as ${digest} (${size} of ${blob.size} bytes); nothing from it was kept.`,
    );
  }
}

/** Unpacks one layer's regular files into `staging`; returns their paths once the layer is verified. */
async function unpackLayer(
  store: ArtifactStore,
  layer: Descriptor,
  staging: string,
  label: string,
  onProgress?: PullRequest['onProgress'],
): Promise<string[]> {
  const written: string[] = [];
  // Loaded here, not at the top: tar-stream and its stream polyfills are most of what importing the oci
  // room costs, and a publish (which shares this room) never unpacks a layer.
  const { default: tar } = await import('tar-stream');
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const done = (error?: unknown) => (error ? extract.destroy(error as Error) : next());
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      stream.resume();
      stream.on('end', () => next());
      return;
    }
    const path = safeRelative(header.name, label);
    if (!path) {
      stream.destroy();
      extract.destroy(
        new OciError(`${store.location}: layer ${label} holds an unsafe path '${header.name}'.`),
      );
      return;
    }
    const target = join(staging, path);
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target)))
      .then(() => {
        written.push(path);
        done();
      }, done);
  });
  const progress = (bytesDone: number) => onProgress?.({ file: label, bytesDone, bytesTotal: layer.size });
  await pipeline(Readable.from(verified(store, layer, progress)), extract);
  return written;
}

/** A tar entry's path when it stays inside the output directory. */
function safeRelative(name: string, _label: string): string | undefined {
  const normalized = name.replace(/^\.\//, '');
  if (!normalized || normalized.startsWith('/') || normalized.split('/').includes('..')) return undefined;
  const root = resolve('/slipway-root');
  const joined = resolve(root, normalized);
  return joined.startsWith(root + sep) ? normalized : undefined;
}
