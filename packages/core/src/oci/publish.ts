// publishModel: model files → ModelPack artifact in an ArtifactStore, with the eval report as a referrer.
//
// Order matters for what a failure can leave behind: every file is hashed first (so the manifest digest
// is known and an existing version tag can be checked before a byte is sent), then blobs are sent,
// then verified present, and only then the manifest and its tags are written. A failure at any point
// leaves at most unreferenced blobs, never a tag or manifest that points at a missing blob.
import type { RecordedFile } from '../config/recorded-files.js';
import { recordFile } from '../config/recorded-files.js';
import { referrersFallbackTag, sha256Digest } from './digest.js';
import { BlobRejectedError, OciError } from './errors.js';
import {
  ANNOTATION_EVAL_REPORT,
  ANNOTATION_EVALUATED_FILES,
  checkEvaluatedFiles,
  type EvaluatedFilesCheck,
} from './evaluated-files.js';
import { fileChangedError, type ModelFile, openLayer, type PreparedLayer, prepareLayer } from './layer.js';
import {
  EMPTY_CONFIG_BYTES,
  EVAL_REPORT_ARTIFACT_TYPE,
  TRAINING_RECORD_ARTIFACT_TYPE,
} from './media-types.js';
import {
  buildModelConfig,
  buildModelManifest,
  buildReportManifest,
  type Descriptor,
  type Document,
  EMPTY_CONFIG,
  type ModelMetadata,
} from './model-manifest.js';
import { TAG_PATTERN } from './reference.js';
import type { ArtifactStore } from './store.js';
import { addToReferrersIndex, moveTag, versionExists, writeVersionTag } from './tag-write.js';

export type PublishProgress =
  | {
      readonly phase: 'hash' | 'upload';
      readonly file: string;
      readonly bytesDone: number;
      readonly bytesTotal: number;
    }
  | { readonly phase: 'skip' | 'mount'; readonly file: string; readonly bytesTotal: number };

export interface PublishRequest {
  readonly store: ArtifactStore;
  readonly files: readonly ModelFile[];
  readonly metadata: ModelMetadata;
  /** Tags that move to this version (latest, stable…); the version tag itself never moves. */
  readonly movingTags?: readonly string[];
  /**
   * The eval report's bytes (JSON), attached as a referrer of the model manifest. When it records the
   * digests of the evaluated files, the files must match them or nothing is published; the training
   * record it carries is attached as a referrer too.
   */
  readonly report?: Buffer;
  /** Names the report in messages (its path). */
  readonly reportName?: string;
  readonly onProgress?: (event: PublishProgress) => void;
}

export interface PublishedBlob {
  readonly path: string;
  readonly digest: string;
  readonly size: number;
  readonly outcome: 'uploaded' | 'skipped' | 'mounted';
}

export interface PublishResult {
  readonly digest: string;
  readonly location: string;
  readonly versionTag: string;
  /** Moving tags that now name this version. */
  readonly movingTags: readonly string[];
  /** Moving tags left where they were, because they name a higher version. */
  readonly heldBackTags: ReadonlyArray<{ readonly tag: string; readonly version: string }>;
  readonly reportDigest?: string;
  readonly bytesUploaded: number;
  readonly bytesSkipped: number;
  readonly blobs: readonly PublishedBlob[];
  /** The version tag already named this exact manifest: nothing about the model changed. */
  readonly alreadyPublished: boolean;
  /** matched: the files are those the report evaluated; unrecorded: its report has no file digests; absent without a report. */
  readonly evaluatedFiles?: EvaluatedFilesCheck['outcome'];
  /** Digest of the training record's referrer, when the report carried one. */
  readonly trainingRecordDigest?: string;
}

/** A version as a tag: semver's build metadata `+` is not allowed in tags, so it becomes `_` (as Helm does). */
export function versionTag(version: string): string {
  const tag = version.replace(/\+/g, '_');
  if (!TAG_PATTERN.test(tag))
    throw new OciError(`Version '${version}' cannot be a tag: expected ${TAG_PATTERN.source}.`);
  return tag;
}

