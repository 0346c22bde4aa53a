// `slipway new` / `npm create slipway`: one template rendered into a new project folder, its answers and
// file digests recorded, optionally a git repository with a first commit. Nothing is written outside the
// target, and a failure part-way removes what this run wrote.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { Answers } from './answers.js';
import { findTemplate } from './catalog.js';
import { git, gitRaw } from './git.js';
import { describeInTheWay, pathChecker } from './project-path.js';
import { digestsOf, recordPath, recordText } from './record.js';
import { type RenderedFiles, readTemplateFiles, renderTemplate, substitute, variables } from './render.js';
import { describeSource } from './source.js';

export interface NewProjectRequest {
  /** The folder of templates (each a folder with template.yaml). */
  readonly templatesRoot: string;
  readonly template: string;
  /** The directory named on the command line: a plain name (or `.`), relative to `parentDir`. */
  readonly directory: string;
  readonly parentDir: string;
  /** Every answer the template asks, already checked (see collectAnswers). */
  readonly answers: Answers;
  /** Write into a non-empty directory. */
  readonly force?: boolean;
  /** `git init` and commit the generated files. */
  readonly git?: boolean;
  /** templatesRoot is Slipway's own templates: the record says so, and updates take them from the Slipway that runs. */
  readonly builtin?: boolean;
}

export interface NewProjectResult {
  readonly projectDir: string;
  readonly template: string;
  readonly version: string;
  readonly files: readonly string[];
  /** The first commit, when `git` was asked for. */
  readonly commit?: string;
  readonly nextSteps: readonly string[];
  readonly warnings: readonly string[];
}

/** Refuses a target name that could reach outside the current folder. */
export function checkDirectoryName(directory: string): void {
  const expected =
    'a plain folder name such as my-model (no slashes, no .., not an absolute path), or . for the current folder';
  if (
    directory === '' ||
    isAbsolute(directory) ||
    /[\\/]/.test(directory) ||
    directory === '..' ||
    (directory !== '.' && directory.startsWith('.')) ||
    directory.includes('\0')
  ) {
    throw new SlipwayError(`Invalid directory '${directory}'. Expected ${expected}.`, {
      where: '<directory>',
      expected,
    });
  }
}

/** The directory's name, for defaults: the folder itself for `.`. */
export function directoryNameOf(parentDir: string, directory: string): string {
  return basename(resolve(parentDir, directory));
}

export function assertTargetUsable(projectDir: string, force: boolean): void {
  if (!existsSync(projectDir) || force) return;
  const entries = readdirSync(projectDir).filter((name) => name !== '.git');
  if (entries.length > 0) {
    throw new SlipwayError(
      `${projectDir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}). Choose another directory, or pass --force to write into it.`,
      { where: projectDir, expected: 'an empty or new directory' },
    );
  }
}

/**
 * Refuses, before anything is written, a folder in which a template path (or the record) would be written
 * through a symbolic link, or where a folder or file stands in the way of one.
 */
function assertPathsWritable(projectDir: string, paths: Iterable<string>): void {
  const inTheWay = pathChecker(projectDir);
  for (const path of paths) {
    const found = inTheWay(path);
    if (found) {
      throw new SlipwayError(
        `Cannot write ${path} in ${projectDir}: ${describeInTheWay(found)}. Move it away, or choose another directory.`,
        {
          where: join(projectDir, found.at),
          expected: 'a plain file or nothing where the template has a file',
        },
      );
    }
  }
}

/** Executable where readable, as git checks out a 100755 file; a file --force overwrote gets it too. */
function makeExecutable(file: string): void {
  const { mode } = statSync(file);
  chmodSync(file, (mode | ((mode & 0o444) >> 2)) & 0o7777);
}

// A first commit leaves nothing for git's automatic maintenance to do, and checking costs a process start.
const noMaintenance = ['-c', 'maintenance.auto=false'];

/**
 * Commits exactly `files` (paths relative to `projectDir`) in the repository whose top level is
 * `projectDir`, and nothing else: not another repository git might have been pointed at, not changes
 * already staged in a repository the project was generated into with --force.
 */
