// Carrying out an update's plan. Every file's new content is worked out first (git merge-file for the
// merges, then git's checkout form), so a failure there leaves the project untouched; then removals,
// then writes and modes.
import { chmod, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { mergeText, type PlannedFile, type Unmerged } from './merge.js';
import type { RenderedFiles } from './render.js';
import { workTreeForms } from './worktree.js';

export type UpdateOutcome = 'written' | 'merged' | 'conflict' | 'removed' | 'replaced' | 'kept';

export interface UpdatedFile {
  readonly path: string;
  readonly outcome: UpdateOutcome;
  readonly note?: string;
}

export interface ApplyContext {
  readonly projectDir: string;
  readonly base: RenderedFiles;
  readonly theirs: RenderedFiles;
  /** The project's files in git's clean form, for every path the plan reads. */
  readonly yours: ReadonlyMap<string, Buffer>;
  readonly labels: { yours: string; base: string; theirs: string };
  /** Whether git converts files on checkout here (see readCheckout): written files are converted alike. */
  readonly converts: boolean;
}

export interface Applied {
  /** What happened to each planned path, in path order. */
  readonly files: readonly UpdatedFile[];
  /** Conflicting files, by project-relative path. */
  readonly unmerged: readonly Unmerged[];
}

interface Prepared {
  readonly step: PlannedFile;
  /** The clean content to write, for a step that writes. */
  readonly content?: Buffer;
  readonly file: UpdatedFile;
  readonly unmerged?: Unmerged;
}

export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const conflictNote = (count: number) =>
  `${count} conflicting change${count === 1 ? '' : 's'}: resolve the <<<<<<< blocks, then \`git add\` it`;

/** A step's outcome and the content it writes; nothing is written here. */
async function prepare(step: PlannedFile, context: ApplyContext): Promise<Prepared> {
  const { path, action } = step;
  const note = step.note ? { note: step.note } : {};
  const theirs = context.theirs.get(path) as Buffer;
  switch (action) {
    case 'write':
    case 'replace':
      return {
        step,
        content: theirs,
        file: { path, outcome: action === 'write' ? 'written' : 'replaced', ...note },
      };
    case 'remove':
      return { step, file: { path, outcome: 'removed', ...note } };
    case 'mode':
      return { step, file: { path, outcome: 'written', ...note } };
    case 'keep':
      return { step, file: { path, outcome: 'kept', ...note } };
    case 'merge': {
      const from = step.from ?? path;
      const yours = context.yours.get(from) as Buffer;
      const base = context.base.get(from);
      const merged = await mergeText(yours, base, theirs, context.labels);
      if (merged.conflicts === 0)
        return { step, content: merged.content, file: { path, outcome: 'merged', ...note } };
      const executable = step.executable === true;
      return {
        step,
        content: merged.content,
        file: {
          path,
          outcome: 'conflict',
          note: `${step.note ? `${step.note}; ` : ''}${conflictNote(merged.conflicts)}`,
        },
        unmerged: { path, ...(base ? { base } : {}), yours, theirs, executable },
      };
    }
  }
}

/** Sets or clears the executable bits (where the file is readable), as git checks out 100755 and 100644. */
async function setMode(target: string, executable: boolean | undefined): Promise<void> {
  if (executable === undefined) return;
  const { mode } = await stat(target);
  const next = executable ? mode | ((mode & 0o444) >> 2) : mode & ~0o111;
  if (next !== mode) await chmod(target, next & 0o7777);
}

async function carryOut({ step, content }: Prepared, projectDir: string): Promise<void> {
  const target = join(projectDir, step.path);
  if (step.action === 'remove') await rm(target, { force: true });
  if (content !== undefined) {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  if (step.action !== 'keep' && step.action !== 'remove') await setMode(target, step.executable);
}

/** One step carried out, a filesystem failure told as which file and what happened. */
async function carryOutTold(prepared: Prepared, projectDir: string): Promise<void> {
  const { step } = prepared;
  try {
    await carryOut(prepared, projectDir);
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    throw new SlipwayError(
      `Could not ${step.action === 'remove' ? 'remove' : 'write'} ${step.path} in ${projectDir} (${(error as Error).message}). The update stopped part-way and the template record was not moved on: \`git status\` shows what it changed.`,
      { where: join(projectDir, step.path), expected: 'a file Slipway can write', cause: error },
    );
  }
}

export async function applyPlan(plan: readonly PlannedFile[], context: ApplyContext): Promise<Applied> {
  // Files are independent: merge several at once (each git merge-file is a process start).
  let prepared = await mapLimited(plan, 8, (step) => prepare(step, context));
  if (context.converts) {
    const written = prepared.filter((p) => p.content !== undefined);
    const forms = await workTreeForms(
      context.projectDir,
      new Map(written.map((p) => [p.step.path, p.content as Buffer])),
    );
    prepared = prepared.map((p) => (forms.has(p.step.path) ? { ...p, content: forms.get(p.step.path) } : p));
  }
  // Removals first: a file the template turned into a folder (or renamed) is gone before the new path.
  const removals = prepared.filter((p) => p.step.action === 'remove');
  await mapLimited(removals, 8, (p) => carryOutTold(p, context.projectDir));
  const rest = prepared.filter((p) => p.step.action !== 'remove');
  await mapLimited(rest, 8, (p) => carryOutTold(p, context.projectDir));
  const sorted = [...prepared].sort((a, b) => (a.file.path < b.file.path ? -1 : 1));
  return {
    files: sorted.map((p) => p.file),
    unmerged: sorted.flatMap((p) => (p.unmerged ? [p.unmerged] : [])),
  };
}
