// Finds every process an eval command started, including one that left its process group and session
// (`setsid`, a daemonising wrapper): a signal to the group misses those, and one holding the command's
// stdout would keep the run open forever. Linux's /proc gives parent, group and session of each process;
// elsewhere only the group is known and the group signal has to do.
import { readdirSync, readFileSync } from 'node:fs';

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

function allProcesses(): ProcessEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const entries: ProcessEntry[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
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

  constructor(leader: number) {
    this.leader = leader;
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

  /** Signals the leader's group, and each remembered process (and its group) that is still the same process. */
  kill(signal: NodeJS.Signals): void {
    signalGroup(this.leader, signal);
    this.scan();
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
