// An ArtifactStore over the OCI distribution API: HEAD before upload, cross-repository mount,
// a streamed monolithic PUT for a blob whose digest is known, a streamed PATCH hashed on the way and
// closed by PUT ?digest= for one whose digest is not (or chunked PATCHes), manifests checked against
// Docker-Content-Digest.
import { createHash } from 'node:crypto';
import { sha256Digest } from './digest.js';
import {
  AuthError,
  BlobRejectedError,
  DigestMismatchError,
  OciError,
  RegistryError,
  VersionRaceLostError,
} from './errors.js';
import type { Answer } from './http-exchange.js';
import { MANIFEST_ACCEPT, OCI_INDEX } from './media-types.js';
import type { Descriptor } from './model-manifest.js';
import { RegistryConnection, type RegistryConnectionOptions } from './registry-http.js';
import { DEFAULT_RETRY, isRetryable, RetryableStatusError, type RetryPolicy, withRetry } from './retry.js';
import type {
  ArtifactStore,
  NewBlob,
  OpenBlob,
  PutManifestOptions,
  StoredManifest,
  UploadSession,
} from './store.js';

/** A session opened ahead is used only while this young: a registry may expire an idle upload. */
const SESSION_MAX_AGE_MS = 60_000;
const MiB = 1024 * 1024;
/** The distribution spec's bound on manifests: a registry answering more is not sending one. */
const MAX_MANIFEST_BYTES = 4 * MiB;

/** An upload session opened ahead of its blob (see ArtifactStore.openUpload). */
class AheadSession implements UploadSession {
  readonly #location: Promise<string>;
  readonly #openedAt = performance.now();
  readonly #cancel: (location: string) => Promise<void>;
  #taken = false;

  constructor(location: Promise<string>, cancel: (location: string) => Promise<void>) {
    this.#location = location;
    // Its failure belongs to the upload that takes it; one that no upload takes has nothing to report.
    location.catch(() => undefined);
    this.#cancel = cancel;
  }

