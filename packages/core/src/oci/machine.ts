// When a file's identity (device, inode, size, mtime, ctime) may stand for its content: on the machine,
// and the boot of it, where it was taken (inode and device numbers and ctimes mean nothing elsewhere, and
// some file systems reuse them after a reboot), and only for a file not written just before it was taken.
import { readFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';

/** Wider than the coarsest timestamps in use (FAT's 2 s); ext4, xfs, btrfs and tmpfs tick in milliseconds. */
export const DEFAULT_RACY_MARGIN_MS = 2000;

/** This machine and this boot: the only place inode numbers and ctimes in a cache mean anything. */
export function thisMachine(): string {
  let boot: string;
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // No boot id (macOS, Windows): the boot time to the minute; a wrong guess only costs a cache miss.
    boot = `booted-${Math.round((Date.now() / 1000 - uptime()) / 60)}`;
  }
  return `${hostname()}/${boot}`;
}

/** A file's identity as a cache keeps it: strings, since JSON has no bigint. */
export interface StoredIdentity {
  readonly dev: string;
  readonly ino: string;
  readonly size: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
}

/** `stat(…, { bigint: true })`'s identity fields, as a cache keeps them. */
export function storedIdentity(info: {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}): StoredIdentity {
  return {
    dev: String(info.dev),
    ino: String(info.ino),
    size: String(info.size),
    mtimeNs: String(info.mtimeNs),
    ctimeNs: String(info.ctimeNs),
  };
}

/** The same file, unchanged, as far as its identity tells. */
export function sameIdentity(a: StoredIdentity, b: StoredIdentity): boolean {
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

/**
 * Whether a file whose identity was `recorded` at `takenAtMs` is provably that file now: the very same
 * identity, and not changed within `marginMs` before it was taken (racily clean, in git's words: a write in
 * the same timestamp tick would not have moved ctime).
 */
export function unchangedSince(
  recorded: StoredIdentity,
  now: StoredIdentity,
  takenAtMs: number,
  marginMs: number,
): boolean {
  return sameIdentity(recorded, now) && Number(BigInt(now.ctimeNs) / 1_000_000n) <= takenAtMs - marginMs;
}
