// The project's files as git sees them. A checkout need not hold what git stores: core.autocrlf or a
// .gitattributes `eol=crlf` puts CRLF in the working tree of files the repository (and the template) hold
// with LF, and a clean filter may change a file further. So an update compares and merges git's clean
// form of each file, and writes what git itself would check out, leaving git's rules to git.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { gitRaw } from './git.js';

export interface ProjectCheckout {
  /** Tracked paths (relative to the project), each with whether git records it executable (100755). */
  readonly tracked: ReadonlyMap<string, boolean>;
  /**
   * Whether git may convert between a file in the working tree and in the repository: a tracked file
   * checked out with other line endings than stored, or any conversion attribute. When not, a file's
   * bytes are its clean form and the git round trips are skipped.
   */
  readonly converts: boolean;
}

/** `git ls-files --stage --eol`: one process tells what is tracked, each mode, and whether eol converts. */
export async function readCheckout(projectDir: string): Promise<ProjectCheckout> {
  const listed = await gitRaw(['ls-files', '-z', '--stage', '--eol'], projectDir);
  // Outside a repository the caller says so; here an empty list is enough.
  if (listed.code !== 0) return { tracked: new Map(), converts: false };
  const tracked = new Map<string, boolean>();
  let converts = false;
  for (const entry of listed.stdout.toString('utf8').split('\0')) {
    // <mode> <object> <stage>\t<i/…> <w/…> <attr/…>\t<path>
    const [stage, eol, ...path] = entry.split('\t');
    if (stage === undefined || eol === undefined || path.length === 0) continue;
    tracked.set(path.join('\t'), stage.startsWith('100755'));
    const [index, work, attributes] = eol.trim().split(/\s+(?=w\/|attr\/)/);
    if (work !== 'w/' && work?.slice(2) !== index?.slice(2)) converts = true;
    if ((attributes ?? 'attr/').trim() !== 'attr/') converts = true;
  }
  return { tracked, converts };
}

function failed(command: string, projectDir: string, stderr: string): SlipwayError {
  return new SlipwayError(
    `git ${command} failed in ${projectDir} (${stderr.trim()}) while reading or writing files as git sees them (line endings, filters). Nothing was written; check that \`git status\` and \`git add\` work there, then run the update again.`,
    { where: projectDir, expected: 'a repository whose files git can read and check out' },
  );
}

/** Writes blobs into the project's repository: each file through git's clean filter, or as it is. */
async function writeBlobs(projectDir: string, files: readonly string[], filters: boolean): Promise<string[]> {
  const args = ['hash-object', '-w', '--stdin-paths', ...(filters ? [] : ['--no-filters'])];
  const result = await gitRaw(args, projectDir, `${files.join('\n')}\n`);
  if (result.code !== 0) throw failed('hash-object', projectDir, result.stderr);
  return result.stdout.toString('utf8').trim().split('\n');
}

/** The contents of blobs, by one `git cat-file --batch`. */
async function readBlobs(projectDir: string, ids: readonly string[]): Promise<Buffer[]> {
  const result = await gitRaw(['cat-file', '--batch'], projectDir, `${ids.join('\n')}\n`);
  if (result.code !== 0) throw failed('cat-file --batch', projectDir, result.stderr);
  const out = result.stdout;
  const blobs: Buffer[] = [];
  // Each: "<object> blob <size>\n<content>\n".
  for (let at = 0; blobs.length < ids.length; ) {
    const end = out.indexOf(10, at);
    const size = Number(out.subarray(at, end).toString('utf8').split(' ')[2]);
    if (end < 0 || !Number.isInteger(size)) throw failed('cat-file --batch', projectDir, 'unexpected output');
    blobs.push(out.subarray(end + 1, end + 1 + size));
    at = end + 2 + size;
  }
  return blobs;
}

// `--stdin-paths` reads a path a line.
const oneLine = (path: string) => !path.includes('\n');

/**
 * The clean form of project files (paths relative to the project): what `git add` would store, so a CRLF
 * checkout of a template's LF file compares as unchanged. Paths git cannot be given are left out.
 */
export async function cleanForms(projectDir: string, paths: readonly string[]): Promise<Map<string, Buffer>> {
  const named = paths.filter(oneLine);
  if (named.length === 0) return new Map();
  const blobs = await readBlobs(projectDir, await writeBlobs(projectDir, named, true));
  return new Map(named.map((path, i) => [path, blobs[i] as Buffer]));
}

/**
 * What git would check out for each file (clean content by project-relative path): its smudge filter
 * and line endings applied, by `git checkout-index` from an index of their own into a scratch folder.
 */
export async function workTreeForms(
  projectDir: string,
  files: ReadonlyMap<string, Buffer>,
): Promise<Map<string, Buffer>> {
  const named = [...files.keys()].filter(oneLine);
  if (named.length === 0) return new Map();
  const scratch = await mkdtemp(join(tmpdir(), 'slipway-checkout-'));
  try {
    await mkdir(join(scratch, 'in'));
    const inputs = named.map((_, i) => join(scratch, 'in', String(i)));
    await Promise.all(named.map((path, i) => writeFile(inputs[i] as string, files.get(path) as Buffer)));
    const ids = await writeBlobs(projectDir, inputs, false);
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    const entries = named.map((path, i) => `100644 ${ids[i]}\t${path}\0`).join('');
    const indexed = await gitRaw(['update-index', '-z', '--index-info'], projectDir, entries, env);
    if (indexed.code !== 0) throw failed('update-index --index-info', projectDir, indexed.stderr);
    const out = join(scratch, 'out');
    const checkedOut = await gitRaw(
      ['checkout-index', '-a', '-f', `--prefix=${out}/`],
      projectDir,
      undefined,
      env,
    );
    if (checkedOut.code !== 0) throw failed('checkout-index', projectDir, checkedOut.stderr);
    const contents = await Promise.all(named.map((path) => readFile(join(out, path))));
    return new Map(named.map((path, i) => [path, contents[i] as Buffer]));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
