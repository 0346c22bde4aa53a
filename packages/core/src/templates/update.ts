// `slipway update`: the project moved to a newer template version (or new answers) by a three-way merge.
// Non-overlapping edits merge cleanly; overlapping ones get diff3 markers and stay unmerged in git's index;
// files you deleted stay deleted; managed files are replaced and your hand edits reported. Every file the
// template changed appears in the result: nothing is dropped silently. As git merge does, it stops before
// overwriting a file git does not track; and it never follows a symbolic link in the project.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { type Answers, checkAnswer, questionFor } from './answers.js';
import { findTemplate, type TemplateSpec } from './catalog.js';
import { gitRaw } from './git.js';
import { markUnmerged, mergeText, type PlannedFile, planMerge, type Unmerged } from './merge.js';
import { describeInTheWay, pathChecker } from './project-path.js';
import {
  digestsOf,
  readRecord,
  recordPath,
  recordText,
  type SourceRecord,
  type TemplateRecord,
} from './record.js';
import { type RenderedFiles, renderTemplate } from './render.js';
import { type CheckedOut, checkOutTemplate, type DescribedSource, describeSource } from './source.js';

export interface UpdateProjectRequest {
  readonly projectDir: string;
  /** The templates folder to update to, as it is on disk (the ones shipped with Slipway by default). */
  readonly templatesRoot?: string;
  /** Update to this template version (or git revision) of the recorded source instead. */
  readonly to?: string;
  /** Changed answers. */
  readonly set?: Readonly<Record<string, string>>;
  /** Where the template's history is, when not where the record says. */
  readonly source?: string;
}

export type UpdateOutcome = 'written' | 'merged' | 'conflict' | 'removed' | 'replaced' | 'kept';

export interface UpdatedFile {
  readonly path: string;
  readonly outcome: UpdateOutcome;
  readonly note?: string;
}

export interface UpdateResult {
  readonly template: string;
  readonly from: string;
  readonly to: string;
  readonly files: readonly UpdatedFile[];
  /** Paths with conflict markers, unmerged in git's index. */
  readonly conflicts: readonly string[];
  /** Questions the new version asks that the project had no answer for, answered with their defaults. */
  readonly defaulted: readonly string[];
}

/** The old or new version of the template: its spec, files and source record. */
export interface RenderedVersion {
  readonly spec: TemplateSpec;
  readonly files: RenderedFiles;
  readonly source: SourceRecord;
}

async function projectRepository(projectDir: string): Promise<{ top: string; prefix: string }> {
  const top = await gitRaw(['rev-parse', '--show-toplevel'], projectDir).catch(() => undefined);
  if (top?.code !== 0) {
    throw new SlipwayError(
      `${projectDir} is not in a git repository. Updates merge into git's index so conflicts show in \`git status\`; run \`git init\` and commit first.`,
      { where: projectDir, expected: 'a git repository' },
    );
  }
  const root = top.stdout.toString('utf8').trim();
  const prefix = relative(root, projectDir).split(sep).join('/');
  return { top: root, prefix: prefix ? `${prefix}/` : '' };
}

async function assertClean(projectDir: string): Promise<void> {
  const status = (
    await gitRaw(['status', '--porcelain', '--untracked-files=no', '--', '.'], projectDir)
  ).stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 3);
  if (status.length > 0) {
    const files = status.map((line) => line.slice(3));
    throw new SlipwayError(
      `${projectDir} has uncommitted changes (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}). Commit or stash them first, so the update's changes can be told from yours.`,
      { where: projectDir, expected: 'a clean working tree' },
    );
  }
}

/** The files git tracks in the project (paths relative to it): any other file there is the user's alone. */
async function trackedFiles(projectDir: string): Promise<Set<string>> {
  const listed = await gitRaw(['ls-files', '-z'], projectDir);
  // Outside a repository projectRepository says so; here an empty list is enough.
  return new Set(listed.code === 0 ? listed.stdout.toString('utf8').split('\0').filter(Boolean) : []);
}

/** Which of `paths` git reports as untracked and not ignored (paths relative to the project). */
async function untrackedAmong(projectDir: string, paths: readonly string[]): Promise<string[]> {
  const listed = await gitRaw(
    ['ls-files', '--others', '--exclude-standard', '-z', '--', ...paths.map((path) => `:(literal)${path}`)],
    projectDir,
  );
  if (listed.code !== 0) return [...paths];
  const others = new Set(listed.stdout.toString('utf8').split('\0').filter(Boolean));
  return paths.filter((path) => others.has(path));
}