export async function publishModel(request: PublishRequest): Promise<PublishResult> {
  const { store, metadata, onProgress } = request;
  const tag = versionTag(metadata.version);
  const movingTags = [...new Set(request.movingTags ?? [])].filter((t) => t !== tag);
  for (const moving of movingTags) {
    if (!TAG_PATTERN.test(moving))
      throw new OciError(`Tag '${moving}' is not a valid tag: expected ${TAG_PATTERN.source}.`);
  }
  const files = sortedFiles(request.files);
  const evaluated = request.report
    ? await checkAgainstReport(request.report, files, request.reportName)
    : undefined;
  const annotatedMetadata: ModelMetadata =
    evaluated?.check.outcome === 'matched'
      ? {
          ...metadata,
          annotations: {
            ...metadata.annotations,
            [ANNOTATION_EVALUATED_FILES]: 'match',
            [ANNOTATION_EVAL_REPORT]: sha256Digest(request.report!),
          },
        }
      : metadata;

  const layers: PreparedLayer[] = [];
  for (const file of files) {
    layers.push(
      await prepareLayer(file, (bytesDone, bytesTotal) =>
        onProgress?.({ phase: 'hash', file: file.path, bytesDone, bytesTotal }),
      ),
    );
  }
  const config = buildModelConfig(
    annotatedMetadata,
    layers.map((l) => l.descriptor),
  );
  const manifest = buildModelManifest(
    annotatedMetadata,
    config.descriptor,
    layers.map((l) => l.descriptor),
  );

  // Checked before a byte is sent (a clash costs no upload), and again right before and after writing.
  const existing = await store.getManifest(tag);
  if (existing && existing.digest !== manifest.descriptor.digest) {
    throw versionExists(store, tag, existing.digest, manifest.descriptor.digest);
  }

  const blobs: PublishedBlob[] = [];
  for (const layer of layers) {
    const { descriptor, file } = layer;
    let outcome: PublishedBlob['outcome'];
    try {
      outcome = await sendBlob(
        store,
        descriptor,
        file.path,
        (progress) => openLayer(layer, progress),
        onProgress,
      );
    } catch (error) {
      // The file was not hashed again while sent; the store's own digest check is what caught it.
      if (error instanceof BlobRejectedError) throw fileChangedError(file, error.message);
      throw error;
    }
    blobs.push({ path: file.path, digest: descriptor.digest, size: descriptor.size, outcome });
  }
  const configOutcome = await sendBytes(store, config.descriptor, config.bytes);
  blobs.push({
    path: '(config)',
    digest: config.descriptor.digest,
    size: config.descriptor.size,
    outcome: configOutcome,
  });

  // Verify before any manifest points at them: a registry that accepted an upload and lost it shows here.
  for (const blob of [...layers.map((l) => l.descriptor), config.descriptor]) {
    if (!(await store.hasBlob(blob))) {
      throw new OciError(
        `${store.location}: blob ${blob.digest} is missing after its upload; no manifest was written.`,
      );
    }
  }

  const { alreadyThere } = await writeVersionTag(store, manifest, tag);
  const moved: string[] = [];
  const heldBack: Array<{ tag: string; version: string }> = [];
  for (const moving of movingTags) {
    const higher = await moveTag(store, manifest, metadata.version, moving);
    if (higher === undefined) moved.push(moving);
    else heldBack.push({ tag: moving, version: higher });
  }

  let reportDigest: string | undefined;
  let trainingRecordDigest: string | undefined;
  if (request.report) {
    reportDigest = await attachReferrer(
      store,
      request.report,
      EVAL_REPORT_ARTIFACT_TYPE,
      'eval-report.json',
      manifest,
      metadata.created,
    );
    if (evaluated?.training !== undefined) {
      const record = Buffer.from(`${JSON.stringify(evaluated.training, null, 2)}\n`);
      trainingRecordDigest = await attachReferrer(
        store,
        record,
        TRAINING_RECORD_ARTIFACT_TYPE,
        'training-record.json',
        manifest,
        metadata.created,
      );
    }
  }

  const sum = (outcome: PublishedBlob['outcome'][]) =>
    blobs.filter((b) => outcome.includes(b.outcome)).reduce((total, b) => total + b.size, 0);
  return {
    digest: manifest.descriptor.digest,
    location: store.location,
    versionTag: tag,
    movingTags: moved,
    heldBackTags: heldBack,
    ...(reportDigest ? { reportDigest } : {}),
    bytesUploaded: sum(['uploaded']),
    bytesSkipped: sum(['skipped', 'mounted']),
    blobs,
    alreadyPublished: alreadyThere,
    ...(evaluated ? { evaluatedFiles: evaluated.check.outcome } : {}),
    ...(trainingRecordDigest ? { trainingRecordDigest } : {}),
  };
}

