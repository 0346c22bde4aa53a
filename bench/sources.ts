// The project's sources for a bench that calls them in-process (the GitHub simulator, core's operations):
// Node runs .ts but does not map the sources' .js imports, so they are bundled first, once per bench,
// into node_modules/.cache, and imported from there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');

/**
 * Bundles `exports` (module path below the repository root → the names it exports) as `name` and
 * imports it. The schema packages stay outside: the simulator reads them from disk.
 */
export async function loadSources<T>(name: string, exports: Record<string, readonly string[]>): Promise<T> {
  const cache = join(root, 'node_modules/.cache/slipway-bench');
  mkdirSync(cache, { recursive: true });
  const entry = join(cache, `${name}-entry.ts`);
  writeFileSync(
    entry,
    Object.entries(exports)
      .map(([path, names]) => `export { ${names.join(', ')} } from ${JSON.stringify(join(root, path))};`)
      .join('\n'),
  );
  const bundle = join(cache, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['source'],
    // CommonJS dependencies call require().
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
    external: ['@octokit/openapi', '@octokit/graphql-schema'],
    logLevel: 'warning',
  });
  return (await import(bundle)) as T;
}
