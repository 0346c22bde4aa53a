// Writing tags when other publishes of the same model may be writing them too. The distribution API has
// no compare-and-swap on tags (a manifest PUT is last-writer-wins; some registries honour If-None-Match),
// so each write is checked right before it and read back after a short settle: long enough that a rival
// who checked before our write has landed theirs, so whoever finds the tag naming someone else knows it.
//  - the version tag is written once: a run whose manifest is not what the tag names afterwards lost,
//    and fails saying so;
//  - a moving tag (latest, stable) ends on the highest version, by semver, not on the last writer;
//  - the referrers fallback index is read-modify-write: re-read after writing, and merged again until
//    this run's report is in it.
import { VersionExistsError, VersionRaceLostError } from './errors.js';
import { ANNOTATION_VERSION } from './media-types.js';
import { addReferrer, type Descriptor, type Document, type ImageIndex } from './model-manifest.js';
import type { ArtifactStore } from './store.js';

/** How long to wait before reading a tag back: a few times what our own check-and-write took. */
function settleMs(writeMs: number): number {
  return Math.min(3_000, Math.max(100, 4 * writeMs));
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface VersionTagOutcome {
  /** The tag already named this manifest before this run: nothing was written. */
  readonly alreadyThere: boolean;
}

/**
 * Writes the version tag once; throws VersionExistsError when it names another model, before or after.
 * `ready`: what must hold before the tag is written (the blobs verified present); the tag is checked
 * while it settles.
 */
export async function writeVersionTag(
  store: ArtifactStore,
  manifest: Document<unknown>,
  tag: string,
  ready?: Promise<unknown>,
): Promise<VersionTagOutcome> {
  const ours = manifest.descriptor.digest;
  const started = performance.now();
  const [before] = await Promise.all([store.getManifest(tag), ready]);
  if (before?.digest === ours) return { alreadyThere: true };
  if (before) throw versionExists(store, tag, before.digest, ours);
  await store.putManifest(manifest.bytes, manifest.descriptor, tag, { ifAbsent: true });
  await sleep(settleMs(performance.now() - started));
  const after = await store.getManifest(tag);
  if (after?.digest !== ours) {
    throw new VersionRaceLostError(
      `${store.location}:${tag} was taken by another publish of the same version at the same time: it names ` +
        `${after?.digest ?? 'nothing'}, not this run's ${ours}. Versions are immutable: this run lost, and its ` +
        'model is not published under that version. Raise model.version to publish it.',
    );
  }
  return { alreadyThere: false };
}

export function versionExists(
  store: ArtifactStore,
  tag: string,
  found: string,
  ours: string,
): VersionExistsError {
  return new VersionExistsError(
    `${store.location}:${tag} already names ${found}; this publish would make ${ours}. ` +
      'Versions are immutable: raise model.version in slipway.yaml (or the version input) to publish a change.',
  );
}

/** The version a stored model manifest carries in its annotations. */
function versionOf(bytes: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { annotations?: Record<string, string> };
    return parsed.annotations?.[ANNOTATION_VERSION];
  } catch {
    return undefined;
  }
}

/** True when `other` is a higher version than `ours`; versions that are not semver never outrank. */
async function outranks(other: string | undefined, ours: string): Promise<boolean> {
  if (!other) return false;
  // Loaded only when a moving tag names another manifest: a re-publish never compares versions.
  const { default: semver } = await import('semver');
  if (!semver.valid(other) || !semver.valid(ours)) return false;
  return semver.gt(other, ours);
}

/**
 * Points a moving tag at this version unless it names a higher one. Returns the version it was left on
 * when that is higher, or undefined when it now names this manifest.
 */
export async function moveTag(
  store: ArtifactStore,
  manifest: Document<unknown>,
  version: string,
  tag: string,
): Promise<string | undefined> {
  const ours = manifest.descriptor.digest;
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = performance.now();
    const current = await store.getManifest(tag);
    if (current && current.digest !== ours) {
      const theirs = versionOf(current.bytes);
      if (await outranks(theirs, version)) return theirs;
    }
    if (current?.digest !== ours) await store.putManifest(manifest.bytes, manifest.descriptor, tag);
    await sleep(settleMs(performance.now() - started));
    const after = await store.getManifest(tag);
    if (after?.digest === ours) return undefined;
    // Someone wrote after us: fine if theirs is higher; if lower, they wrote over a higher version blind,
    // and the next round puts ours back.
    const theirs = after ? versionOf(after.bytes) : undefined;
    if (await outranks(theirs, version)) return theirs;
  }
  return undefined;
}

/** Adds a referrer to the fallback index tag, until a read-back shows it there. */
export async function addToReferrersIndex(
  store: ArtifactStore,
  fallbackTag: string,
  entry: Descriptor,
): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const started = performance.now();
    const current = await store.getManifest(fallbackTag);
    const index = current ? (JSON.parse(current.bytes.toString('utf8')) as ImageIndex) : undefined;
    if (index?.manifests.some((m) => m.digest === entry.digest) && attempt > 0) return;
    const updated = addReferrer(index, entry);
    await store.putManifest(updated.bytes, updated.descriptor, fallbackTag);
    // Jitter, so writers that collided do not collide again in lockstep.
    await sleep(settleMs(performance.now() - started) + Math.random() * 100);
    const after = await store.getManifest(fallbackTag);
    const listed = after ? (JSON.parse(after.bytes.toString('utf8')) as ImageIndex).manifests : [];
    if (listed.some((m) => m.digest === entry.digest)) return;
  }
  throw new VersionRaceLostError(
    `${store.location}: the eval report ${entry.digest} could not be kept in the referrers index tag ${fallbackTag}: ` +
      'other publishes kept replacing it. Publish again to attach it.',
  );
}
