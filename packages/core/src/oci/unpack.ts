// A model's layers unpacked into a staging folder, each verified against its digest (and, compressed, its
// DiffID) while it streams, and every path checked before anything is moved into the output directory:
// inside it, said once across all layers, never a file where another layer has a folder, never a path
// the caller keeps for something else (the eval report), never a folder already in the output.
//
// The ModelPack spec's layers are tars (plain, +gzip or +zstd) of the model's files, or a file as it is
// (.raw), named by its org.cncf.model.filepath annotation. Only regular files are written: a link or a
// device in a layer is reported as skipped, never created.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { createGunzip } from 'node:zlib';
import { DigestMismatchError, OciError } from './errors.js';
import { ANNOTATION_FILEPATH } from './media-types.js';
import type { Descriptor } from './model-manifest.js';

type LayerFormat = 'tar' | 'tar+gzip' | 'tar+zstd' | 'raw';

/** How a ModelPack layer is packed, by its media type; undefined for anything else. */
export function layerFormat(mediaType: string): LayerFormat | undefined {
  const match = /^application\/vnd\.cncf\.model\.[a-z.]+\.v1\.(tar|tar\+gzip|tar\+zstd|raw)$/.exec(mediaType);
  return match?.[1] as LayerFormat | undefined;
}

/** A layer's format, or an error saying which media types Slipway reads. */
export function formatOf(where: string, layer: Descriptor): LayerFormat {
  const format = layerFormat(layer.mediaType);
  if (!format) {
    throw new OciError(
      `${where}: layer ${layer.digest} has media type '${layer.mediaType}', which is not a ModelPack layer: ` +
        'expected application/vnd.cncf.model.<kind>.v1.tar, .tar+gzip, .tar+zstd or .raw.',
    );
  }
  return format;
}

export interface UnpackedLayer {
  /** The files written, relative to the layer's own staging folder. */
  readonly paths: readonly string[];
  /** Entries not written (links, devices), by their path in the layer. */
  readonly skipped: ReadonlyArray<{ readonly path: string; readonly type: string }>;
}

export interface UnpackLayer {
  readonly where: string;
  readonly layer: Descriptor;
  /** The layer's bytes, verified against its digest as they stream (throwing at the end if not). */
  readonly bytes: AsyncIterable<Uint8Array>;
  /** The digest of the layer's uncompressed content (its DiffID in the model's config). */
  readonly diffId: string;
  /** A folder of this layer's own. */
  readonly into: string;
}

