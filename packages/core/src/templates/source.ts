// Where templates come from, and their earlier versions. A template's versions are its history in git:
// the project records the commit it was generated from, and an update renders that commit again (with the
// same answers) as the base of a three-way merge, the way Copier does with its template's tags.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { findTemplate, type TemplateSpec, templateFile } from './catalog.js';
import { extractTree, git, gitRaw } from './git.js';
import type { SourceRecord } from './record.js';
import { parseYamlData } from './yaml-data.js';

export interface DescribedSource {
  readonly record: SourceRecord;
  /** True when the templates differ from the recorded commit (uncommitted edits in the source). */
  readonly dirty: boolean;
}

/** The git repository and commit of a templates folder on disk, when it is in one. */
export async function describeSource(templatesRoot: string): Promise<DescribedSource> {
  // One git process tells the commit and whether the folder has uncommitted changes (porcelain v2's
  // branch header carries HEAD's commit); each process start counts here. The work tree's top is found
  // as git finds it, by the nearest .git up from the folder (git's own variables that could point it
  // elsewhere are never passed on: see gitEnvironment). Run in the folder, `-- .` is the folder's pathspec.
  const repository = enclosingWorkTree(templatesRoot);
  if (!repository) return { record: { repository: templatesRoot, path: '.' }, dirty: false };
  const status = await gitRaw(
    ['status', '--porcelain=v2', '--branch', '--untracked-files=no', '--', '.'],
    templatesRoot,
  ).catch(() => undefined);
  // git does not take it for a repository after all (owned by someone else, say): as with no .git.
  if (!status || (status.code === 128 && /not a git repository|dubious ownership/i.test(status.stderr)))
    return { record: { repository: templatesRoot, path: '.' }, dirty: false };
  if (status.code !== 0) {
    throw new Error(
      `git status --porcelain=v2 --untracked-files=no -- . failed in ${templatesRoot} (exit ${status.code}): ${status.stderr.trim()}`,
    );
  }
  const path = relative(repository, templatesRoot).split(sep).join('/') || '.';
  const lines = status.stdout.toString('utf8').split('\n');
  const commit = lines.find((line) => line.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
  // A repository without a commit yet: nothing to render an older version from.
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return { record: { repository, path }, dirty: true };
  return {
    record: { repository, path, commit },
    dirty: lines.some((line) => line !== '' && !line.startsWith('#')),
  };
}

/**
 * The nearest folder at or above `dir` holding a .git that git would take: a folder with a HEAD, or a
 * `gitdir:` file (a worktree or submodule). git passes over any other .git, and so does this.
 */
function enclosingWorkTree(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (isGitDir(join(at, '.git'))) return at;
    if (dirname(at) === at) return undefined;
  }
}

function isGitDir(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) return existsSync(join(path, 'HEAD'));
    return readFileSync(path, 'utf8').startsWith('gitdir:');
  } catch {
    return false;
  }
}

/** A version of the source checked out into a temporary folder; `dispose` removes it. */
export interface CheckedOut {
  readonly spec: TemplateSpec;
  readonly commit: string;
  /** The templates folder in the repository it was found in (the source's, unless searched for). */
  readonly path: string;
  readonly dispose: () => Promise<void>;
}

function unrenderable(source: SourceRecord, why: string): SlipwayError {
  return new SlipwayError(
    `Cannot render the template from ${source.repository}${source.commit ? ` at ${source.commit.slice(0, 12)}` : ''}: ${why}. ` +
      'Pass --source <git repository of the templates> (a path or URL) to name where its history is.',
    { where: source.repository, expected: 'a git repository holding the template history' },
  );
}

async function localRepository(repository: string, scratch: string): Promise<string> {
  if (existsSync(repository)) return repository;
  // A URL: a blobless clone fetches only what the commits asked for need.
  const into = join(scratch, 'source.git');
  const result = await gitRaw(
    ['clone', '--bare', '--filter=blob:none', '--quiet', repository, into],
    scratch,
  );
  if (result.code !== 0) throw new Error(result.stderr.trim());
  return into;
}

const notARepository = Symbol('not a git repository');

/**
 * Resolves `to` (a template version such as 1.2.0, or any git revision) to a commit of the source;
 * undefined when none matches.
 */
