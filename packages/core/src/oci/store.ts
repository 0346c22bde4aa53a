// Where artifacts go: a registry over HTTP or an OCI image layout on disk. The publisher and the puller
// only talk to this interface, so the embedded default is the same code minus HTTP.
import type { Descriptor } from './model-manifest.js';

/** Opens the blob's bytes afresh (an upload may need them more than once); `onProgress` gets bytes sent. */
export type OpenBlob = (onProgress?: (bytesDone: number) => void) => AsyncIterable<Uint8Array>;

export interface PutManifestOptions {
  /** Only create the tag: where the store can say so atomically, an existing tag is not overwritten. */
  readonly ifAbsent?: boolean;
}

/**
 * An upload session opened before its blob is ready to go, so that its round trip is taken while other
 * work goes on. The first upload given it takes it; one that no upload took must be released.
 */
export interface UploadSession {
  /** Ends the session unless an upload took it. Never throws: at worst the registry expires it. */
  release(): Promise<void>;
}

/** A blob to send before its digest is known. */
export interface NewBlob {
  readonly size: number;
  readonly open: OpenBlob;
  /** What it is, for messages: the model file's path. */
  readonly name: string;
  readonly onProgress?: (bytesDone: number) => void;
  /**
   * Told the digest as soon as the last byte is read and hashed, before the store closes the upload (a
   * round trip, on a registry), so work that needs only the digest can start beside it. Told again if
   * the upload is retried. A store may not tell it at all: the digest streamBlob returns is the one that
   * counts.
   */
  readonly onHashed?: (digest: string) => void;
}

export interface StoredManifest {
  readonly bytes: Buffer;
  readonly mediaType: string;
  /** The digest the store names it by; the caller checks it against the bytes. */
  readonly digest: string;
}

export interface ArtifactStore {
  /** Where it is, for messages and outputs: `registry/repository` or `oci:<directory>`. */
  readonly location: string;
  /** True when blobs may be mounted from sibling repositories: a file's digest is then worth knowing first. */
  readonly mountable: boolean;
  hasBlob(blob: Descriptor): Promise<boolean>;
  /** Makes the blob present without sending it, from a sibling repository; false when that did not work. */
  mountBlob(blob: Descriptor): Promise<boolean>;
  putBlob(
    blob: Descriptor,
    open: OpenBlob,
    onProgress?: (bytesDone: number) => void,
    session?: UploadSession,
  ): Promise<void>;
  /**
   * Sends a blob whose digest is not known yet, hashing it on the way (one read of its source), and
   * returns that digest once the store has checked it against what it received.
   */
  streamBlob(blob: NewBlob): Promise<string>;
  /**
   * Opens an upload session now, for a blob whose upload starts later (given to putBlob);
   * absent where uploads need no session (an OCI layout).
   */
  openUpload?(): UploadSession;
  /** Streams a blob; the caller verifies its digest. */
  getBlob(blob: Descriptor): AsyncIterable<Uint8Array>;
  /** The manifest a tag or digest names, or undefined when there is none. */
  getManifest(ref: string): Promise<StoredManifest | undefined>;
  /**
   * Stores a manifest under a tag or its digest; `subjectHandled` is true when the store indexed its subject.
   * With `ifAbsent`, a store that can write conditionally refuses (VersionRaceLostError) when the tag names
   * another manifest; one that already names this manifest is success.
   */
  putManifest(
    bytes: Buffer,
    descriptor: Descriptor,
    ref: string,
    options?: PutManifestOptions,
  ): Promise<{ subjectHandled: boolean }>;
  /** Referrers of a manifest through the store's own API, or undefined where it has none. */
  referrers(digest: string): Promise<Descriptor[] | undefined>;
}