/**
 * Before anything is hashed as a layer or sent: the files must be the ones the report evaluated. A report
 * that is not JSON is refused here too, so a bad report never leaves a model published without it.
 */
async function checkAgainstReport(
  report: Buffer,
  files: readonly ModelFile[],
  reportName = 'given',
): Promise<{ check: EvaluatedFilesCheck; training?: unknown }> {
  let parsed: { artifactFiles?: RecordedFile[]; training?: unknown };
  try {
    parsed = JSON.parse(report.toString('utf8')) as typeof parsed;
  } catch (error) {
    throw new OciError(`The eval report is not valid JSON (${(error as Error).message}).`);
  }
  const publishing: RecordedFile[] = [];
  if (parsed.artifactFiles) {
    for (const file of files) publishing.push(await recordFile('/', file.source, file.path));
  }
  const check = checkEvaluatedFiles(parsed.artifactFiles, publishing, reportName);
  return { check, ...(parsed.training !== undefined ? { training: parsed.training } : {}) };
}

/** Attaches a JSON document (eval report, training record): a manifest with `subject`, indexed by the store or by the fallback tag. Returns its digest. */
async function attachReferrer(
  store: ArtifactStore,
  report: Buffer,
  artifactType: string,
  title: string,
  subject: Document<unknown>,
  created: string | undefined,
): Promise<string> {
  const { blob, manifest } = buildReportManifest(report, subject.descriptor, created, artifactType, title);
  await sendBytes(store, EMPTY_CONFIG, EMPTY_CONFIG_BYTES);
  await sendBytes(store, blob, report);
  const { subjectHandled } = await store.putManifest(
    manifest.bytes,
    manifest.descriptor,
    manifest.descriptor.digest,
  );
  if (!subjectHandled) {
    const fallbackTag = referrersFallbackTag(subject.descriptor.digest);
    const entry: Descriptor = {
      mediaType: manifest.descriptor.mediaType,
      digest: manifest.descriptor.digest,
      size: manifest.descriptor.size,
      artifactType: manifest.value.artifactType!,
      ...(manifest.value.annotations ? { annotations: manifest.value.annotations } : {}),
    };
    await addToReferrersIndex(store, fallbackTag, entry);
  }
  return manifest.descriptor.digest;
}

async function sendBlob(
  store: ArtifactStore,
  blob: Descriptor,
  file: string,
  open: (progress: (bytesDone: number) => void) => AsyncIterable<Uint8Array>,
  onProgress?: (event: PublishProgress) => void,
): Promise<PublishedBlob['outcome']> {
  if (await store.hasBlob(blob)) {
    onProgress?.({ phase: 'skip', file, bytesTotal: blob.size });
    return 'skipped';
  }
  if (await store.mountBlob(blob)) {
    onProgress?.({ phase: 'mount', file, bytesTotal: blob.size });
    return 'mounted';
  }
  const report = (bytesDone: number) =>
    onProgress?.({ phase: 'upload', file, bytesDone, bytesTotal: blob.size });
  await store.putBlob(blob, (progress) => open(progress ?? (() => {})), report);
  return 'uploaded';
}

async function sendBytes(
  store: ArtifactStore,
  blob: Descriptor,
  bytes: Buffer,
): Promise<PublishedBlob['outcome']> {
  if (await store.hasBlob(blob)) return 'skipped';
  await store.putBlob(blob, async function* () {
    yield bytes;
  });
  return 'uploaded';
}

function sortedFiles(files: readonly ModelFile[]): ModelFile[] {
  if (files.length === 0)
    throw new OciError('No model files to publish: artifact.files in slipway.yaml is empty.');
  const seen = new Set<string>();
  for (const file of files) {
    if (file.path.startsWith('/') || file.path.split('/').includes('..') || file.path.includes('\\')) {
      throw new OciError(`Model file path '${file.path}' must be relative to the project, without '..'.`);
    }
    if (seen.has(file.path))
      throw new OciError(`Model file '${file.path}' is listed twice in artifact.files.`);
    seen.add(file.path);
  }
  // Sorted so the same files give the same manifest whatever order slipway.yaml lists them in.
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
