// What stands at a template path in a project, for `slipway new --force` and `slipway update`. A symbolic
// link inside the project is never followed: a template path below one could name a file anywhere (a
// committed `docs -> ../shared` would take the template's docs/ outside the project).
import { lstatSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';

/** Something in the way of a template path: the component `at` (a path relative to the project). */
export interface InTheWay {
  /**
   * 'link': a symbolic link at the path or a folder above it; 'folder': a folder at the path; 'file-above':
   * a file (or anything but a folder) where the path needs a folder; 'other': a fifo, socket or device.
   */
  readonly kind: 'link' | 'folder' | 'file-above' | 'other';
  readonly at: string;
}

/**
 * Finds what is in the way of template paths (forward slashes) below `projectDir`, with lstat component by
 * component; undefined when the path is a regular file or nothing is there yet. Each component is looked
 * at once, so call it before writing anything: a file removed later still counts as there.
 */
export function pathChecker(projectDir: string): (path: string) => InTheWay | undefined {
  const stats = new Map<string, Stats | undefined>();
  const statOf = (at: string): Stats | undefined => {
    if (!stats.has(at)) {
      try {
        stats.set(at, lstatSync(join(projectDir, at), { throwIfNoEntry: false }));
      } catch (error) {
        throw new SlipwayError(`Cannot look at ${at} in ${projectDir} (${(error as Error).message}).`, {
          where: join(projectDir, at),
          expected: 'a path Slipway can read',
          cause: error,
        });
      }
    }
    return stats.get(at);
  };
  return (path) => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const at = parts.slice(0, i).join('/');
      const stat = statOf(at);
      if (stat === undefined) return undefined; // nothing there: made as the template has it
      if (stat.isSymbolicLink()) return { kind: 'link', at };
      if (i < parts.length) {
        if (!stat.isDirectory()) return { kind: 'file-above', at };
      } else if (stat.isDirectory()) return { kind: 'folder', at };
      else if (!stat.isFile()) return { kind: 'other', at };
    }
    return undefined;
  };
}

/** What stands in the way, in one clause for a message: "'docs' is a symbolic link, …". */
export function describeInTheWay({ kind, at }: InTheWay): string {
  switch (kind) {
    case 'link':
      return `'${at}' is a symbolic link, and Slipway does not write through links`;
    case 'folder':
      return `'${at}' is a folder, and the template has a file there`;
    case 'file-above':
      return `'${at}' is a file, and the template has a folder there`;
    case 'other':
      return `'${at}' is not a regular file`;
  }
}
