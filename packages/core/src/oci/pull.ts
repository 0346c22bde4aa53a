// pullModel: fetches a model by tag or digest, verifies every blob against its digest while streaming it,
// unpacks each layer's files, and fetches the eval report and training record attached as referrers.
//
// Nothing lands in the output directory until everything checked out: every layer unpacks into a
// staging folder inside the output, verified as it streams (see unpack.ts); every path is checked
// against the others and the output; the referrers are fetched and read; only then are the files moved
// into place. A corrupt blob, a hostile path or a bad referrer leaves the output as it was.
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
import { checkPlacement, formatOf, moveIntoPlace, unpackLayer } from './unpack.js';

/** A report larger than this is not an eval report. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export interface PullRequest {
  readonly store: ArtifactStore;
  /** Tag or digest. */
  readonly ref: string;
  /** Where the model's files are written, by their paths in the artifact. */
  readonly outputDir: string;
  /**
   * Paths (absolute) where the caller writes what is attached to the model, when it is (the eval report,
   * the training record): a model file there is refused before anything is written.
   */
  readonly reserved?: ReadonlyArray<{
    readonly path: string;
    readonly what: string;
    readonly for: 'report' | 'training';
  }>;
  readonly onProgress?: (event: { file: string; bytesDone: number; bytesTotal: number }) => void;
}

export interface PullResult {
  readonly digest: string;
  readonly manifest: ImageManifest;
  /** Each layer: its file path annotation (or digest), digest and size. */
  readonly files: ReadonlyArray<{ path: string; digest: string; size: number }>;
  /** Every file written, relative to the output directory. */
  readonly written: readonly string[];
  /** Entries of the layers that were not written (links, devices): a pull writes regular files only. */
  readonly skipped: ReadonlyArray<{ readonly layer: string; readonly path: string; readonly type: string }>;
  readonly report?: { readonly digest: string; readonly bytes: Buffer };
  /** The training record attached as a referrer, when the model was trained by Slipway. */
  readonly training?: { readonly digest: string; readonly bytes: Buffer };
}

export async function pullModel(request: PullRequest): Promise<PullResult> {
  const { store, ref } = request;
  const { manifest, digest } = await fetchManifest(store, ref);
  const where = `${store.location}@${digest}`;
  if (manifest.artifactType !== MODEL_ARTIFACT_TYPE || manifest.config?.mediaType !== MODEL_CONFIG) {
    throw new OciError(
      `${store.location}:${ref} is not a ModelPack model (artifactType ${manifest.artifactType ?? 'none'}, expected ${MODEL_ARTIFACT_TYPE}).`,
    );
  }
  for (const layer of manifest.layers) formatOf(where, layer);
  const diffIds = await readDiffIds(store, manifest, where);

  const output = resolve(request.outputDir);
  const there = await lstat(output).catch(() => undefined);
  if (there && !there.isDirectory())
    throw new OciError(`${output} is a file; expected a folder to pull the model into.`, { where: output });
  const staging = join(output, `.slipway-pull-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    const layers: Array<{ label: string; into: string; paths: readonly string[] }> = [];
    const skipped: Array<{ layer: string; path: string; type: string }> = [];
    for (const [i, layer] of manifest.layers.entries()) {
      const label = layer.annotations?.[ANNOTATION_FILEPATH] ?? layer.digest;
      const into = join(staging, String(i));
      const progress = (bytesDone: number) =>
        request.onProgress?.({ file: label, bytesDone, bytesTotal: layer.size });
      const unpacked = await unpackLayer({
        where,
        layer,
        bytes: verified(store, layer, progress),
        diffId: diffIds[i]!,
        into,
      });
      layers.push({ label, into, paths: unpacked.paths });
      skipped.push(...unpacked.skipped.map((entry) => ({ layer: label, ...entry })));
    }
    // Read before any file is moved: a referrer that is not what it says fails the pull as a whole.
    const referrers = await listReferrers(store, digest);
    const report = await fetchReferrer(store, digest, EVAL_REPORT_ARTIFACT_TYPE, referrers);
    const training = await fetchReferrer(store, digest, TRAINING_RECORD_ARTIFACT_TYPE, referrers);
    if (training) parsedJson(training.bytes, `${store.location}: the training record ${training.digest}`);
    const attached = { report: report !== undefined, training: training !== undefined };
    const reserved = (request.reserved ?? []).filter((entry) => attached[entry.for]);
    await checkPlacement(where, output, layers, reserved);
    await moveIntoPlace(output, layers);
    return {
      digest,
      manifest,
      files: manifest.layers.map((layer, i) => ({
        path: layers[i]!.label,
        digest: layer.digest,
        size: layer.size,
      })),
      written: layers.flatMap((layer) => layer.paths),
      skipped,
      ...(report ? { report } : {}),
      ...(training ? { training } : {}),
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The config's modelfs.diffIds, one per layer. */
async function readDiffIds(store: ArtifactStore, manifest: ImageManifest, where: string): Promise<string[]> {
  const config = parsedJson(await readSmallBlob(store, manifest.config), `${where}: the model's config`) as {
    modelfs?: { diffIds?: unknown; diff_ids?: unknown };
  } | null;
  // `diff_ids` is how the spec named them before v0.0.7 (and how Slipway wrote them): still read.
  const diffIds = config?.modelfs?.diffIds ?? config?.modelfs?.diff_ids;
  if (
    !Array.isArray(diffIds) ||
    diffIds.length !== manifest.layers.length ||
    !diffIds.every((id) => typeof id === 'string')
  ) {
    throw new OciError(
      `${where}: the config's modelfs.diffIds do not match the manifest's layers (expected one digest per layer, ${manifest.layers.length} in all).`,
    );
  }
  return diffIds as string[];
}

function parsedJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new OciError(`${what} is not JSON (${(error as Error).message}).`);
  }
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
  const manifest = parsedJson(stored.bytes, `${store.location}: manifest ${ref}`) as ImageManifest | null;
  const isDescriptor = (d: unknown): d is Descriptor =>
    typeof d === 'object' &&
    d !== null &&
    typeof (d as Descriptor).digest === 'string' &&
    isDigest((d as Descriptor).digest) &&
    typeof (d as Descriptor).mediaType === 'string' &&
    Number.isSafeInteger((d as Descriptor).size) &&
    (d as Descriptor).size >= 0;
  if (
    !manifest ||
    typeof manifest !== 'object' ||
    !isDescriptor(manifest.config) ||
    !Array.isArray(manifest.layers) ||
    !manifest.layers.every(isDescriptor)
  ) {
    throw new OciError(
      `${store.location}: manifest ${ref} (${digest}) is not an image manifest: expected a config descriptor and a list of layer descriptors.`,
    );
  }
  return { manifest, digest };
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
