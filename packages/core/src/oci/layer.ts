// A model file as a layer: hashed once on disk, streamed once to its destination.
//
// The layer is the one-file tar [header][file bytes][padding][end blocks]. Its digest is computed by
// feeding the same bytes to sha256 while reading the file, so no temporary archive is ever written.
// Streaming it again for the upload hashes it a second time: a file that changed between the two
// reads (size, mtime or content) fails the upload instead of publishing bytes the digest does not name.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DigestMismatchError } from './errors.js';
import { ANNOTATION_FILEPATH, LAYER_MEDIA_TYPES, type ModelFileType } from './media-types.js';
import type { Descriptor } from './model-manifest.js';
import { TAR_END, tarArchiveSize, tarFileHeader, tarPadding } from './tar.js';

/** Files are read in blocks this large: fewer syscalls and hash updates, memory still flat. */
const READ_CHUNK = 1024 * 1024;

export interface ModelFile {
  /** Path inside the artifact (POSIX separators), as written in the tar and the filepath annotation. */
  readonly path: string;
  /** Where the file is on this machine. */
  readonly source: string;
  readonly type: ModelFileType;
}

export interface PreparedLayer {
  readonly file: ModelFile;
  readonly descriptor: Descriptor;
  /** What the file looked like when it was hashed; the upload checks it again. */
  readonly fileSize: number;
  readonly fileMtimeMs: number;
}

/** Progress in bytes of one file, reported while hashing or sending. */
export type BytesProgress = (bytesDone: number) => void;

/** Hashes the layer a file becomes, reading the file once. */
export async function prepareLayer(
  file: ModelFile,
  onProgress?: (bytesDone: number, bytesTotal: number) => void,
): Promise<PreparedLayer> {
  const before = await statFile(file);
  const total = tarArchiveSize(file.path, before.size);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of layerChunks(file, before.size)) {
    hash.update(chunk);
    size += chunk.length;
    onProgress?.(size, total);
  }
  const after = await statFile(file);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw changedError(file);
  return {
    file,
    fileSize: before.size,
    fileMtimeMs: before.mtimeMs,
    descriptor: {
      mediaType: LAYER_MEDIA_TYPES[file.type],
      digest: `sha256:${hash.digest('hex')}`,
      size,
      annotations: { [ANNOTATION_FILEPATH]: file.path },
    },
  };
}

/**
 * The layer's bytes, read from disk again. Throws DigestMismatchError before its last bytes are
 * yielded when the file is no longer what was hashed, so a consumer never completes a wrong blob.
 */
export async function* openLayer(layer: PreparedLayer, onProgress?: BytesProgress): AsyncGenerator<Buffer> {
  const now = await statFile(layer.file);
  if (now.size !== layer.fileSize || now.mtimeMs !== layer.fileMtimeMs) throw changedError(layer.file);
  const hash = createHash('sha256');
  let sent = 0;
  let held: Buffer | undefined;
  // One chunk is held back so the check can fail the stream before the final bytes go out.
  for await (const chunk of layerChunks(layer.file, layer.fileSize)) {
    hash.update(chunk);
    if (held) {
      yield held;
      sent += held.length;
      onProgress?.(sent);
    }
    held = chunk;
  }
  const digest = `sha256:${hash.digest('hex')}`;
  const after = await statFile(layer.file);
  if (
    digest !== layer.descriptor.digest ||
    after.size !== layer.fileSize ||
    after.mtimeMs !== layer.fileMtimeMs
  ) {
    throw changedError(layer.file);
  }
  if (held) {
    yield held;
    sent += held.length;
    onProgress?.(sent);
  }
}

async function* layerChunks(file: ModelFile, size: number): AsyncGenerator<Buffer> {
  yield tarFileHeader(file.path, size);
  let read = 0;
  const stream = createReadStream(file.source, { highWaterMark: READ_CHUNK, end: Math.max(size - 1, 0) });
  if (size > 0) {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      yield chunk;
    }
  } else {
    stream.destroy();
  }
  if (read !== size) throw changedError(file);
  yield Buffer.concat([tarPadding(size), TAR_END]);
}

async function statFile(file: ModelFile): Promise<{ size: number; mtimeMs: number }> {
  try {
    const info = await stat(file.source);
    if (!info.isFile()) throw new Error(`Model file '${file.path}' (${file.source}) is not a regular file.`);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `Model file '${file.path}' not found at ${file.source}. Check artifact.files in slipway.yaml.`,
      );
    }
    throw error;
  }
}

function changedError(file: ModelFile): DigestMismatchError {
  return new DigestMismatchError(
    `Model file '${file.path}' changed while it was being published (${file.source}). ` +
      'Publish again once nothing is writing to it.',
  );
}
