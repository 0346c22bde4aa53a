// An ArtifactStore in an OCI image layout directory (oci-layout, index.json, blobs/sha256/<hex>):
// the embedded default when no registry is configured, readable by skopeo (`oci:<dir>:<tag>`) and ORAS.
//
// Blobs are written to a temporary name and renamed once complete and their digest checked (a layout has
// no registry that verifies what it receives, so the layout does it, hashing while the thread pool
// writes: at 1 GiB, no measurable cost in wall time); index.json is rewritten
// whole through a rename, last. A crash leaves at worst an unreferenced blob, never a tag naming a
// manifest whose blobs are missing. Referrers (manifests with a subject) are listed untagged in
// index.json, where ORAS finds them; the layout is its own referrers API.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open as openFile,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { digestHex, isDigest } from './digest.js';
import { BlobRejectedError, OciError } from './errors.js';
import { ANNOTATION_REF_NAME, OCI_INDEX, OCI_LAYOUT_VERSION } from './media-types.js';
import type { Descriptor, ImageIndex } from './model-manifest.js';
import type { ArtifactStore, NewBlob, OpenBlob, StoredManifest } from './store.js';

export class LayoutStore implements ArtifactStore {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  get location(): string {
    return `oci:${this.directory}`;
  }

  async hasBlob(blob: Descriptor): Promise<boolean> {
    try {
      return (await stat(this.#blobPath(blob.digest))).size === blob.size;
    } catch {
      return false;
    }
  }

  readonly mountable = false;

  async mountBlob(): Promise<boolean> {
    return false;
  }

  async putBlob(blob: Descriptor, open: OpenBlob, onProgress?: (bytesDone: number) => void): Promise<void> {
    await this.#write(open, onProgress, (digest, size) => {
      if (digest !== blob.digest || size !== blob.size) {
        throw new BlobRejectedError(
          `${this.location}: blob written as ${digest} (${size} bytes), expected ${blob.digest} (${blob.size} bytes).`,
        );
      }
    });
  }

  async streamBlob(blob: NewBlob): Promise<string> {
    return this.#write(blob.open, blob.onProgress, (_digest, size) => {
      if (size !== blob.size) {
        throw new BlobRejectedError(
          `${this.location}: ${blob.name} gave ${size} bytes, expected ${blob.size}; nothing was kept.`,
        );
      }
    });
  }

  /** Writes a blob to a temporary name while hashing it, checks it, and renames it to its digest. */
  async #write(
    open: OpenBlob,
    onProgress: ((bytesDone: number) => void) | undefined,
    check: (digest: string, size: number) => void,
  ): Promise<string> {
    await this.#init();
    const directory = join(this.directory, 'blobs', 'sha256');
    const temporary = join(directory, `.${randomBytes(6).toString('hex')}.partial`);
    const hash = createHash('sha256');
    let size = 0;
    const out = await openFile(temporary, 'wx');
    try {
      // Each chunk is written before the next is pulled: the chunks' buffers are reused. The write runs
      // in the thread pool while this thread hashes the chunk, so the check costs little wall time,
      // and nothing else would catch a wrong blob here: a layout has no registry that verifies it.
      for await (const chunk of open(onProgress)) {
        const written = writeAll(out, chunk);
        hash.update(chunk);
        size += chunk.length;
        await written;
      }
      await out.close();
      const digest = `sha256:${hash.digest('hex')}`;
      check(digest, size);
      await rename(temporary, this.#blobPath(digest));
      return digest;
    } catch (error) {
      await out.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async *getBlob(blob: Descriptor): AsyncIterable<Uint8Array> {
    try {
      yield* createReadStream(this.#blobPath(blob.digest), {
        highWaterMark: 1024 * 1024,
      }) as AsyncIterable<Buffer>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new OciError(`${this.location}: blob ${blob.digest} is missing from blobs/sha256.`);
      }
      throw error;
    }
  }

  async getManifest(ref: string): Promise<StoredManifest | undefined> {
    const index = await this.#readIndex();
    const entry = isDigest(ref)
      ? index.manifests.find((m) => m.digest === ref)
      : index.manifests.find((m) => m.annotations?.[ANNOTATION_REF_NAME] === ref);
    const digest = entry?.digest ?? (isDigest(ref) ? ref : undefined);
    if (!digest) return undefined;
    try {
      const bytes = await readFile(this.#blobPath(digest));
      const mediaType =
        entry?.mediaType ?? (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
      return { bytes, mediaType: mediaType ?? '', digest };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async putManifest(
    bytes: Buffer,
    descriptor: Descriptor,
    ref: string,
  ): Promise<{ subjectHandled: boolean }> {
    await this.putBlob(descriptor, async function* () {
      yield bytes;
    });
    const index = await this.#readIndex();
    const tagged = !isDigest(ref);
    const parsed = JSON.parse(bytes.toString('utf8')) as { subject?: unknown; artifactType?: string };
    const entry: Descriptor = {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      ...(parsed.artifactType ? { artifactType: parsed.artifactType } : {}),
      ...(tagged ? { annotations: { [ANNOTATION_REF_NAME]: ref } } : {}),
    };
    const kept = index.manifests.filter((m) =>
      tagged
        ? m.annotations?.[ANNOTATION_REF_NAME] !== ref
        : !(m.digest === descriptor.digest && !m.annotations?.[ANNOTATION_REF_NAME]),
    );
    await this.#writeIndex({ ...index, manifests: [...kept, entry] });
    return { subjectHandled: parsed.subject !== undefined };
  }

  async referrers(digest: string): Promise<Descriptor[]> {
    const index = await this.#readIndex();
    const found: Descriptor[] = [];
    for (const entry of index.manifests) {
      if (entry.annotations?.[ANNOTATION_REF_NAME]) continue;
      const manifest = await this.getManifest(entry.digest);
      if (!manifest) continue;
      const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { subject?: { digest?: string } };
      if (parsed.subject?.digest === digest) found.push(entry);
    }
    return found;
  }

  #blobPath(digest: string): string {
    return join(this.directory, 'blobs', 'sha256', digestHex(digest));
  }

  async #init(): Promise<void> {
    await mkdir(join(this.directory, 'blobs', 'sha256'), { recursive: true });
    const marker = join(this.directory, 'oci-layout');
    try {
      const existing = JSON.parse(await readFile(marker, 'utf8')) as { imageLayoutVersion?: string };
      if (existing.imageLayoutVersion !== OCI_LAYOUT_VERSION) {
        throw new OciError(
          `${marker} says imageLayoutVersion ${existing.imageLayoutVersion}; Slipway writes ${OCI_LAYOUT_VERSION}.`,
        );
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await writeFile(marker, JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    }
  }

  async #readIndex(): Promise<ImageIndex> {
    const path = join(this.directory, 'index.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
      throw error;
    }
    try {
      const index = JSON.parse(text) as ImageIndex;
      if (!Array.isArray(index.manifests)) throw new Error('no manifests array');
      return index;
    } catch (error) {
      throw new OciError(`${path} is not an OCI image index (${(error as Error).message}).`);
    }
  }

  async #writeIndex(index: ImageIndex): Promise<void> {
    await this.#init();
    const path = join(this.directory, 'index.json');
    const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
    await writeFile(temporary, `${JSON.stringify(index, null, 2)}\n`);
    await rename(temporary, path);
  }
}

/** Writes the whole chunk: a write may take fewer bytes than it was given. */
async function writeAll(out: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await out.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
