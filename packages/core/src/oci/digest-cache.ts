// The digests of model files this machine has already read, so an unchanged file is never read again.
//
// Like git's index, an entry is trusted only while the file's identity is exactly what it was when it
// was hashed: device, inode, size, mtime and ctime. Restoring mtime after a write (touch -d, rsync -t,
// cp -p) cannot fool it, because the kernel moves ctime on every write and utimes call and nothing
// sets ctime back. Three further guards:
//  - the cache belongs to one machine and one boot (hostname + boot id): inode and device numbers mean
//    nothing elsewhere, and some file systems reuse them after a reboot; a cache from elsewhere is
//    ignored whole;
//  - entries are keyed by the file's absolute path and its path inside the artifact (the tar header is
//    part of the layer's digest), so a project copied or moved is read afresh;
//  - the cache names the layer format it was written with (layerFormatKey: how files are framed as tar
//    layers); a cache from a Slipway that framed them otherwise is ignored whole;
//  - a file changed within one timestamp tick of being hashed could keep its ctime ("racily clean" in
//    git's words), so an entry counts only when the file's ctime was older than the hash's start by a
//    margin wider than any file system's tick; a fresh file is read again on the next publish, once.
// The file is written whole to a temporary name and renamed, so a crash leaves the old cache or the new.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isDigest } from './digest.js';
import { type FileIdentity, layerFormatKey } from './layer.js';
import {
  DEFAULT_RACY_MARGIN_MS,
  type StoredIdentity,
  storedIdentity,
  thisMachine,
  unchangedSince,
} from './machine.js';

export { DEFAULT_RACY_MARGIN_MS, thisMachine };

const FORMAT = 'slipway.dev/digest-cache/v1';

export interface DigestCacheOptions {
  /** The machine this cache is valid on; defaults to this one (hostname and boot id). */
  readonly machine?: string;
  /** How much older than the hash's start a file's ctime must be for its entry to count. */
  readonly racyMarginMs?: number;
  /** How files are framed as layers; defaults to this Slipway's (layerFormatKey). */
  readonly layerFormat?: string;
}

/** A layer's digest and size, as the cache knows them. */
export interface CachedLayer {
  readonly digest: string;
  readonly size: number;
}

interface Entry extends StoredIdentity {
  /** Wall clock (ms) when the file was stat'ed before hashing. */
  readonly hashedAtMs: number;
  readonly digest: string;
  readonly layerSize: number;
}

interface CacheFile {
  readonly format: string;
  readonly machine: string;
  readonly layerFormat: string;
  readonly entries: Record<string, Entry>;
}

export class DigestCache {
  /** Where the cache is kept, e.g. <project>/.slipway/cache/digests.json. */
  readonly file: string;
  readonly #machine: string;
  readonly #layerFormat: string;
  readonly #racyMarginMs: number;
  readonly #entries: Map<string, Entry>;
  #changed = false;

  private constructor(
    file: string,
    machine: string,
    layerFormat: string,
    racyMarginMs: number,
    entries: Map<string, Entry>,
  ) {
    this.file = file;
    this.#machine = machine;
    this.#layerFormat = layerFormat;
    this.#racyMarginMs = racyMarginMs;
    this.#entries = entries;
  }

  /** Opens the cache at `file`; a missing, unreadable or foreign one starts empty (it is only a cache). */
  static async open(file: string, options: DigestCacheOptions = {}): Promise<DigestCache> {
    const path = resolve(file);
    const machine = options.machine ?? thisMachine();
    const layerFormat = options.layerFormat ?? layerFormatKey();
    const entries = new Map<string, Entry>();
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<CacheFile>;
      if (
        parsed.format === FORMAT &&
        parsed.machine === machine &&
        parsed.layerFormat === layerFormat &&
        parsed.entries
      ) {
        for (const [key, entry] of Object.entries(parsed.entries)) {
          if (isEntry(entry)) entries.set(key, entry);
        }
      }
    } catch {
      // Missing or corrupt: every file is simply read, and the cache is written afresh.
    }
    return new DigestCache(
      path,
      machine,
      layerFormat,
      options.racyMarginMs ?? DEFAULT_RACY_MARGIN_MS,
      entries,
    );
  }

  /** The layer's digest when `source` (absolute) as `layerPath` is provably the file that was hashed. */
  lookup(source: string, layerPath: string, identity: FileIdentity): CachedLayer | undefined {
    const entry = this.#entries.get(key(source, layerPath));
    if (!entry) return undefined;
    if (!unchangedSince(entry, storedIdentity(identity), entry.hashedAtMs, this.#racyMarginMs))
      return undefined;
    return { digest: entry.digest, size: entry.layerSize };
  }

  /** Remembers a digest computed from the file as it was at `identity`, stat'ed at `hashedAtMs`. */
  record(
    source: string,
    layerPath: string,
    identity: FileIdentity,
    hashedAtMs: number,
    layer: CachedLayer,
  ): void {
    this.#entries.set(key(source, layerPath), {
      ...storedIdentity(identity),
      hashedAtMs,
      digest: layer.digest,
      layerSize: layer.size,
    });
    this.#changed = true;
  }

  /** Writes the cache if anything was recorded: to a temporary name, then renamed over the old one. */
  async save(): Promise<void> {
    if (!this.#changed) return;
    const content: CacheFile = {
      format: FORMAT,
      machine: this.#machine,
      layerFormat: this.#layerFormat,
      entries: Object.fromEntries([...this.#entries].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.partial`;
    try {
      await writeFile(temporary, `${JSON.stringify(content, null, 1)}\n`);
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    this.#changed = false;
  }
}

function key(source: string, layerPath: string): string {
  return `${resolve(source)}\u0000${layerPath}`;
}

function isEntry(value: unknown): value is Entry {
  const entry = value as Partial<Entry> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'].every(
      (field) => typeof entry[field as keyof Entry] === 'string',
    ) &&
    typeof entry.hashedAtMs === 'number' &&
    typeof entry.digest === 'string' &&
    isDigest(entry.digest) &&
    typeof entry.layerSize === 'number'
  );
}
