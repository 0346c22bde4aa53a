// Where an artifact.files entry really is. A path that is absolute, climbs out with `..`, is a symlink
// or passes through one that points outside the project, or names a FIFO, socket or device is refused:
// publishing must never ship a host file such as /etc/passwd, nor wait forever on a pipe. validate-config
// and publish ask the same question here, so they can never disagree.
import { lstatSync, realpathSync, type Stats, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export type ArtifactPathCheck =
  | { readonly kind: 'file'; readonly source: string; readonly realPath: string }
  | { readonly kind: 'missing'; readonly source: string }
  | { readonly kind: 'refused'; readonly reason: string };

function isInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}

function kindOf(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'a special file';
}

/** The first component of `path` (relative to root) that is a symlink, with its target, if any. */
function firstLink(root: string, path: string): { link: string; target: string } | undefined {
  let at = root;
  for (const part of path.split(/[\\/]+/).filter(Boolean)) {
    at = join(at, part);
    let stats: Stats;
    try {
      stats = lstatSync(at);
    } catch {
      return undefined;
    }
    if (stats.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(at);
      } catch {
        target = '(a target that does not exist)';
      }
      return { link: relative(root, at), target };
    }
  }
  return undefined;
}

/**
 * Checks one artifact.files path against the project directory. Only reads metadata (lstat, stat,
 * realpath), never opens the file, so a FIFO is refused at once instead of blocking.
 */
export function checkArtifactPath(projectDir: string, path: string): ArtifactPathCheck {
  if (isAbsolute(path)) {
    return {
      kind: 'refused',
      reason: `is an absolute path; artifact.files paths are relative to the project directory ${projectDir}`,
    };
  }
  if (path.split(/[\\/]+/).includes('..')) {
    return {
      kind: 'refused',
      reason: `climbs with '..'; artifact.files paths name files inside the project directory ${projectDir}`,
    };
  }
  const source = resolve(projectDir, path);
  if (!isInside(projectDir, source)) {
    return { kind: 'refused', reason: `is not a file inside the project directory ${projectDir}` };
  }
  // Most paths hold no symlink below the project directory: then one lstat per component settles it (it
  // cannot leave the project, and the last lstat says what kind of file it is), without resolving the
  // project directory's own ancestors twice as realpath does.
  let stats: Stats | undefined;
  let at = projectDir;
  for (const part of path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.')) {
    at = join(at, part);
    try {
      stats = lstatSync(at);
    } catch {
      return { kind: 'missing', source };
    }
    if (stats.isSymbolicLink()) {
      stats = undefined;
      break;
    }
  }
  if (stats) {
    const special = kindOf(stats);
    if (special) return { kind: 'refused', reason: `is ${special}, not a regular file` };
    return { kind: 'file', source, realPath: source };
  }
  let realRoot: string;
  let realPath: string;
  try {
    // The C library's realpath: one call, where Node's JavaScript one lstats every component.
    realRoot = realpathSync.native(projectDir);
    realPath = realpathSync.native(source);
  } catch {
    return { kind: 'missing', source };
  }
  if (!isInside(realRoot, realPath)) {
    const link = firstLink(projectDir, path);
    return {
      kind: 'refused',
      reason: link
        ? `goes through the symlink '${link.link}', which points to ${link.target}, outside the project directory ${projectDir}`
        : `resolves to ${realPath}, outside the project directory ${projectDir}`,
    };
  }
  const special = kindOf(statSync(realPath));
  if (special) return { kind: 'refused', reason: `is ${special}, not a regular file` };
  return { kind: 'file', source, realPath };
}