/** The version of the template the project was generated from, rendered with its answers. */
export async function renderRecorded(
  record: TemplateRecord,
  sourceOverride?: string,
): Promise<RenderedVersion & CheckedOut> {
  const source = {
    ...record.source,
    ...(sourceOverride ? { repository: resolveSource(sourceOverride) } : {}),
  };
  if (!source.commit) {
    throw new SlipwayError(
      `The project records no commit of its template source (${source.repository} was not a git repository when it was generated), so its base version cannot be rendered. Pass --source <git repository of the templates>.`,
      { where: recordPath, expected: 'source.commit' },
    );
  }
  const old = await checkOutTemplate(source, record.template, source.commit);
  return { ...old, files: await renderTemplate(old.spec, record.answers, { commit: old.commit }), source };
}

function resolveSource(source: string): string {
  return /^[a-z]+:\/\//.test(source) || source.includes('@') ? source : resolve(source);
}

/** The recorded answers with `set` applied; questions the version asks anew take their defaults. */
export function answersFor(
  spec: TemplateSpec,
  record: TemplateRecord,
  set: Readonly<Record<string, string>>,
): { answers: Answers; defaulted: string[] } {
  const answers: Record<string, string> = {};
  const defaulted: string[] = [];
  for (const key of spec.questions) {
    const question = questionFor(key);
    const value = set[key] ?? record.answers[key];
    if (value === undefined) defaulted.push(key);
    answers[key] =
      value ?? question.defaultValue(answers, { directoryName: record.answers.name ?? 'my-model' });
    checkAnswer(question, answers[key] as string);
  }
  for (const key of Object.keys(set)) {
    if (!spec.questions.includes(key)) {
      throw new SlipwayError(
        `Invalid --set ${key}: template '${spec.name}' does not ask it. Expected one of: ${spec.questions.join(', ')}.`,
        {
          where: '--set',
          expected: spec.questions.join(', '),
        },
      );
    }
  }
  return { answers: answers as Answers, defaulted };
}

export async function updateProject(request: UpdateProjectRequest): Promise<UpdateResult> {
  const projectDir = resolve(request.projectDir);
  const record = await readRecord(projectDir);
  // Independent git processes are started together: each start is a large part of an update's time.
  // Outside a repository only the first fails (status prints nothing); in one, only the second can.
  const [{ top, prefix }, , tracked] = await Promise.all([
    projectRepository(projectDir),
    assertClean(projectDir),
    trackedFiles(projectDir),
  ]);

  const disposers: Array<() => Promise<void>> = [];
  try {
    const fromTemplatesRoot = request.to === undefined && request.templatesRoot !== undefined;
    const [recorded, described] = await Promise.allSettled([
      renderRecorded(record, request.source),
      fromTemplatesRoot ? describeSource(resolve(request.templatesRoot as string)) : undefined,
    ]);
    if (recorded.status === 'fulfilled') disposers.push(recorded.value.dispose);
    if (recorded.status === 'rejected') throw recorded.reason;
    const old = recorded.value;
    let spec: TemplateSpec;
    let newSource: SourceRecord;
    if (!fromTemplatesRoot || request.templatesRoot === undefined) {
      const checkedOut = await checkOutTemplate(old.source, record.template, request.to ?? 'HEAD');
      disposers.push(checkedOut.dispose);
      spec = checkedOut.spec;
      newSource = { ...old.source, commit: checkedOut.commit };
    } else {
      spec = findTemplate(request.templatesRoot, record.template);
      if (described.status === 'rejected') throw described.reason;
      newSource = (described.value as DescribedSource).record;
    }
    const { answers, defaulted } = answersFor(spec, record, request.set ?? {});
    const theirs = await renderTemplate(spec, answers, newSource.commit ? { commit: newSource.commit } : {});

    const inTheWay = pathChecker(projectDir);
    const recordInTheWay = inTheWay(recordPath);
    if (recordInTheWay) {
      throw new SlipwayError(
        `${join(projectDir, recordPath)} cannot be written: ${describeInTheWay(recordInTheWay)}. Make ${recordPath} a plain file in the project, then run the update again.`,
        { where: join(projectDir, recordPath), expected: 'a plain file inside the project' },
      );
    }
    // Only a plain file is read: never one through a link, never a folder.
    const yours = (path: string): Buffer | undefined => {
      const file = join(projectDir, path);
      return !inTheWay(path) && existsSync(file) ? readFileSync(file) : undefined;
    };
    const plan = planMerge({ base: old.files, theirs, yours, managed: spec.managed, inTheWay });
    // As git merge does: a file git does not track (and does not ignore) has no copy anywhere, so the
    // update stops before it. Git has the last word on what the quick look finds: it matches paths as the
    // file system does (a template renaming Readme.md to README.md on macOS) and knows what is ignored.
    const candidates = plan
      .filter((step) => step.action !== 'keep' && !tracked.has(step.path))
      .map((step) => step.path)
      .filter((path) => existsSync(join(projectDir, path)));
    const untracked = candidates.length > 0 ? await untrackedAmong(projectDir, candidates) : [];
    if (untracked.length > 0) {
      throw new SlipwayError(
        `In ${projectDir}, untracked files would be overwritten by the update: ${untracked.join(', ')}; move or commit them first.`,
        { where: projectDir, expected: 'no untracked files where the template changes files' },
      );
    }
    const labels = { yours: 'yours', base: `template ${record.version}`, theirs: `template ${spec.version}` };
    const context = { base: old.files, theirs, yours, labels };
    const applyStep = (step: PlannedFile) => apply(step, projectDir, context);
    // Removals first: a file the template turned into a folder is gone before the folder is made. Files
    // are otherwise independent: merge several at once (each git merge-file is a process start).
    const removals = await mapLimited(
      plan.filter((step) => step.action === 'remove'),
      8,
      applyStep,
    );
    const changes = await mapLimited(
      plan.filter((step) => step.action !== 'remove'),
      8,
      applyStep,
    );
    const outcomes = [...removals, ...changes].sort((a, b) => (a.file.path < b.file.path ? -1 : 1));
    const files: UpdatedFile[] = outcomes.map((o) => o.file);
    const unmerged: Unmerged[] = outcomes.flatMap((o) =>
      o.unmerged ? [{ ...o.unmerged, path: `${prefix}${o.file.path}` }] : [],
    );
    await markUnmerged(top, unmerged);
    const next: TemplateRecord = {
      template: spec.name,
      version: spec.version,
      source: newSource,
      answers: Object.fromEntries(spec.questions.map((key) => [key, answers[key] as string])),
      files: digestsOf(theirs),
    };
    await writeFile(join(projectDir, recordPath), recordText(next));
    return {
      template: spec.name,
      from: record.version,
      to: spec.version,
      files,
      conflicts: unmerged.map((u) => u.path.slice(prefix.length)),
      defaulted,
    };
  } finally {
    for (const dispose of disposers) await dispose();
  }
}

