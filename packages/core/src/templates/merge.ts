// The three-way merge of a template change into a project, file by file. Base: the old template version
// rendered with the old answers; theirs: the new version with the new answers; yours: what the project
// holds now. Pure planning first (tested without git), then git merge-file for the text of both-changed
// files, whose conflicts are left unmerged in git's index, stages 1/2/3, so `git status` lists them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitRaw } from './git.js';
import type { InTheWay } from './project-path.js';

export type FileAction =
  /** Written as the template has it: new in the template, or changed by it where you had not. */
  | 'write'
  /** Both you and the template changed it: merged by git merge-file. */
  | 'merge'
  /** Removed from the template and unchanged by you: removed. */
  | 'remove'
  /** A managed file you edited: replaced by the template's, your edit reported. */
  | 'replace'
  /** Only its mode changes, as the template's did. */
  | 'mode'
  /** Left as it is, with a note when that means a template change was not applied. */
  | 'keep';

export interface PlannedFile {
  readonly path: string;
  readonly action: FileAction;
  /** The project file this one's content comes from, when an answer renamed it (base is the same path). */
  readonly from?: string;
  /** Whether it ends executable; absent: its mode is left as it is. */
  readonly executable?: boolean;
  /** Why, in the user's words, whenever the outcome is not simply the template's change. */
  readonly note?: string;
}

/** Which paths are executable in each version: the template's old and new, and the project's now. */
export interface Modes {
  readonly base: ReadonlySet<string>;
  readonly theirs: ReadonlySet<string>;
  readonly yours: (path: string) => boolean | undefined;
}

export interface MergeInputs {
  readonly base: ReadonlyMap<string, Buffer>;
  readonly theirs: ReadonlyMap<string, Buffer>;
  readonly yours: (path: string) => Buffer | undefined;
  readonly managed: readonly string[];
  /** What is in the way of a path in the project (see pathChecker); `yours` is not asked for such a path. */
  readonly inTheWay?: (path: string) => InTheWay | undefined;
  readonly modes?: Modes;
  /** Paths an answer renamed: the base's path to the new version's (see renamedPaths). */
  readonly renames?: ReadonlyMap<string, string>;
}

const same = (a: Buffer | undefined, b: Buffer | undefined) =>
  a === undefined ? b === undefined : b !== undefined && a.equals(b);

export function isManaged(path: string, managed: readonly string[]): boolean {
  return managed.some((prefix) => (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix));
}

/**
 * Paths the new version renders from the same template file as the old under another name (an answer in
 * the path changed), old path to new, as git's rename detection would pair them. Only where the old path
 * is gone from the new version and the new one was not in the old.
 */
export function renamedPaths(
  base: ReadonlyMap<string, Buffer> & { readonly origin?: ReadonlyMap<string, string> },
  theirs: ReadonlyMap<string, Buffer> & { readonly origin?: ReadonlyMap<string, string> },
): Map<string, string> {
  const newPathOf = new Map<string, string>();
  for (const [path, origin] of theirs.origin ?? []) if (!base.has(path)) newPathOf.set(origin, path);
  const renames = new Map<string, string>();
  for (const [path, origin] of base.origin ?? []) {
    const next = newPathOf.get(origin);
    if (next !== undefined && !theirs.has(path)) renames.set(path, next);
  }
  return renames;
}

function inTheWayNote({ kind, at }: InTheWay, removed: boolean): string {
  switch (kind) {
    case 'link':
      return `not ${removed ? 'removed' : 'written'}: '${at}' is a symbolic link; Slipway does not write through links`;
    case 'folder':
      return `'${at}' is a folder in the project; the template now has a file there: left as it is`;
    case 'file-above':
      return `'${at}' is a file in the project; the template now has a folder there: left as it is`;
    case 'other':
      return `'${at}' is not a regular file in the project; left as it is`;
  }
}

const managedNote =
  'managed by the template: your hand edits were replaced (see them with `git diff HEAD -- <file>`)';

