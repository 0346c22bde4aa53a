// publishModel: model files → ModelPack artifact in an ArtifactStore, with the eval report as a referrer.
//
// Each file is read at most once, and not at all when the digest cache knows it unchanged. A file whose
// digest is not known streams to the store while it is hashed (the store checks the digest it computes
// against ours); one whose digest is known is skipped when the store has it. Files go in parallel,
// a few at a time. When the version tag exists already, every file is hashed before anything is sent,
// so a different model under that version is refused without sending a byte.
//
// With a report that records the evaluated files' digests, the files must be those before anything is sent.
//
// Order matters for what a failure can leave behind: blobs are sent, then verified present, and only
// then the manifest and its tags are written. A failure at any point leaves at most unreferenced blobs,
// never a tag or manifest that points at a missing blob.
import pLimit from 'p-limit';
import type { RecordedFile } from '../config/recorded-files.js';
import { recordFile } from '../config/recorded-files.js';
import { referrersFallbackTag, sha256Digest } from './digest.js';
import type { DigestCache } from './digest-cache.js';
import { BlobRejectedError, OciError } from './errors.js';
import {
  ANNOTATION_EVAL_REPORT,
  ANNOTATION_EVALUATED_FILES,
  checkEvaluatedFiles,
  type EvaluatedFilesCheck,
} from './evaluated-files.js';
import {
  type BytesProgress,
  fileChangedError,
  hashLayer,
  layerDescriptor,
  layerSize,
  type ModelFile,
  readLayer,
  type StatedFile,
  statModelFile,
} from './layer.js';
import {
  ANNOTATION_FILEPATH,
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
import {
  type ModelcarBase,
  type ModelcarResult,
  modelcarTag,
  type Platform,
  publishModelcar,
  readBase,
} from './modelcar.js';
import { DEFAULT_PARALLEL_UPLOADS } from './publish-defaults.js';
import { TAG_PATTERN } from './reference.js';
import type { ArtifactStore, StoredManifest, UploadSession } from './store.js';
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
  /** Also publish the model as a KServe modelcar image on this base (see modelcar.ts). */
  readonly modelcar?: { readonly base: ModelcarBase; readonly platform?: Platform };
  /** Digests of files this machine read before; an unchanged file is not read again. Saved at the end. */
  readonly digestCache?: DigestCache;
  /** How many files are sent at once; 1 sends them one by one. */
  readonly parallelUploads?: number;
}