  /**
   * Its location, for the one upload that takes it (which fails as its own POST would have, when the
   * session could not be opened); undefined once taken, or when it waited too long to be trusted.
   */
  async take(): Promise<string | undefined> {
    if (this.#taken) return undefined;
    this.#taken = true;
    const location = await this.#location;
    if (performance.now() - this.#openedAt > SESSION_MAX_AGE_MS) {
      await this.#cancel(location);
      return undefined;
    }
    return location;
  }

  async release(): Promise<void> {
    if (this.#taken) return;
    this.#taken = true;
    const location = await this.#location.catch(() => undefined);
    if (location) await this.#cancel(location);
  }
}

export interface RegistryStoreOptions extends RegistryConnectionOptions {
  /** Upload in PATCH chunks of this many bytes instead of one streamed PUT (GHCR caps chunks at 4 MiB). */
  readonly chunkSize?: number;
  readonly retry?: RetryPolicy;
  /** Told about each retry, so long uploads do not look stuck. */
  readonly log?: (message: string) => void;
}

export class RegistryStore implements ArtifactStore {
  readonly #http: RegistryConnection;
  readonly #options: RegistryStoreOptions;
  readonly #retry: RetryPolicy;

  constructor(options: RegistryStoreOptions) {
    this.#options = options;
    this.#http = new RegistryConnection(options);
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  get location(): string {
    return this.#http.location;
  }

  get mountable(): boolean {
    return (this.#options.mountFrom?.length ?? 0) > 0;
  }

  async hasBlob(blob: Descriptor): Promise<boolean> {
    return this.#retried(`check of blob ${blob.digest}`, async () => {
      const what = `HEAD blob ${blob.digest}`;
      const response = await this.#http.send('HEAD', this.#http.url(`blobs/${blob.digest}`), { what });
      if (response.status === 404) return false;
      await this.#http.expect(response, [200], what);
      const length = response.headers.get('content-length');
      return length === null || Number(length) === blob.size;
    });
  }

  async mountBlob(blob: Descriptor): Promise<boolean> {
    for (const from of this.#options.mountFrom ?? []) {
      // A repository these credentials may not read cannot lend its blobs: the blob is uploaded instead
      // (a refusal to push shows on that upload, with its own message).
      const mounted = await this.#retried(`mount of ${blob.digest} from ${from}`, async () => {
        const url = this.#http.url('blobs/uploads/');
        url.searchParams.set('mount', blob.digest);
        url.searchParams.set('from', from);
        const what = `mount of blob ${blob.digest} from ${from}`;
        const response = await this.#http.expect(
          await this.#http.send('POST', url, { what }),
          [201, 202],
          what,
        );
        await response.body?.cancel();
        if (response.status === 201) return true;
        // 202: not mountable, and the registry opened an upload session instead; close it.
        const location = response.headers.get('location');
        if (location) await this.#cancelUpload(location);
        return false;
      }).catch((error: unknown) => {
        if (error instanceof AuthError) return false;
        throw error;
      });
      if (mounted) return true;
    }
    return false;
  }

  openUpload(): UploadSession {
    // Retried (and its retries told) as the upload's own POST would be.
    const location = this.#retried('start of an upload', () => this.#startUpload('a blob'));
    return new AheadSession(location, (at) => this.#cancelUpload(at));
  }

  async putBlob(
    blob: Descriptor,
    open: OpenBlob,
    onProgress?: (bytesDone: number) => void,
    session?: UploadSession,
  ): Promise<void> {
    await this.#retried(`upload of blob ${blob.digest}`, async (attempt) => {
      // A dropped connection may have come after the registry committed the blob.
      if (attempt > 1 && (await this.hasBlob(blob))) return;
      const location = (await take(session)) ?? (await this.#startUpload(blob.digest));
      const what = `upload of blob ${blob.digest}`;
      const chunkSize = this.#options.chunkSize;
      if (chunkSize && chunkSize > 0) {
        const last = await this.#patchChunks(location, open(), blob.digest, chunkSize, onProgress);
        await this.#close(last, blob.digest, blob.size, `completion of upload ${blob.digest}`);
        return;
      }
      const response = await this.#http.send('PUT', withDigest(location, blob.digest), {
        what,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
        body: () => open(onProgress),
      });
      await this.#checkClosed(response, blob.digest, blob.size, what);
    });
  }

  async streamBlob(blob: NewBlob): Promise<string> {
    const { size, name, onProgress } = blob;
    // Set once the registry has taken the whole body: a retry then needs only the close, not the bytes.
    let closing: { location: string; digest: string } | undefined;
    return this.#retried(`upload of ${name}`, async () => {
      if (closing) {
        const { location, digest } = closing;
        const blob = { mediaType: 'application/octet-stream', digest, size };
        // The close may have committed the blob and only its answer been lost.
        if (await this.hasBlob(blob)) return digest;
        try {
          await this.#close(location, digest, size, `completion of upload of ${name}`);
          return digest;
        } catch (error) {
          if (isRetryable(error)) throw error;
          // A first close still committing when its answer was given up on may have finished since.
          if (await this.hasBlob(blob)) return digest;
          // A session the registry no longer knows or will not close (expired, or ended by the close
          // whose answer was lost, or its data moved mid-commit): the bytes go again, in a new one.
          if (!sessionGone(error)) throw error;
          closing = undefined;
        }
      }
      const location = await this.#startUpload(name);
      let received = 0;
      let digest: string | undefined;
      // Hashed as they go out: the digest is ready when the last byte is sent, for the closing PUT, and
      // told then, while the registry still takes in (and syncs) the body, not once it has answered. A
      // body sent again (after a 401 or a redirect) is hashed afresh.
      const hashed = async function* (progress?: (bytesDone: number) => void) {
        const hash = createHash('sha256');
        received = 0;
        digest = undefined;
        for await (const chunk of blob.open(progress)) {
          hash.update(chunk);
          received += chunk.length;
          yield chunk;
        }
        if (received !== size) return;
        digest = `sha256:${hash.digest('hex')}`;
        blob.onHashed?.(digest);
      };
      const chunkSize = this.#options.chunkSize;
      let last: string;
      if (chunkSize && chunkSize > 0) {
        last = await this.#patchChunks(location, hashed(), name, chunkSize, onProgress);
      } else {
        const what = `upload of ${name}`;
        const response = await this.#http.expect(
          await this.#http.send('PATCH', location, {
            what,
            headers: {
              'content-type': 'application/octet-stream',
              'content-length': String(size),
              'content-range': `0-${size - 1}`,
            },
            body: () => hashed(onProgress),
          }),
          [202],
          what,
        );
        await response.body?.cancel();
        last = new URL(response.headers.get('location') ?? location, this.#http.baseUrl).toString();
      }
      if (received !== size || digest === undefined) {
        throw new BlobRejectedError(`${this.location}: ${name} gave ${received} bytes, expected ${size}.`);
      }
      closing = { location: last, digest };
      await this.#close(last, digest, size, `completion of upload of ${name}`);
      return digest;
    });
  }

  async *getBlob(blob: Descriptor): AsyncIterable<Uint8Array> {
    const what = `download of blob ${blob.digest}`;
    const response = await this.#retried(what, async () =>
      this.#http.expect(
        await this.#http.send('GET', this.#http.url(`blobs/${blob.digest}`), { what }),
        [200],
        what,
      ),
    );
    if (!response.body) throw new RegistryError(`${this.location}: ${what} had no body.`, response.status);
    yield* response.body;
  }

  async getManifest(ref: string): Promise<StoredManifest | undefined> {
    const what = `GET manifest ${ref}`;
    return this.#retried(what, async () => {
      const url = this.#http.url(`manifests/${ref}`);
      const response = await this.#http.send('GET', url, { what, headers: { accept: MANIFEST_ACCEPT } });
      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      await this.#http.expect(response, [200], what);
      const bytes = await response.bytes(MAX_MANIFEST_BYTES);
      if (!bytes) {
        throw new OciError(
          `${this.location}: manifest ${ref} is larger than ${MAX_MANIFEST_BYTES / MiB} MiB, the most a registry need accept (OCI distribution spec); it is not read.`,
        );
      }
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      // Without Docker-Content-Digest the digest is the body's own: the tag name is no digest at all.
      return {
        bytes,
        mediaType,
        digest: response.headers.get('docker-content-digest') ?? sha256Digest(bytes),
      };
    });
  }

  async putManifest(
    bytes: Buffer,
    descriptor: Descriptor,
    ref: string,
    options: PutManifestOptions = {},
  ): Promise<{ subjectHandled: boolean }> {
    const what = `PUT manifest ${ref}`;
    return this.#retried(what, async () => {
      const response = await this.#http.send('PUT', this.#http.url(`manifests/${ref}`), {
        what,
        // Registries that support conditional requests refuse to overwrite; others ignore the header,
        // and the caller's read-back decides.
        headers: {
          'content-type': descriptor.mediaType,
          ...(options.ifAbsent ? { 'if-none-match': '*' } : {}),
        },
        body: () => bytes,
      });
      if (options.ifAbsent && response.status === 412) {
        await response.body?.cancel();
        // The tag exists. It may be this very manifest: a try whose answer was lost after the registry
        // wrote it, or an identical publish of the same model. Only another manifest is a lost race.
        const present = await this.getManifest(ref);
        if (present?.digest === descriptor.digest) return { subjectHandled: false };
        throw new VersionRaceLostError(
          `${this.location}:${ref} was created by another publish just before this one wrote it (412 Precondition Failed). ` +
            'Versions are immutable: this run lost; raise model.version to publish its model.',
        );
      }
      try {
        await this.#http.expect(response, [201], what);
      } catch (error) {
        // Two publishes committing the same blob: distribution briefly reports it unknown while the
        // second commit moves it into place. The blobs were verified present just before, so try again.
        if (
          error instanceof RegistryError &&
          error.status === 400 &&
          error.codes.includes('MANIFEST_BLOB_UNKNOWN')
        ) {
          throw new RetryableStatusError(error.message, error.status, error.codes, undefined);
        }
        throw error;
      }
      await response.body?.cancel();
      checkDigestHeader(response, descriptor.digest, this.location, what);
      return { subjectHandled: response.headers.has('oci-subject') };
    });
  }

  async referrers(digest: string): Promise<Descriptor[] | undefined> {
    const what = `GET referrers of ${digest}`;
    return this.#retried(what, async () => {
      const response = await this.#http.send('GET', this.#http.url(`referrers/${digest}`), {
        what,
        headers: { accept: OCI_INDEX },
      });
      // distribution 2.8 and GHCR have no referrers API: 404 for the route, or a non-index answer.
      const type = response.headers.get('content-type') ?? '';
      if (response.status === 404 || (response.ok && !type.includes(OCI_INDEX))) {
        await response.body?.cancel();
        return undefined;
      }
      await this.#http.expect(response, [200], what);
      const index = (await response.json()) as { manifests?: Descriptor[] };
      return index.manifests ?? [];
    });
  }

  async #startUpload(name: string): Promise<string> {
    const what = `start of upload for ${name}`;
    const response = await this.#http.expect(
      await this.#http.send('POST', this.#http.url('blobs/uploads/'), {
        what,
        headers: { 'content-length': '0' },
      }),
      [202],
      what,
    );
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (!location)
      throw new RegistryError(`${this.location}: ${what} gave no upload location.`, response.status);
    return new URL(location, this.#http.baseUrl).toString();
  }

  /** Ends an upload session nothing will use; a registry that does not answer expires it in its own time. */
  async #cancelUpload(location: string): Promise<void> {
    try {
      const response = await this.#http.send('DELETE', location, { what: 'cancel of upload' });
      await response.body?.cancel();
    } catch {
      // Only tidiness is lost.
    }
  }

  /** PATCHes the bytes in chunks held in memory one at a time; returns the upload's location after the last. */
  async #patchChunks(
    start: string,
    bytes: AsyncIterable<Uint8Array>,
    name: string,
    chunkSize: number,
    onProgress?: (bytesDone: number) => void,
  ): Promise<string> {
    let location = start;
    let offset = 0;
    const send = async (chunk: Buffer) => {
      const what = `chunk ${offset}-${offset + chunk.length - 1} of ${name}`;
      const response = await this.#http.send('PATCH', location, {
        what,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(chunk.length),
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
        body: () => chunk,
      });
      await this.#http.expect(response, [202], what);
      await response.body?.cancel();
      location = new URL(response.headers.get('location') ?? location, this.#http.baseUrl).toString();
      offset += chunk.length;
      onProgress?.(offset);
    };
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const piece of bytes) {
      let rest = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      while (pendingBytes + rest.length >= chunkSize) {
        const take = chunkSize - pendingBytes;
        await send(Buffer.concat([...pending, rest.subarray(0, take)]));
        rest = rest.subarray(take);
        pending = [];
        pendingBytes = 0;
      }
      if (rest.length > 0) {
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      }
    }
    if (pendingBytes > 0) await send(Buffer.concat(pending));
    return location;
  }

  /** Closes an upload with its digest: the registry hashes what it received and compares. */
  async #close(location: string, digest: string, size: number, what: string): Promise<void> {
    const response = await this.#http.send('PUT', withDigest(location, digest), {
      what,
      headers: { 'content-length': '0' },
    });
    await this.#checkClosed(response, digest, size, what);
  }

  async #checkClosed(response: Answer, digest: string, size: number, what: string): Promise<void> {
    try {
      await this.#http.expect(response, [201], what);
    } catch (error) {
      // The registry hashes what it received and compares it with ?digest=: the one check that sees
      // bytes a stat of the file could not.
      if (error instanceof RegistryError && error.codes.includes('DIGEST_INVALID')) {
        throw new BlobRejectedError(
          `${this.location}: the registry refused blob ${digest}: the ${size} bytes it received have another digest (DIGEST_INVALID).`,
        );
      }
      throw error;
    }
    await response.body?.cancel();
    checkDigestHeader(response, digest, this.location, what);
  }

  #retried<T>(what: string, action: (attempt: number) => Promise<T>): Promise<T> {
    return withRetry(
      `${this.location}: ${what}`,
      this.#retry,
      action,
      this.#options.log,
      this.#options.signal,
    );
  }
}

/** The location of a session opened ahead, for the first upload given it; undefined otherwise. */
async function take(session: UploadSession | undefined): Promise<string | undefined> {
  return session instanceof AheadSession ? session.take() : undefined;
}

/** An upload session's close refused because the session is gone or no longer in a state to close. */
function sessionGone(error: unknown): boolean {
  if (error instanceof BlobRejectedError) return true;
  if (!(error instanceof RegistryError)) return false;
  return (
    [404, 410, 416].includes(error.status) ||
    error.codes.includes('BLOB_UPLOAD_UNKNOWN') ||
    error.codes.includes('BLOB_UPLOAD_INVALID')
  );
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

function checkDigestHeader(response: Answer, expected: string, location: string, what: string): void {
  const got = response.headers.get('docker-content-digest');
  if (got && got !== expected) {
    throw new DigestMismatchError(
      `${location}: ${what} stored ${got}, but the content's digest is ${expected}.`,
    );
  }
}