/**
 * The mode a file ends with, three ways as git merges modes: the template's when you had not changed it
 * (or the file is new), yours when you had.
 */
function modeOf(path: string, from: string, modes: Modes | undefined): boolean | undefined {
  if (!modes) return undefined;
  const yours = modes.yours(from);
  const theirs = modes.theirs.has(path);
  return yours === undefined || yours === modes.base.has(from) ? theirs : yours;
}

function modeFor(path: string, from: string, modes: Modes | undefined): { executable?: boolean } {
  const executable = modeOf(path, from, modes);
  return executable === undefined ? {} : { executable };
}

/** The step for a path whose content neither side changed, when the template changed its mode. */
function modeStep(path: string, current: Buffer | undefined, modes: Modes | undefined): PlannedFile[] {
  if (!modes || current === undefined || modes.base.has(path) === modes.theirs.has(path)) return [];
  const executable = modeOf(path, path, modes);
  if (executable === modes.yours(path)) return [];
  return [
    {
      path,
      action: 'mode',
      executable: executable === true,
      note: executable ? 'made executable, as in the template' : 'no longer executable, as in the template',
    },
  ];
}

/** What to do with a file the new version has under a new name: your file, carried over, then removed. */
function renameSteps(from: string, path: string, inputs: MergeInputs): PlannedFile[] {
  const current = inputs.yours(from);
  if (current === undefined) {
    return [
      {
        path,
        action: 'keep',
        note: `you deleted ${from}, which the template now names ${path}; it stays deleted`,
      },
    ];
  }
  const carried = { path, from, ...modeFor(path, from, inputs.modes) };
  const removal: PlannedFile = { path: from, action: 'remove', note: `renamed to ${path}` };
  if (same(current, inputs.base.get(from)) || same(current, inputs.theirs.get(path)))
    return [removal, { ...carried, action: 'write', note: `renamed from ${from}` }];
  if (isManaged(path, inputs.managed))
    return [removal, { ...carried, action: 'replace', note: `renamed from ${from}; ${managedNote}` }];
  return [removal, { ...carried, action: 'merge', note: `renamed from ${from}: your edits carried over` }];
}

/** A rename is carried only where nothing stands in the way of either path and the new one is free. */
function carriesRename(from: string, path: string, inputs: MergeInputs): boolean {
  return !inputs.inTheWay?.(from) && !inputs.inTheWay?.(path) && inputs.yours(path) === undefined;
}

/**
 * What to do with every path either version of the template has. Pure: reads through `yours` and
 * `inTheWay`. Removals must be applied before the rest: a file the template turned into a folder goes first.
 */
export function planMerge(inputs: MergeInputs): PlannedFile[] {
  const { base, theirs, yours, managed, inTheWay, modes } = inputs;
  const renames = new Map(
    [...(inputs.renames ?? [])].filter(([from, path]) => carriesRename(from, path, inputs)),
  );
  const renamedFrom = new Map([...renames].map(([from, path]) => [path, from]));
  const paths = [...new Set([...base.keys(), ...theirs.keys()])].sort();
  const plan: PlannedFile[] = [];
  // Sorted, a file comes before the paths below it, so a removal is planned before what needs it gone.
  const removed = new Set<string>();
  for (const path of paths) {
    if (renames.has(path)) continue; // planned with its new path
    const from = renamedFrom.get(path);
    if (from !== undefined) {
      plan.push(...renameSteps(from, path, inputs));
      continue;
    }
    const old = base.get(path);
    const next = theirs.get(path);
    if (same(old, next)) {
      // The template did not change it: whatever you did stands, but for a mode the template changed.
      if (!inTheWay?.(path)) plan.push(...modeStep(path, yours(path), modes));
      continue;
    }
    const blocked = inTheWay?.(path);
    if (blocked && !(blocked.kind === 'file-above' && removed.has(blocked.at))) {
      // Anything but a link in the way of a file the template removed means the file is already gone.
      if (blocked.kind !== 'link' && next === undefined) continue;
      plan.push({ path, action: 'keep', note: inTheWayNote(blocked, next === undefined) });
      continue;
    }
    const current = yours(path);
    if (next === undefined) {
      if (current === undefined) continue;
      if (same(current, old)) {
        plan.push({ path, action: 'remove' });
        removed.add(path);
      } else
        plan.push({
          path,
          action: 'keep',
          note: 'the template removed this file; you had edited it, so it is kept',
        });
      continue;
    }
    if (current === undefined) {
      if (old === undefined) plan.push({ path, action: 'write', ...modeFor(path, path, modes) });
      else
        plan.push({
          path,
          action: 'keep',
          note: 'you deleted this file and the template changed it; it stays deleted',
        });
      continue;
    }
    if (same(current, next)) {
      plan.push(...modeStep(path, current, modes));
      continue;
    }
    const mode = modeFor(path, path, modes);
    if (same(current, old)) plan.push({ path, action: 'write', ...mode });
    else if (isManaged(path, managed)) plan.push({ path, action: 'replace', ...mode, note: managedNote });
    else plan.push({ path, action: 'merge', ...mode });
  }
  return plan;
}

