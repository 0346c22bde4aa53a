// Finds every process an eval command started, including one that left its process group and session
// (`setsid`, a daemonising wrapper): a signal to the group misses those, and one holding the command's
// stdout would keep the run open forever. Linux's /proc gives parent, group and session of each process;
// elsewhere only the group is known and the group signal has to do. A process that left before any look
// at /proc saw it, and whose parent has exited, is still found if it holds the command's stdout or stderr:
// the pipes are the command's, and whatever holds them is what would keep the run open.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Start time in clock ticks since boot: tells a process from a later one given the same pid. */
  readonly start: string;
}

function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces or parentheses itself: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state, then ppid, pgrp, session, …; starttime is field 22 of the whole line.
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      sid: Number(fields[3]),
      start: fields[19] ?? '',
    };
  } catch {
    return undefined;
  }
}

/** The pids /proc lists; none where there is no /proc. */
function procPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Whether one of the process's open files is one of `pipes`; false for a process not ours to look into. */
function holdsAny(pid: number, pipes: ReadonlySet<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (pipes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}

/**
 * What a process's stdout and stderr are, as /proc names them (`pipe:[inode]`, or `socket:[inode]` for the
 * socket pair Node gives a child), read while it is the only one holding them: its descendants inherit
 * these very files.
 */
export function outputFiles(pid: number): string[] {
  const files: string[] = [];
  for (const fd of [1, 2]) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('pipe:[') || target.startsWith('socket:[')) files.push(target);
    } catch {
      // Gone already, or not Linux.
    }
  }
  return files;
}

function allProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const pid of procPids()) {
    const entry = readEntry(pid);
    if (entry) entries.push(entry);
  }
  return entries;
}

/**
 * Remembers the processes of one command's tree as they appear: the leader's group and session, and every
 * descendant by parentage. Watching as it runs matters, because a process whose parent exits is re-parented
 * to init and can no longer be traced back.
 */
export class ProcessTree {
  private readonly known = new Map<number, ProcessEntry>();

  private readonly leader: number;

  /** The command's stdout and stderr as /proc names them (outputFiles). */
  private readonly pipes: ReadonlySet<string>;

  constructor(leader: number, pipes: readonly string[] = []) {
    this.leader = leader;
    this.pipes = new Set(pipes);
  }

  /** Looks at /proc once and adds what belongs to the tree. */
  scan(): void {
    const entries = allProcesses();
    const children = new Map<number, ProcessEntry[]>();
    for (const entry of entries) {
      const siblings = children.get(entry.ppid);
      if (siblings) siblings.push(entry);
      else children.set(entry.ppid, [entry]);
      if (entry.pgid === this.leader || entry.sid === this.leader) this.known.set(entry.pid, entry);
    }
    const roots = [this.leader, ...this.known.keys()];
    const seen = new Set<number>();
    while (roots.length > 0) {
      const pid = roots.pop() as number;
      if (seen.has(pid)) continue;
      seen.add(pid);
      for (const child of children.get(pid) ?? []) {
        this.known.set(child.pid, child);
        roots.push(child.pid);
      }
    }
  }

  /** Adds every process (but this one) that holds the command's stdout or stderr open. */
  private adoptPipeHolders(): void {
    if (this.pipes.size === 0) return;
    for (const pid of procPids()) {
      if (pid === process.pid || this.known.has(pid)) continue;
      if (!holdsAny(pid, this.pipes)) continue;
      const entry = readEntry(pid);
      if (entry) this.known.set(pid, entry);
    }
  }

  /**
   * Signals the leader's group, and each remembered process (and its group) that is still the same
   * process, and whatever holds the command's pipes. `pipesOpen` false: the pipes are known to be closed
   * at both ends, so no process can hold them and /proc's open files need not be read.
   */
  kill(signal: NodeJS.Signals, pipesOpen = true): void {
    signalGroup(this.leader, signal);
    this.scan();
    if (pipesOpen) this.adoptPipeHolders();
    for (const entry of this.known.values()) {
      const now = readEntry(entry.pid);
      if (!now || now.start !== entry.start) continue;
      if (now.pgid !== process.pid && now.pgid !== getOwnGroup()) signalGroup(now.pgid, signal);
      try {
        process.kill(entry.pid, signal);
      } catch {
        // Gone already.
      }
    }
  }
}

let ownGroup: number | undefined;
function getOwnGroup(): number {
  ownGroup ??= readEntry(process.pid)?.pgid ?? -1;
  return ownGroup;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid <= 1) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}
