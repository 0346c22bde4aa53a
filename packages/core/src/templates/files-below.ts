// Listing a template's files, shared by rendering and the environments skeleton.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files below `dir` as relative paths with forward slashes, leaving out entries named in `skip` at any
 * depth. Paths are built by joining names on the way down, not by path.relative on each file.
 */
export function filesBelow(
  dir: string,
  skip: ReadonlySet<string> = new Set(),
  prefix = '',
  out: string[] = [],
): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) filesBelow(join(dir, entry.name), skip, `${path}/`, out);
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