/** A path from a layer, when it stays inside the folder it is unpacked into. */
export function safeRelative(name: string): string | undefined {
  const normalized = name.replace(/^\.\//, '').replace(/\/+$/, '');
  if (!normalized || normalized.startsWith('/') || normalized.split('/').includes('..')) return undefined;
  const root = resolve('/slipway-root');
  const joined = resolve(root, normalized);
  return joined.startsWith(root + sep) ? normalized : undefined;
}

export async function unpackLayer(request: UnpackLayer): Promise<UnpackedLayer> {
  const { where, layer } = request;
  const format = formatOf(where, layer);
  const label = layer.annotations?.[ANNOTATION_FILEPATH] ?? layer.digest;
  if (format === 'raw' || format === 'tar') {
    // Uncompressed: the content is the blob, so its DiffID is its digest, already checked as it streams.
    if (request.diffId !== layer.digest) throw diffIdMismatch(request, layer.digest, label);
    return format === 'raw' ? unpackRaw(request, label) : untar(request, label, []);
  }
  const diff = createHash('sha256');
  const decompress = format === 'tar+gzip' ? createGunzip() : zstd(where, layer);
  const unpacked = await untar(request, label, [decompress, hashing(diff)]);
  const digest = `sha256:${diff.digest('hex')}`;
  if (digest !== request.diffId) throw diffIdMismatch(request, digest, label);
  return unpacked;
}

function zstd(where: string, layer: Descriptor): Transform {
  const create = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (!create) {
    throw new OciError(
      `${where}: layer ${layer.digest} is zstd-compressed, which this Node.js cannot read (Node 22.15 or later can).`,
    );
  }
  return create();
}

/** Passes the stream on, hashing it: the uncompressed bytes, for the DiffID. */
function hashing(hash: Hash) {
  return async function* (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  };
}

function diffIdMismatch(request: UnpackLayer, digest: string, label: string): DigestMismatchError {
  return new DigestMismatchError(
    `${request.where}: layer ${label} (${request.layer.digest}) holds content ${digest}, but the model's config names ${request.diffId} (modelfs.diffIds); nothing from it was kept.`,
  );
}

async function unpackRaw(request: UnpackLayer, label: string): Promise<UnpackedLayer> {
  const path = safeRelative(label);
  if (!path || label === request.layer.digest) {
    throw new OciError(
      `${request.where}: raw layer ${request.layer.digest} names ${label === request.layer.digest ? 'no file path' : `an unsafe path '${label}'`} (${ANNOTATION_FILEPATH}); expected a relative path inside the model.`,
    );
  }
  const target = join(request.into, path);
  await mkdir(dirname(target), { recursive: true });
  await pipeline(Readable.from(request.bytes), createWriteStream(target));
  return { paths: [path], skipped: [] };
}

/** What the layer's bytes pass through before the tar reader: a decompressor and the DiffID's hash. */
type Stages = ReadonlyArray<Transform | ((source: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array>)>;

async function untar(request: UnpackLayer, label: string, stages: Stages): Promise<UnpackedLayer> {
  const { where, into } = request;
  // Loaded here, not at the top: tar-stream and its stream polyfills are most of what importing the oci
  // room costs, and a publish (which shares this room) never unpacks a layer.
  const { default: tar } = await import('tar-stream');
  const extract = tar.extract();
  const paths: string[] = [];
  const seen = new Set<string>();
  const skipped: Array<{ path: string; type: string }> = [];
  // The first refusal is what the pull reports: the pipeline itself only sees the stream cut short.
  let refused: Error | undefined;
  const refuse = (error: Error) => {
    refused ??= error;
    extract.destroy(error);
  };
  extract.on('entry', (header, stream, next) => {
    const pass = () => {
      stream.on('end', () => next());
      stream.resume();
    };
    if (header.type === 'directory') return pass();
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      skipped.push({ path: header.name, type: header.type ?? 'unknown' });
      return pass();
    }
    const path = safeRelative(header.name);
    if (!path) return refuse(new OciError(`${where}: layer ${label} holds an unsafe path '${header.name}'.`));
    if (seen.has(path))
      return refuse(new OciError(`${where}: layer ${label} holds '${path}' twice; expected each file once.`));
    seen.add(path);
    const target = join(into, path);
    mkdir(dirname(target), { recursive: true })
      .catch(() => {
        throw new OciError(
          `${where}: layer ${label} holds '${path}' inside a path that is one of its files.`,
        );
      })
      .then(() => pipeline(stream, createWriteStream(target)))
      .then(
        () => {
          paths.push(path);
          next();
        },
        (error: Error) =>
          refuse(
            error instanceof OciError
              ? error
              : new OciError(`${where}: '${path}' of layer ${label} could not be written: ${error.message}.`),
          ),
      );
  });
  try {
    const run = pipeline as unknown as (...streams: unknown[]) => Promise<void>;
    await run(Readable.from(request.bytes), ...stages, extract);
  } catch (error) {
    throw refused ?? corrupt(where, label, error);
  }
  return { paths, skipped };
}

/** A digest mismatch as it is; a stream that is not what its media type says, as the user's to know. */
function corrupt(where: string, label: string, error: unknown): Error {
  if (error instanceof OciError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OciError(
    `${where}: layer ${label} could not be unpacked (${message}): it is not the archive its media type says.`,
  );
}

/**
 * Checks every unpacked path against the others and the output directory before anything is moved:
 * a path two layers hold, a file where another path needs a folder, a path kept for something else
 * (`reserved`, absolute, with what it is for), or a folder already in the output where a file goes.
 */
export async function checkPlacement(
  where: string,
  output: string,
  layers: ReadonlyArray<{ label: string; paths: readonly string[] }>,
  reserved: ReadonlyArray<{ path: string; what: string }>,
): Promise<void> {
  const files = new Map<string, string>();
  const looked = new Set<string>();
  for (const { label, paths } of layers) {
    for (const path of paths) {
      const other = files.get(path);
      if (other !== undefined)
        throw new OciError(
          `${where}: layers ${other} and ${label} both hold '${path}'; expected each file once.`,
        );
      files.set(path, label);
    }
  }
  for (const [path, label] of files) {
    for (let folder = dirname(path); folder !== '.'; folder = dirname(folder)) {
      if (files.has(folder))
        throw new OciError(
          `${where}: layer ${label} holds '${path}', inside '${folder}', which layer ${files.get(folder)} holds as a file.`,
        );
    }
    const target = join(output, path);
    const kept = reserved.find((r) => resolve(r.path) === target);
    if (kept)
      throw new OciError(
        `The model has a file at ${target}, where ${kept.what} would go; give it another path.`,
        { where: target },
      );
    const there = await lstat(target).catch(() => undefined);
    if (there?.isDirectory())
      throw new OciError(
        `${target} is a folder; the model's file '${path}' would go there. Pull into another folder.`,
        {
          where: target,
        },
      );
    // Folders above are shared by many files: each is looked at once.
    for (let folder = dirname(target); folder.startsWith(output + sep); folder = dirname(folder)) {
      if (looked.has(folder)) break;
      looked.add(folder);
      const above = await lstat(folder).catch(() => undefined);
      if (above && !above.isDirectory())
        throw new OciError(
          `${folder} is a file; the model's file '${path}' goes inside it. Pull into another folder.`,
          {
            where: folder,
          },
        );
    }
  }
}

/** Moves checked files from their layers' staging folders into place. */
export async function moveIntoPlace(
  output: string,
  layers: ReadonlyArray<{ into: string; paths: readonly string[] }>,
): Promise<void> {
  for (const { into, paths } of layers) {
    for (const path of paths) {
      await mkdir(dirname(join(output, path)), { recursive: true });
      await rename(join(into, path), join(output, path));
    }
  }
}