export { DEFAULT_PARALLEL_UPLOADS };

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
  /**
   * The tag whose index lists the referrers (report, training record), when the registry has no
   * referrers API and they were indexed by the fallback tag scheme instead.
   */
  readonly referrersIndexTag?: string;
  readonly bytesUploaded: number;
  readonly bytesSkipped: number;
  /** Bytes read from the model files: 0 when the digest cache knew every file and the store had them. */
  readonly bytesRead: number;
  readonly blobs: readonly PublishedBlob[];
  /** The version tag already named this exact manifest: nothing about the model changed. */
  readonly alreadyPublished: boolean;
  /** The runnable image KServe serves (files under /models), when a modelcar base was named. */
  readonly modelcar?: ModelcarResult;
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
  const { store, metadata, onProgress, digestCache: cache } = request;
  const tag = versionTag(metadata.version);
  const movingTags = [...new Set(request.movingTags ?? [])].filter((t) => t !== tag);
  for (const moving of movingTags) {
    if (!TAG_PATTERN.test(moving))
      throw new OciError(`Tag '${moving}' is not a valid tag: expected ${TAG_PATTERN.source}.`);
  }
  const files = sortedFiles(request.files);
  // Read first, so a wrong base fails before a byte of the model is sent.
  const modelcarBase = request.modelcar
    ? await readBase(request.modelcar.base, request.modelcar.platform)
    : undefined;
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
  const limit = pLimit(Math.max(1, request.parallelUploads ?? DEFAULT_PARALLEL_UPLOADS));
  let bytesRead = 0;
  const counted = (bytes: number) => {
    bytesRead += bytes;
  };
  // The config's upload session, opened while the first file streams; closed at the end if unused.
  let configSession: UploadSession | undefined;
  let savedCache: Promise<void> | undefined;
  try {
    // Independent of each other, so asked at once: who the files are, and what the tags name now.
    const [stated, existing, moving] = await Promise.all([
      Promise.all(files.map((file) => statModelFile(file))),
      store.getManifest(tag),
      Promise.all(movingTags.map((t) => store.getManifest(t))),
    ]);
    const remember = (file: StatedFile, layer: Descriptor) =>
      cache?.record(file.file.source, file.file.path, file.identity, file.statedAtMs, layer);
    const hash = async (file: StatedFile): Promise<Descriptor> => {
      const { descriptor } = await hashLayer(
        file,
        (bytesDone, bytesTotal) =>
          onProgress?.({ phase: 'hash', file: file.file.path, bytesDone, bytesTotal }),
        counted,
      );
      remember(file, descriptor);
      return descriptor;
    };
    let known = stated.map((file) => {
      const hit = cache?.lookup(file.file.source, file.file.path, file.identity);
      return hit ? layerDescriptor(file.file, hit.digest, hit.size) : undefined;
    });

    if (existing) {
      // The version exists: whether it names this very model must be known before a byte is sent.
      known = await Promise.all(known.map((layer, i) => layer ?? limit(() => hash(stated[i]!))));
      const { manifest } = buildManifests(annotatedMetadata, known as Descriptor[]);
      if (existing.digest !== manifest.descriptor.digest) {
        throw versionExists(store, tag, existing.digest, manifest.descriptor.digest);
      }
    }

    // A file whose layer under a moving tag (the last version) has its path and size is most likely
    // unchanged: hashing it first lets the HEAD skip it; so does a store that can mount blobs from a
    // sibling repository, which needs the digest too. Any other file streams while it is hashed.
    const before = previousLayers(moving);
    // Every layer known before anything is sent (the digest cache, or a version that exists already)
    // means the config is known too: its HEAD goes out with the layers' rather than a round trip after.
    const early = known.every((layer) => layer !== undefined)
      ? buildManifests(annotatedMetadata, known as Descriptor[]).config.descriptor
      : undefined;
    const earlyConfigPresent = early ? store.hasBlob(early) : undefined;
    // Awaited below unless a layer fails first; its failure then is not the one to report.
    earlyConfigPresent?.catch(() => undefined);
    // Otherwise a file streams, and the config that names it is new: it goes up as soon as every layer's
    // digest is known (a streamed file's with its last byte), beside the uploads' closing requests
    // rather than a round trip after them. It is built again from the layers as sent below, and sent
    // again in the rare case they differ (a file that changed between an attempt and its retry). Started
    // right as the last digest is learnt, never later, so the code below always knows whether it went.
    const digests: Array<Descriptor | undefined> = stated.map(() => undefined);
    let streamed = false;
    // Set the moment an upload fails: a digest learnt after that (another file still streaming) sends nothing.
    let failed = false;
    let configAhead:
      | { readonly digest: string; readonly outcome: Promise<PublishedBlob['outcome']> }
      | undefined;
    const knownAs = (i: number, layer: Descriptor) => {
      if (digests[i] !== undefined) return layer;
      digests[i] = layer;
      if (digests.includes(undefined) || !streamed || early || failed) return layer;
      const { config } = buildManifests(annotatedMetadata, digests as Descriptor[]);
      const outcome = sendBytes(
        store,
        config.descriptor,
        config.bytes,
        Promise.resolve(false),
        configSession,
      );
      // Awaited below, or before a layer's failure is reported.
      outcome.catch(() => undefined);
      configAhead = { digest: config.descriptor.digest, outcome };
      return layer;
    };
    const sending = Promise.all(
      stated.map((file, i) =>
        limit(async (): Promise<{ layer: Descriptor; outcome: PublishedBlob['outcome'] }> => {
          const open = (progress?: BytesProgress) =>
            readLayer(file, { ...(progress ? { onProgress: progress } : {}), onFileBytes: counted });
          const size = layerSize(file.file.path, Number(file.identity.size));
          let layer = known[i];
          if (!layer && (store.mountable || before.get(file.file.path) === size)) layer = await hash(file);
          if (layer) {
            knownAs(i, layer);
            try {
              return { layer, outcome: await sendBlob(store, layer, file.file.path, open, onProgress) };
            } catch (error) {
              // Not hashed again while sent: the store's own digest check is what caught a file that
              // changed in a way its identity (device, inode, size, mtime, ctime) did not show.
              if (error instanceof BlobRejectedError) throw fileChangedError(file.file, error.message);
              throw error;
            }
          }
          // The config goes up once this is in: its session opens while this streams. (Not earlier, with
          // the tag check: a repository that did not exist yet, asked for a tag and upload sessions at
          // once, left distribution 2.8 answering nothing in one of some 25 publishes.)
          configSession ??= store.openUpload?.();
          streamed = true;
          // Hashed as it is sent: a digest the store disagrees with means the bytes changed on the way,
          // and its BlobRejectedError says so as it is.
          const digest = await store.streamBlob({
            size,
            name: file.file.path,
            open,
            onProgress: (bytesDone) =>
              onProgress?.({ phase: 'upload', file: file.file.path, bytesDone, bytesTotal: size }),
            onHashed: (hashed) => knownAs(i, layerDescriptor(file.file, hashed, size)),
          });
          layer = knownAs(i, layerDescriptor(file.file, digest, size));
          remember(file, layer);
          return { layer, outcome: 'uploaded' };
        }),
      ),
    );
    const sent = await sending.catch(async (error: unknown) => {
      // The config may be on its way already: it finishes (or fails) before this failure is reported;
      // and once this is set, none starts.
      failed = true;
      await configAhead?.outcome.catch(() => undefined);
      throw error;
    });
    // Every digest this run will learn is known: the cache is written while the manifest goes up.
    savedCache = cache?.save().catch(() => undefined);
    const layers = sent.map((s) => s.layer);
    const { config, manifest } = buildManifests(annotatedMetadata, layers);
    const blobs: PublishedBlob[] = sent.map(({ layer, outcome }, i) => ({
      path: files[i]!.path,
      digest: layer.digest,
      size: layer.size,
      outcome,
    }));
    // Sent ahead as these layers' config; or, rarely, sent ahead for other digests (finished first, not
    // left in the background), and then it goes up now. A config that names a layer just sent is new
    // (or, rarely, sent again): no HEAD for it first.
    let configOutcome: PublishedBlob['outcome'];
    if (configAhead?.digest === config.descriptor.digest) configOutcome = await configAhead.outcome;
    else {
      await configAhead?.outcome.catch(() => undefined);
      configOutcome = await sendBytes(
        store,
        config.descriptor,
        config.bytes,
        blobs.some((b) => b.outcome === 'uploaded')
          ? Promise.resolve(false)
          : early?.digest === config.descriptor.digest
            ? earlyConfigPresent
            : undefined,
        configSession,
      );
    }
    blobs.push({
      path: '(config)',
      digest: config.descriptor.digest,
      size: config.descriptor.size,
      outcome: configOutcome,
    });

    // Verified before any manifest points at them: a registry that accepted an upload and lost it shows
    // here. A skipped blob was seen by its HEAD a moment ago.
    const received = blobs.filter((b) => b.outcome !== 'skipped');
    const verified = Promise.all(
      received.map((b) => store.hasBlob({ mediaType: '', digest: b.digest, size: b.size })),
    ).then((present) => {
      const lost = received.find((_, i) => !present[i]);
      if (lost) {
        throw new OciError(
          `${store.location}: blob ${lost.digest} (${lost.path}) is missing after its upload; no manifest was written.`,
        );
      }
    });

    // The version tag is written once (If-None-Match where the registry honours it, then read back); a
    // moving tag only ever moves up, by semver. Tags that already name this manifest are not touched.
    // The check of the tag right before it is written goes out with the blobs' verification.
    const digest = manifest.descriptor.digest;
    let alreadyThere = existing?.digest === digest;
    if (alreadyThere) await verified;
    else alreadyThere = (await writeVersionTag(store, manifest, tag, verified)).alreadyThere;
    // Once the version tag is this run's, the moving tags, the referrers and the modelcar are writes to
    // different tags, each with its own read-back settle: they go out together, so a publish with a report
    // and `latest` waits for one settle after the version's, not one per tag. (The two referrers share the
    // fallback index tag, so they stay one after the other.) Every one of them finishes before a failure
    // is reported: none is left half-way in the background.
    const attachReferrers = async (): Promise<{
      reportDigest?: string;
      trainingRecordDigest?: string;
      indexTag?: string;
    }> => {
      if (!request.report) return {};
      const report = await attachReferrer(
        store,
        request.report,
        EVAL_REPORT_ARTIFACT_TYPE,
        'eval-report.json',
        manifest,
        metadata.created,
      );
      const reportDigest = report.digest;
      const indexed = report.indexTag ? { indexTag: report.indexTag } : {};
      if (evaluated?.training === undefined) return { reportDigest, ...indexed };
      const record = Buffer.from(`${JSON.stringify(evaluated.training, null, 2)}\n`);
      const training = await attachReferrer(
        store,
        record,
        TRAINING_RECORD_ARTIFACT_TYPE,
        'training-record.json',
        manifest,
        metadata.created,
      );
      // Both name the same subject, so both are listed (or not) under the same fallback tag.
      return { reportDigest, trainingRecordDigest: training.digest, ...indexed };
    };
    const [higherVersions, { reportDigest, trainingRecordDigest, indexTag }, modelcar] = await allFinished([
      allFinished(
        movingTags.map((t, i) =>
          moving[i]?.digest === digest ? undefined : moveTag(store, manifest, metadata.version, t),
        ),
      ),
      attachReferrers(),
      request.modelcar && modelcarBase
        ? publishModelcar({
            store,
            base: request.modelcar.base,
            resolvedBase: modelcarBase,
            files,
            metadata,
            tag: modelcarTag(tag),
            modelDigest: digest,
          })
        : undefined,
    ] as const);
    const moved: string[] = [];
    const heldBack: Array<{ tag: string; version: string }> = [];
    for (const [i, t] of movingTags.entries()) {
      const higher = higherVersions[i];
      if (higher === undefined) moved.push(t);
      else heldBack.push({ tag: t, version: higher });
    }

    const sum = (outcome: PublishedBlob['outcome'][]) =>
      blobs.filter((b) => outcome.includes(b.outcome)).reduce((total, b) => total + b.size, 0);
    return {
      digest,
      location: store.location,
      versionTag: tag,
      movingTags: moved,
      heldBackTags: heldBack,
      ...(reportDigest ? { reportDigest } : {}),
      ...(indexTag ? { referrersIndexTag: indexTag } : {}),
      bytesUploaded: sum(['uploaded']),
      bytesSkipped: sum(['skipped', 'mounted']),
      bytesRead,
      blobs,
      alreadyPublished: alreadyThere,
      ...(modelcar ? { modelcar } : {}),
      ...(evaluated ? { evaluatedFiles: evaluated.check.outcome } : {}),
      ...(trainingRecordDigest ? { trainingRecordDigest } : {}),
    };
  } finally {
    // Only a cache: a project directory that cannot be written costs the next publish a read, no more.
    await Promise.all([savedCache ?? cache?.save().catch(() => undefined), configSession?.release()]);
  }
}