async function mapLimited<T, R>(
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

/** One planned step, a filesystem failure told as which file and what happened. */
async function apply(
  step: PlannedFile,
  projectDir: string,
  context: ApplyContext,
): Promise<{ file: UpdatedFile; unmerged?: Omit<Unmerged, 'path'> }> {
  try {
    return await carryOut(step, projectDir, context);
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    throw new SlipwayError(
      `Could not ${step.action === 'remove' ? 'remove' : 'write'} ${step.path} in ${projectDir} (${(error as Error).message}). The update stopped part-way and the template record was not moved on: \`git status\` shows what it changed.`,
      { where: join(projectDir, step.path), expected: 'a file Slipway can write', cause: error },
    );
  }
}

interface ApplyContext {
  readonly base: RenderedFiles;
  readonly theirs: RenderedFiles;
  readonly yours: (path: string) => Buffer | undefined;
  readonly labels: { yours: string; base: string; theirs: string };
}

async function carryOut(
  step: PlannedFile,
  projectDir: string,
  context: ApplyContext,
): Promise<{ file: UpdatedFile; unmerged?: Omit<Unmerged, 'path'> }> {
  const target = join(projectDir, step.path);
  const note = step.note ? { note: step.note } : {};
  const theirs = context.theirs.get(step.path);
  switch (step.action) {
    case 'write':
    case 'replace':
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, theirs as Buffer);
      return {
        file: { path: step.path, outcome: step.action === 'write' ? 'written' : 'replaced', ...note },
      };
    case 'remove':
      await rm(target, { force: true });
      return { file: { path: step.path, outcome: 'removed' } };
    case 'keep':
      return { file: { path: step.path, outcome: 'kept', ...note } };
    case 'merge': {
      const yours = context.yours(step.path) as Buffer;
      const base = context.base.get(step.path);
      const merged = await mergeText(yours, base, theirs as Buffer, context.labels);
      await writeFile(target, merged.content);
      if (merged.conflicts === 0) return { file: { path: step.path, outcome: 'merged' } };
      return {
        file: {
          path: step.path,
          outcome: 'conflict',
          note: `${merged.conflicts} conflicting change${merged.conflicts === 1 ? '' : 's'}: resolve the <<<<<<< blocks, then \`git add\` it`,
        },
        unmerged: { ...(base ? { base } : {}), yours, theirs: theirs as Buffer },
      };
    }
  }
}
