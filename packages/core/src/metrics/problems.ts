// Data problems found while ingesting: each one either stops ingestion with a DataProblemError naming
// file:line, or (configured as a warning) is counted with a few example ids and reported.
import { DataProblemError } from './errors.js';
import type { ProblemCount, ProblemKind, ProblemPolicy, Severity } from './types.js';

const EXAMPLES_KEPT = 5;

/** Every problem is an error unless slipway.yaml `problems:` says warning: nothing passes silently. */
export function severityOf(policy: ProblemPolicy | undefined, kind: ProblemKind): Severity {
  return policy?.[kind] ?? 'error';
}

export class ProblemLog {
  private readonly policy: ProblemPolicy | undefined;
  private readonly counts = new Map<ProblemKind, ProblemCount>();

  constructor(policy: ProblemPolicy | undefined) {
    this.policy = policy;
  }

  /** Throws when the problem is an error; otherwise counts it. */
  report(kind: ProblemKind, id: string, message: string): void {
    if (severityOf(this.policy, kind) === 'error') {
      throw new DataProblemError(
        kind,
        `${message} (problems.${kind} is error; set it to warning to report and go on)`,
      );
    }
    let entry = this.counts.get(kind);
    if (!entry) {
      entry = { kind, count: 0, examples: [] };
      this.counts.set(kind, entry);
    }
    entry.count++;
    keepSmallest(entry.examples, id);
  }

  toJSON(): ProblemCount[] {
    return mergeProblems([[...this.counts.values()]]);
  }
}

/** Keeps the EXAMPLES_KEPT smallest ids, so the examples shown do not depend on the sharding. */
function keepSmallest(examples: string[], id: string): void {
  if (examples.includes(id)) return;
  if (examples.length === EXAMPLES_KEPT && id >= examples[EXAMPLES_KEPT - 1]!) return;
  examples.push(id);
  examples.sort();
  if (examples.length > EXAMPLES_KEPT) examples.length = EXAMPLES_KEPT;
}

export function mergeProblems(parts: readonly (readonly ProblemCount[])[]): ProblemCount[] {
  const merged = new Map<ProblemKind, ProblemCount>();
  for (const part of parts) {
    for (const p of part) {
      let entry = merged.get(p.kind);
      if (!entry) {
        entry = { kind: p.kind, count: 0, examples: [] };
        merged.set(p.kind, entry);
      }
      entry.count += p.count;
      for (const id of p.examples) keepSmallest(entry.examples, id);
    }
  }
  return [...merged.values()].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
