// `slipway update`: the project moved to a newer template version (or new answers) by a three-way merge.
// Non-overlapping edits merge cleanly; overlapping ones get diff3 markers and stay unmerged in git's index;
// files you deleted stay deleted; managed files are replaced and your hand edits reported. Every file the
// template changed appears in the result: nothing is dropped silently. As git merge does, it stops before
// overwriting a file git does not track; and it never follows a symbolic link in the project. Files are
// compared as git stores them (a CRLF checkout is not an edit) and written as git would check them out;
// the executable bit merges three ways; a path an answer renames takes your edits along. Without a
// templates folder it updates from the source its record names, never from another of the same name.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { type Answers, checkAnswer, questionFor } from './answers.js';
import { findTemplate, type TemplateSpec } from './catalog.js';
import { gitRaw } from './git.js';
import { markUnmerged, planMerge, renamedPaths } from './merge.js';
import { describeInTheWay, type InTheWay, pathChecker } from './project-path.js';
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
import { applyPlan, type UpdatedFile } from './update-apply.js';
import { cleanForms, type ProjectCheckout, readCheckout, workTreeForms } from './worktree.js';

export type { UpdatedFile, UpdateOutcome } from './update-apply.js';

export interface UpdateProjectRequest {
  readonly projectDir: string;
  /**
   * The templates folder to update to, as it is on disk. Default: the one the project was generated from,
   * as its record says (Copier's `_src_path`); when that is not on this machine, its source's latest commit.
   */
  readonly templatesRoot?: string;
  /**
   * Where the running Slipway's own templates are: the default for a project generated from Slipway's own
   * templates (its record says `builtin`), wherever the Slipway that generated it was installed.
   */
  readonly builtinTemplatesRoot?: string;
  /** Update to this template version (or git revision) of the recorded source instead. */
  readonly to?: string;
  /** Changed answers. */
  readonly set?: Readonly<Record<string, string>>;
  /** Where the template's history is, when not where the record says. */
  readonly source?: string;
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
  if (!source.commit && !sourceOverride) {
    throw new SlipwayError(
      `The project records no commit of its template source (${source.repository} was not a git repository when it was generated), so its base version cannot be rendered. Pass --source <git repository of the templates> (a path or URL): the template's version ${record.version} is found in its history.`,
      { where: recordPath, expected: 'source.commit' },
    );
  }
  // Without a commit (templates copied out of their repository, as an npm package has them), the base
  // is the commit of the --source repository whose template.yaml says the recorded version.
  const old = source.commit
    ? await checkOutTemplate(source, record.template, source.commit)
    : await checkOutTemplate(source, record.template, record.version, true);
  return {
    ...old,
    // Rendered as it was generated: what a commit fills in (the actions' ref) was not known then.
    files: await renderTemplate(old.spec, record.answers, source.commit ? { commit: old.commit } : {}),
    source: { ...source, path: old.path, commit: old.commit },
  };
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

/** The folder a record's source names, when it is on this machine: its repository and templates path. */
/** The templates folder a record names, when it is on this machine. */
export function recordedFolder(source: SourceRecord): string | undefined {
  if (/^[a-z]+:\/\//.test(source.repository) || !existsSync(source.repository)) return undefined;
  const folder = resolve(source.repository, source.path);
  return existsSync(folder) ? folder : undefined;
}

const realFolder = (folder: string) => (existsSync(folder) ? realpathSync(folder) : resolve(folder));

/**
 * Refuses to update from templates other than those the project was generated from, unless --source says
 * where the template's history now is: the templates given might be Slipway's own by default, and an
 * update from another source's template of the same name would rewrite the project as that one.
 */
function assertRecordedSource(
  projectDir: string,
  record: TemplateRecord,
  templatesRoot: string,
  described: SourceRecord,
): void {
  const recorded = resolve(record.source.repository, record.source.path);
  const given = resolve(described.repository, described.path);
  if (!record.source.commit || realFolder(recorded) === realFolder(given)) return;
  const where = join(projectDir, recordPath);
  throw new SlipwayError(
    `${projectDir} was generated from the '${record.template}' template in ${recorded} (${where}), not from ${templatesRoot}. ` +
      `Run \`slipway update --templates ${recorded}\` to update from the templates it came from; to move it to ${templatesRoot} instead, pass --source <git repository of those templates> as well.`,
    { where, expected: `templates from ${recorded}` },
  );
}

interface NewVersion {
  readonly spec: TemplateSpec;
  readonly source: SourceRecord;
  readonly dispose?: () => Promise<void>;
}

/** The version to update to: a revision of the recorded source (--to), a templates folder, or the latest. */
async function newVersion(
  request: UpdateProjectRequest,
  projectDir: string,
  record: TemplateRecord,
  old: RenderedVersion,
  /** describeSource of request.templatesRoot, when started already (beside rendering the old version). */
  early?: Promise<DescribedSource>,
): Promise<NewVersion> {
  const builtin = old.source.builtin === true && request.builtinTemplatesRoot !== undefined;
  // --source names where the template's history is: its latest version is the one to update to.
  const byDefault =
    request.source !== undefined
      ? undefined
      : builtin
        ? request.builtinTemplatesRoot
        : recordedFolder(old.source);
  const templatesRoot = request.to === undefined ? (request.templatesRoot ?? byDefault) : undefined;
  if (templatesRoot === undefined) {
    const checkedOut = await checkOutTemplate(old.source, record.template, request.to ?? 'HEAD');
    return {
      spec: checkedOut.spec,
      source: { ...old.source, commit: checkedOut.commit },
      dispose: checkedOut.dispose,
    };
  }
  const described = await (early ?? describeSource(resolve(templatesRoot)));
  // Slipway's own templates stay marked as such while they are what the project updates from.
  const own = builtin && realFolder(templatesRoot) === realFolder(request.builtinTemplatesRoot!);
  if (request.templatesRoot !== undefined && request.source === undefined && !own)
    assertRecordedSource(projectDir, record, request.templatesRoot, described.record);
  return {
    spec: findTemplate(templatesRoot, record.template),
    source: own ? { ...described.record, builtin: true } : described.record,
  };
}

/** Every path the merge looks at: what either version changed (content or mode), as the project has it. */
function changedPaths(base: RenderedFiles, theirs: RenderedFiles): string[] {
  return [...new Set([...base.keys(), ...theirs.keys()])].filter(
    (path) =>
      !(base.get(path) ?? Buffer.alloc(0)).equals(theirs.get(path) ?? Buffer.alloc(0)) ||
      base.has(path) !== theirs.has(path) ||
      base.executable.has(path) !== theirs.executable.has(path),
  );
}

/**
 * The project's files the merge reads, in git's clean form: in a checkout git converts (CRLF line endings,
 * a clean filter) a file is compared as `git add` would store it. Only a plain file is read: never one
 * through a link, never a folder.
 */
async function readYours(
  projectDir: string,
  paths: readonly string[],
  versions: { base: RenderedFiles; theirs: RenderedFiles },
  inTheWay: (path: string) => InTheWay | undefined,
  checkout: ProjectCheckout,
): Promise<Map<string, Buffer>> {
  const yours = new Map<string, Buffer>();
  for (const path of paths) {
    const file = join(projectDir, path);
    if (!inTheWay(path) && existsSync(file)) yours.set(path, readFileSync(file));
  }
  if (!checkout.converts) return yours;
  // A file as either version has it needs no cleaning: git would store it as it is.
  const unsure = [...yours]
    .filter(([path, content]) => !versions.base.get(path)?.equals(content))
    .filter(([path, content]) => !versions.theirs.get(path)?.equals(content))
    .map(([path]) => path);
  for (const [path, clean] of await cleanForms(projectDir, unsure)) yours.set(path, clean);
  return yours;
}

/** Whether a project file is executable: as git records it when tracked (core.fileMode may be off). */
function executableIn(projectDir: string, checkout: ProjectCheckout, yours: ReadonlyMap<string, Buffer>) {
  return (path: string): boolean | undefined => {
    if (!yours.has(path)) return undefined;
    return checkout.tracked.get(path) ?? (statSync(join(projectDir, path)).mode & 0o111) !== 0;
  };
}

/** Refuses, as git merge does, to overwrite a file git does not track (and does not ignore). */
async function assertNoUntracked(
  projectDir: string,
  paths: readonly string[],
  checkout: ProjectCheckout,
): Promise<void> {
  // Git has the last word on what the quick look finds: it matches paths as the file system does (a
  // template renaming Readme.md to README.md on macOS) and knows what is ignored.
  const candidates = paths.filter(
    (path) => !checkout.tracked.has(path) && existsSync(join(projectDir, path)),
  );
  const untracked = candidates.length > 0 ? await untrackedAmong(projectDir, candidates) : [];
  if (untracked.length > 0) {
    throw new SlipwayError(
      `In ${projectDir}, untracked files would be overwritten by the update: ${untracked.join(', ')}; move or commit them first.`,
      { where: projectDir, expected: 'no untracked files where the template changes files' },
    );
  }
}

function assertRecordWritable(projectDir: string, inTheWay: (path: string) => InTheWay | undefined): void {
  const recordInTheWay = inTheWay(recordPath);
  if (recordInTheWay) {
    throw new SlipwayError(
      `${join(projectDir, recordPath)} cannot be written: ${describeInTheWay(recordInTheWay)}. Make ${recordPath} a plain file in the project, then run the update again.`,
      { where: join(projectDir, recordPath), expected: 'a plain file inside the project' },
    );
  }
}

/** The record's content, with the line endings the checkout gives its other files. */
async function recordForm(projectDir: string, text: string, checkout: ProjectCheckout): Promise<Buffer> {
  const content = Buffer.from(text);
  if (!checkout.converts) return content;
  return (await workTreeForms(projectDir, new Map([[recordPath, content]]))).get(recordPath) ?? content;
}

export async function updateProject(request: UpdateProjectRequest): Promise<UpdateResult> {
  const projectDir = resolve(request.projectDir);
  const record = await readRecord(projectDir);
  // Independent git processes are started together: each start is a large part of an update's time.
  // Outside a repository only the first fails (status prints nothing); in one, only the second can.
  const [{ top, prefix }, , checkout] = await Promise.all([
    projectRepository(projectDir),
    assertClean(projectDir),
    readCheckout(projectDir),
  ]);

  const disposers: Array<() => Promise<void>> = [];
  try {
    // git describes the templates given while the old version renders: each is a process of its own.
    const given = request.to === undefined ? request.templatesRoot : undefined;
    const early = given === undefined ? undefined : describeSource(resolve(given));
    early?.catch(() => undefined);
    const old = await renderRecorded(record, request.source);
    disposers.push(old.dispose);
    const next = await newVersion(request, projectDir, record, old, early);
    if (next.dispose) disposers.push(next.dispose);
    const { spec } = next;
    const { answers, defaulted } = answersFor(spec, record, request.set ?? {});
    const theirs = await renderTemplate(
      spec,
      answers,
      next.source.commit ? { commit: next.source.commit } : {},
    );

    const inTheWay = pathChecker(projectDir);
    assertRecordWritable(projectDir, inTheWay);
    const versions = { base: old.files, theirs };
    const yours = await readYours(projectDir, changedPaths(old.files, theirs), versions, inTheWay, checkout);
    const plan = planMerge({
      base: old.files,
      theirs,
      yours: (path) => yours.get(path),
      managed: spec.managed,
      inTheWay,
      modes: {
        base: old.files.executable,
        theirs: theirs.executable,
        yours: executableIn(projectDir, checkout, yours),
      },
      renames: renamedPaths(old.files, theirs),
    });
    await assertNoUntracked(
      projectDir,
      plan.filter((step) => step.action !== 'keep').map((step) => step.path),
      checkout,
    );
    const nextRecord: TemplateRecord = {
      template: spec.name,
      version: spec.version,
      source: next.source,
      answers: Object.fromEntries(spec.questions.map((key) => [key, answers[key] as string])),
      files: digestsOf(theirs),
    };
    // Worked out before anything is written, as every file's content is (see applyPlan).
    const recordContent = await recordForm(projectDir, recordText(nextRecord), checkout);
    const labels = { yours: 'yours', base: `template ${record.version}`, theirs: `template ${spec.version}` };
    const applied = await applyPlan(plan, {
      projectDir,
      ...versions,
      yours,
      labels,
      converts: checkout.converts,
    });
    const unmerged = applied.unmerged.map((u) => ({ ...u, path: `${prefix}${u.path}` }));
    await markUnmerged(top, unmerged);
    await writeFile(join(projectDir, recordPath), recordContent);
    return {
      template: spec.name,
      from: record.version,
      to: spec.version,
      files: applied.files,
      conflicts: applied.unmerged.map((u) => u.path),
      defaulted,
    };
  } finally {
    for (const dispose of disposers) await dispose();
  }
}
