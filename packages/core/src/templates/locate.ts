// The templates shipped with Slipway: the `templates/` folder of the repository (or package) the running
// command was bundled from, found by walking up from it. SLIPWAY_TEMPLATES names another folder.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../errors/index.js';

/** Slipway's own templates, or undefined when there are none to find above `fromUrl`. */
export function findTemplates(fromUrl: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SLIPWAY_TEMPLATES) return resolve(env.SLIPWAY_TEMPLATES);
  for (let dir = dirname(fileURLToPath(fromUrl)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'templates');
    if (existsSync(join(candidate, 'pytorch', 'template.yaml'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function locateTemplates(fromUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  const found = findTemplates(fromUrl, env);
  if (found) return found;
  throw new SlipwayError(
    `Slipway's templates were not found above ${dirname(fileURLToPath(fromUrl))}. Pass --templates <folder> or set SLIPWAY_TEMPLATES.`,
    { expected: 'a templates folder' },
  );
}
