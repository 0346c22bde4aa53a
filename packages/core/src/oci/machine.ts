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