/** Every promise's value once all have settled; the first failure, in the order given, once all have settled. */
async function allFinished<T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

function buildManifests(metadata: ModelMetadata, layers: readonly Descriptor[]) {
  const config = buildModelConfig(metadata, layers);
  return { config, manifest: buildModelManifest(metadata, config.descriptor, layers) };
}

/** Path → layer size of the layers the moving tags name now (the versions this one follows). */
function previousLayers(manifests: readonly (StoredManifest | undefined)[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const stored of manifests) {
    if (!stored) continue;
    try {
      const parsed = JSON.parse(stored.bytes.toString('utf8')) as { layers?: Descriptor[] };
      for (const layer of parsed.layers ?? []) {
        const path = layer.annotations?.[ANNOTATION_FILEPATH];
        if (path && typeof layer.size === 'number') sizes.set(path, layer.size);
      }
    } catch {
      // Not a manifest Slipway can read: every file simply streams.
    }
  }
  return sizes;
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

/**
 * Attaches a JSON document (eval report, training record): a manifest with `subject`, indexed by the store
 * or by the fallback tag. Returns its digest, and the fallback tag when that is where it is listed.
 */
async function attachReferrer(
  store: ArtifactStore,
  report: Buffer,
  artifactType: string,
  title: string,
  subject: Document<unknown>,
  created: string | undefined,
): Promise<{ digest: string; indexTag?: string }> {
  const { blob, manifest } = buildReportManifest(report, subject.descriptor, created, artifactType, title);
  await allFinished([sendBytes(store, EMPTY_CONFIG, EMPTY_CONFIG_BYTES), sendBytes(store, blob, report)]);
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
    return { digest: manifest.descriptor.digest, indexTag: fallbackTag };
  }
  return { digest: manifest.descriptor.digest };
}

async function sendBlob(
  store: ArtifactStore,
  blob: Descriptor,
  file: string,
  open: (progress?: BytesProgress) => AsyncIterable<Uint8Array>,
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
  await store.putBlob(blob, open, report);
  return 'uploaded';
}

/** `present`: the answer of a HEAD for this blob already on its way; `session`: one opened ahead for it. */
async function sendBytes(
  store: ArtifactStore,
  blob: Descriptor,
  bytes: Buffer,
  present: Promise<boolean> = store.hasBlob(blob),
  session?: UploadSession,
): Promise<PublishedBlob['outcome']> {
  if (await present) return 'skipped';
  await store.putBlob(
    blob,
    async function* () {
      yield bytes;
    },
    undefined,
    session,
  );
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