async function resolveRevision(
  repository: string,
  templateDir: string,
  to: string,
): Promise<string | typeof notARepository | undefined> {
  if (/^\d+\.\d+\.\d+/.test(to)) {
    const isRepository = await gitRaw(['rev-parse', '--git-dir'], repository).catch(() => undefined);
    if (isRepository?.code !== 0) return notARepository;
    const log = await git(
      ['log', '--all', '--format=%H', '--', `${templateDir}/${templateFile}`],
      repository,
    );
    for (const commit of log.split('\n').filter(Boolean)) {
      const text = await gitRaw(['show', `${commit}:${templateDir}/${templateFile}`], repository);
      if (text.code !== 0) continue;
      const version = (
        parseYamlData(text.stdout.toString('utf8'), `${templateFile} at ${commit}`) as {
          version?: unknown;
        } | null
      )?.version;
      if (version === to) return commit;
    }
    return undefined;
  }
  // One git both asks whether this is a repository (exit 128 when not) and finds the commit (exit 1).
  const commit = await gitRaw(
    ['rev-parse', '--git-dir', '--verify', '-q', `${to}^{commit}`],
    repository,
  ).catch(() => undefined);
  if (commit === undefined || commit.code === 128) return notARepository;
  return commit.code === 0 ? commit.stdout.toString('utf8').trim().split('\n').at(-1) : undefined;
}

/**
 * The folders of `repository` that ever held a template called `name` (their template.yaml), the
 * source's own first: a templates folder copied out of a repository (an npm package's) knows only that
 * it was `.`, while the repository keeps it under templates/.
 */
async function templateDirs(repository: string, path: string, name: string): Promise<string[]> {
  const own = path === '.' ? name : `${path}/${name}`;
  const log = await gitRaw(
    ['log', '--all', '--format=', '--name-only', '--', `:(glob)**/${name}/${templateFile}`],
    repository,
  ).catch(() => undefined);
  const found = (log?.code === 0 ? log.stdout.toString('utf8').split('\n') : [])
    .filter((line) => line.endsWith(`/${templateFile}`) || line === `${name}/${templateFile}`)
    .map((line) => line.slice(0, -`/${templateFile}`.length));
  return [...new Set([own, ...found.sort()])];
}

/**
 * Checks out template `name` of the source at `revision` (a commit, or a template version) into a
 * temporary folder, with the skeleton it renders from when it has one. With `searchPaths`, a version is
 * looked for in every folder of the repository that held the template, not only the source's path.
 */
export async function checkOutTemplate(
  source: SourceRecord,
  name: string,
  revision: string,
  searchPaths = false,
): Promise<CheckedOut> {
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-template-'));
  const dispose = () => rm(scratch, { recursive: true, force: true });
  try {
    const repository = await localRepository(source.repository, scratch).catch((error: Error) => {
      throw unrenderable(source, `it could not be read (${error.message})`);
    });
    let templateDir = source.path === '.' ? name : `${source.path}/${name}`;
    let commit = await resolveRevision(repository, templateDir, revision);
    if (commit === undefined && searchPaths) {
      for (const dir of (await templateDirs(repository, source.path, name)).slice(1)) {
        commit = await resolveRevision(repository, dir, revision);
        if (commit !== undefined) {
          templateDir = dir;
          break;
        }
      }
    }
    if (commit === notARepository) throw unrenderable(source, 'it is not a git repository');
    if (!commit) throw unrenderable(source, `no commit of template '${name}' matches '${revision}'`);
    const path = templateDir === name ? '.' : templateDir.slice(0, -`/${name}`.length);
    const tree = join(scratch, 'tree');
    await mkdir(tree);
    await extractTree(repository, commit, [templateDir], tree).catch(() => {
      throw unrenderable(source, `template '${name}' does not exist at ${commit.slice(0, 12)}`);
    });
    const root = resolve(tree, path);
    const spec = findTemplate(root, name);
    if (spec.skeleton !== undefined) {
      const skeleton = relative(tree, resolve(spec.dir, spec.skeleton)).split(sep).join('/');
      if (skeleton.startsWith('..'))
        throw unrenderable(source, `its skeleton ${spec.skeleton} is outside the repository`);
      await mkdir(dirname(join(tree, skeleton)), { recursive: true });
      await extractTree(repository, commit, [skeleton], tree);
    }
    return { spec, commit, path, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