export async function commitFiles(
  projectDir: string,
  files: readonly string[],
  message: string,
  /**
   * True when this run made the folder and ran `git init` in it (with gitEnvironment, which drops GIT_DIR
   * and the like): its top level is then the folder itself, and its branch a plain file under .git.
   */
  fresh = false,
): Promise<string> {
  if (!fresh) {
    const top = await gitRaw(['rev-parse', '--show-toplevel'], projectDir);
    const topLevel = top.code === 0 ? top.stdout.toString('utf8').trim() : undefined;
    if (!topLevel || realpathSync(topLevel) !== realpathSync(projectDir)) {
      throw new SlipwayError(
        `git init in ${projectDir} left it inside ${topLevel ?? 'no repository'}, so the first commit was not made. Commit the generated files yourself, or run again with --no-git.`,
        { where: projectDir, expected: 'a git repository whose top level is the project directory' },
      );
    }
  }
  const pathspec = `${files.join('\0')}\0`;
  const only = ['--pathspec-from-file=-', '--pathspec-file-nul'];
  // Every file is streamed into one pack (git's bulk check-in, which it uses for files above
  // core.bigFileThreshold) instead of one loose object each: a 200-file project otherwise makes git create
  // ~130 object directories and 200 files before its first commit. Only this command sees the setting.
  await git(['-c', 'core.bigFileThreshold=1', 'add', ...only], projectDir, pathspec);
  // In a repository this run made, what was just staged is all there is, so a plain commit takes exactly
  // these files, without the temporary index a commit limited to paths builds and merges back.
  const scope = fresh ? [] : only;
  const input = fresh ? undefined : pathspec;
  const commit = await gitRaw(
    [...noMaintenance, 'commit', '-q', '--no-verify', '-m', message, ...scope],
    projectDir,
    input,
  );
  if (commit.code !== 0) {
    // A machine without a git identity (CI, a fresh container) still gets its first commit.
    await git(
      [
        ...noMaintenance,
        '-c',
        'user.name=Slipway',
        '-c',
        'user.email=slipway@localhost',
        'commit',
        '-q',
        '--no-verify',
        '-m',
        message,
        ...scope,
      ],
      projectDir,
      input,
    );
  }
  if (fresh) {
    // The commit git just wrote on the branch `git init -b main` made, without another process; a ref
    // store that is not files (reftable) falls through to rev-parse.
    const ref = join(projectDir, '.git', 'refs', 'heads', 'main');
    const sha = existsSync(ref) ? readFileSync(ref, 'utf8').trim() : '';
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return sha;
  }
  return git(['rev-parse', 'HEAD'], projectDir);
}

export async function newProject(request: NewProjectRequest): Promise<NewProjectResult> {
  checkDirectoryName(request.directory);
  const spec = findTemplate(request.templatesRoot, request.template);
  const projectDir = resolve(request.parentDir, request.directory);
  assertTargetUsable(projectDir, request.force === true);
  const createdDir = !existsSync(projectDir);
  const written: string[] = [];
  // A folder this run makes gets its repository while the files are being written.
  let initialised: Promise<string> | undefined;
  let rendered: RenderedFiles;
  let warnings: string[];
  try {
    // git describes the template source, and makes the project's repository, while the template's files
    // are read: each is a process of its own, and only rendering needs the source's commit.
    const described = describeSource(resolve(request.templatesRoot));
    described.catch(() => undefined);
    if (request.git && createdDir) {
      mkdirSync(projectDir, { recursive: true });
      initialised = git(['init', '-q', '-b', 'main'], projectDir);
      initialised.catch(() => undefined);
    }
    const templateFiles = readTemplateFiles(spec);
    const source = await described;
    warnings = source.dirty
      ? [
          `The templates in ${source.record.repository} have uncommitted changes; \`slipway update\` will take commit ${source.record.commit?.slice(0, 12) ?? '(none)'} as what this project was generated from.`,
        ]
      : [];
    rendered = await renderTemplate(
      spec,
      request.answers,
      source.record.commit ? { commit: source.record.commit } : {},
      templateFiles,
    );
    if (!createdDir) assertPathsWritable(projectDir, [...rendered.keys(), recordPath]);
    const record = {
      template: spec.name,
      version: spec.version,
      source: request.builtin ? { ...source.record, builtin: true } : source.record,
      answers: Object.fromEntries(spec.questions.map((key) => [key, request.answers[key] as string])),
      files: digestsOf(rendered),
    };
    // Each folder made once, then the files written one after another: small files are written faster
    // straight away than through the thread pool, and git init runs beside them in its own process.
    const folders = new Set([...rendered.keys()].map((path) => dirname(join(projectDir, path))));
    for (const folder of [...folders].sort()) mkdirSync(folder, { recursive: true });
    for (const [path, content] of rendered) {
      const target = join(projectDir, path);
      writeFileSync(target, content);
      written.push(target);
      if (rendered.executable.has(path)) makeExecutable(target);
    }
    const recordFile = join(projectDir, recordPath);
    mkdirSync(dirname(recordFile), { recursive: true });
    writeFileSync(recordFile, recordText(record));
    written.push(recordFile);
  } catch (error) {
    // Nothing half-written: remove what this run wrote (and the folder, if this run made it).
    await initialised?.catch(() => undefined);
    if (createdDir) await rm(projectDir, { recursive: true, force: true });
    else for (const file of written) await rm(file, { force: true });
    throw error;
  }

  let commit: string | undefined;
  if (request.git) {
    // git init in an existing repository only reinitialises it, keeping its history.
    await (initialised ?? git(['init', '-q', '-b', 'main'], projectDir));
    commit = await commitFiles(
      projectDir,
      [...rendered.keys(), recordPath],
      `Generate from Slipway's ${spec.name} template ${spec.version}`,
      initialised !== undefined,
    );
  }
  const values = { ...variables(spec, request.answers, {}), directory: request.directory };
  const nextSteps = [
    ...(request.directory === '.' ? [] : [`cd ${request.directory}`]),
    ...spec.nextSteps.map((step) => substitute(step, values, `${spec.name}/template.yaml`)),
  ];
  return {
    projectDir,
    template: spec.name,
    version: spec.version,
    files: [...rendered.keys()],
    ...(commit ? { commit } : {}),
    nextSteps,
    warnings,
  };
}
