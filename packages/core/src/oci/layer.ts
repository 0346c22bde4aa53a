// A model file as a layer: hashed once on disk, then streamed once to its destination.
//
// The layer is the one-file tar [header][file bytes][padding][end blocks]. Its digest is computed by
// feeding the same bytes to sha256 while reading the file, before anything is sent: the HEAD skip, the
// cross-repository mount and the PUT ?digest= all need it up front. The upload reads the file again but
// does not hash it again (on two cores that second hash competed with the registry's own and made
// publishing twice as slow as curl). Instead the upload checks that it reads the very file that was
// hashed, unchanged (device, inode, size, mtime, ctime) when it opens it and again before the tar's
// last bytes go out, so a change seen there never completes a blob; and the registry verifies the
// digest itself on the final PUT (DIGEST_INVALID), which catches what a stat cannot see.

import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { DigestMismatchError, OciError } from './errors.js';
import { ANNOTATION_FILEPATH, LAYER_MEDIA_TYPES, type ModelFileType } from './media-types.js';
import type { Descriptor } from './model-manifest.js';
import { TAR_END, tarFileHeader, tarPadding } from './tar.js';

/**
 * Files are read in blocks this large into two reused buffers: few syscalls and hash updates, the next
 * block read (thread pool) while this one is hashed or sent, and memory flat whatever the file's size.
 */
const READ_CHUNK = 256 * 1024;

export interface ModelFile {
  /** Path inside the artifact (POSIX separators), as written in the tar and the filepath annotation. */
  readonly path: string;
  /** Where the file is on this machine. */
  readonly source: string;
  readonly type: ModelFileType;
}

/** What identifies a file's content without reading it: any write moves mtime and ctime; a replacement moves the inode. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export interface PreparedLayer {
  readonly file: ModelFile;
  readonly descriptor: Descriptor;
  /** The file as it was when hashed; the upload checks it is still that file, unchanged. */
  readonly identity: FileIdentity;
}

/** Progress in bytes of one file, reported while hashing or sending. */
export type BytesProgress = (bytesDone: number) => void;

/** Hashes the layer a file becomes, reading the file once. */
export async function prepareLayer(
  file: ModelFile,
  onProgress?: (bytesDone: number, bytesTotal: number) => void,
): Promise<PreparedLayer> {
  const handle = await openModelFile(file);
  try {
    const identity = await identify(handle, file);
    const size = Number(identity.size);
    const header = tarFileHeader(file.path, size);
    const tail = layerTail(size);
    const total = header.length + size + tail.length;
    const hash = createHash('sha256').update(header);
    let done = header.length;
    for await (const chunk of fileChunks(handle, file, size)) {
      hash.update(chunk);
      done += chunk.length;
      onProgress?.(done, total);
    }
    hash.update(tail);
    onProgress?.(total, total);
    await expectUnchanged(handle, file, identity);
    return {
      file,
      identity,
      descriptor: {
        mediaType: LAYER_MEDIA_TYPES[file.type],
        digest: `sha256:${hash.digest('hex')}`,
        size: total,
        annotations: { [ANNOTATION_FILEPATH]: file.path },
      },
    };
  } finally {
    await handle.close();
  }
}

/**
 * The layer's bytes, read from disk again without hashing. Each chunk is valid until the next one is
 * asked for (the buffers are reused): a consumer writes or copies it before pulling again. Throws
 * DigestMismatchError before the tar's final bytes when the file is not the one that was hashed, so a
 * consumer never completes a wrong blob.
 */
export async function* openLayer(layer: PreparedLayer, onProgress?: BytesProgress): AsyncGenerator<Buffer> {
  const { file, identity } = layer;
  const handle = await openModelFile(file);
  try {
    // Opened by path, checked by descriptor: the bytes read below are those of the inode compared here.
    await expectUnchanged(handle, file, identity);
    const size = Number(identity.size);
    let sent = 0;
    const header = tarFileHeader(file.path, size);
    yield header;
    sent += header.length;
    onProgress?.(sent);
    for await (const chunk of fileChunks(handle, file, size)) {
      yield chunk;
      sent += chunk.length;
      onProgress?.(sent);
    }
    // The padding and end blocks are the layer's last bytes: without them no blob is complete.
    await expectUnchanged(handle, file, identity);
    const tail = layerTail(size);
    yield tail;
    onProgress?.(sent + tail.length);
  } finally {
    await handle.close();
  }
}

/** The error for a file that is no longer what was hashed. */
export function fileChangedError(file: ModelFile, detail?: string): DigestMismatchError {
  return new DigestMismatchError(
    `Model file '${file.path}' changed while it was being published (${file.source})` +
      `${detail ? `: ${detail}` : ''}. Publish again once nothing is writing to it.`,
  );
}

/**
 * `size` bytes of the file in chunks of up to READ_CHUNK, the next one read ahead into the other of
 * two buffers while the consumer handles this one. A file shorter than `size` is an error.
 */
async function* fileChunks(handle: FileHandle, file: ModelFile, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  const length = Math.min(READ_CHUNK, size);
  const buffers = [Buffer.allocUnsafeSlow(length), Buffer.allocUnsafeSlow(length)];
  let position = 0;
  let turn = 0;
  const readInto = (buffer: Buffer, at: number) =>
    handle.read(buffer, 0, Math.min(buffer.length, size - at), at);
  let pending: ReturnType<typeof readInto> | undefined = readInto(buffers[0]!, 0);
  try {
    while (pending) {
      const { bytesRead, buffer } = await pending;
      pending = undefined;
      if (bytesRead === 0) throw fileChangedError(file, `it is shorter than the ${size} bytes it had`);
      position += bytesRead;
      turn = 1 - turn;
      if (position < size) pending = readInto(buffers[turn]!, position);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A consumer that stops early must not leave a read running into a handle about to close.
    await pending?.catch(() => undefined);
  }
}

function layerTail(size: number): Buffer {
  return Buffer.concat([tarPadding(size), TAR_END]);
}

async function openModelFile(file: ModelFile): Promise<FileHandle> {
  try {
    return await open(file.source, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OciError(
        `Model file '${file.path}' not found at ${file.source}. Check artifact.files in slipway.yaml.`,
      );
    }
    throw error;
  }
}

async function identify(handle: FileHandle, file: ModelFile): Promise<FileIdentity> {
  const info: BigIntStats = await handle.stat({ bigint: true });
  if (!info.isFile()) throw new OciError(`Model file '${file.path}' (${file.source}) is not a regular file.`);
  return { dev: info.dev, ino: info.ino, size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs };
}

async function expectUnchanged(handle: FileHandle, file: ModelFile, hashed: FileIdentity): Promise<void> {
  const now = await identify(handle, file);
  if (now.dev !== hashed.dev || now.ino !== hashed.ino) {
    throw fileChangedError(file, 'it was replaced by another file after it was hashed');
  }
  if (now.size !== hashed.size) {
    throw fileChangedError(file, `its size went from ${hashed.size} to ${now.size} bytes`);
  }
  if (now.mtimeNs !== hashed.mtimeNs || now.ctimeNs !== hashed.ctimeNs) {
    throw fileChangedError(file, 'it was written to after it was hashed');
  }
}