export interface MergedText {
  readonly content: Buffer;
  readonly conflicts: number;
}

function isText(content: Buffer): boolean {
  return !content.subarray(0, 8000).includes(0);
}

/**
 * `git merge-file --diff3`: your version and the template's change combined; overlapping edits become
 * conflict blocks with both sides and the base. A missing base (added on both sides) merges against empty.
 */
export async function mergeText(
  yours: Buffer,
  base: Buffer | undefined,
  theirs: Buffer,
  labels: { yours: string; base: string; theirs: string },
): Promise<MergedText> {
  if (![yours, base ?? Buffer.alloc(0), theirs].every(isText)) return { content: yours, conflicts: 1 };
  const dir = await mkdtemp(join(tmpdir(), 'slipway-merge-'));
  try {
    await Promise.all([
      writeFile(join(dir, 'yours'), yours),
      writeFile(join(dir, 'base'), base ?? Buffer.alloc(0)),
      writeFile(join(dir, 'theirs'), theirs),
    ]);
    const result = await gitRaw(
      [
        'merge-file',
        '-p',
        '--diff3',
        '-L',
        labels.yours,
        '-L',
        labels.base,
        '-L',
        labels.theirs,
        'yours',
        'base',
        'theirs',
      ],
      dir,
    );
    if (result.code < 0) throw new Error(`git merge-file failed: ${result.stderr.trim()}`);
    return { content: result.stdout, conflicts: result.code };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Unmerged {
  /** Path relative to the repository's top level. */
  readonly path: string;
  readonly base?: Buffer;
  readonly yours: Buffer;
  readonly theirs: Buffer;
  /** Staged as 100755. */
  readonly executable?: boolean;
}

async function blob(repository: string, content: Buffer): Promise<string> {
  const result = await gitRaw(['hash-object', '-w', '--stdin'], repository, content);
  if (result.code !== 0) throw new Error(`git hash-object failed: ${result.stderr.trim()}`);
  return result.stdout.toString('utf8').trim();
}

/** Records conflicts in the index as git merge does: stage 1 base, 2 yours, 3 theirs. */
export async function markUnmerged(repository: string, files: readonly Unmerged[]): Promise<void> {
  if (files.length === 0) return;
  const lines: string[] = [];
  for (const file of files) {
    const mode = file.executable ? '100755' : '100644';
    lines.push(`0 ${'0'.repeat(40)}\t${file.path}`);
    if (file.base !== undefined) lines.push(`${mode} ${await blob(repository, file.base)} 1\t${file.path}`);
    lines.push(`${mode} ${await blob(repository, file.yours)} 2\t${file.path}`);
    lines.push(`${mode} ${await blob(repository, file.theirs)} 3\t${file.path}`);
  }
  const result = await gitRaw(['update-index', '--index-info'], repository, `${lines.join('\n')}\n`);
  if (result.code !== 0) throw new Error(`git update-index --index-info failed: ${result.stderr.trim()}`);
}
