// Bundles TypeScript for Node 24 into one ESM file with esbuild: the actions (committed as dist/index.js,
// because `uses:` runs them straight from the repository), the CLI, and whatever a bench, a test or the main
// job needs to run from source.
// Usage: node scripts/bundle.ts action            (run from actions/<name>/: src/index.ts → dist/index.js)
//        node scripts/bundle.ts cli               (run from packages/cli/: src/slipway.ts → dist/slipway.js)
//        node scripts/bundle.ts <entry.ts> <out.mjs>
import { rmSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { build, type Plugin } from 'esbuild';

// CommonJS dependencies (@actions/http-client → tunnel) call require(); ESM output has none.
const requireBanner =
  "import { createRequire as __slipwayCreateRequire } from 'node:module';\nconst require = __slipwayCreateRequire(import.meta.url);";

// @actions/core loads @actions/http-client (and with it all of undici, ~800 KB) only for getIDToken().
// No Slipway action asks the runner for an OIDC token, and parsing undici would triple an action's cold
// start, so its OIDC module is replaced by one that says so if it is ever called.
const withoutOidc: Plugin = {
  name: 'slipway-without-oidc',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      args.importer.includes('@actions/core')
        ? { path: 'oidc-utils', namespace: 'slipway-without-oidc' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'slipway-without-oidc' }, () => ({
      contents:
        "export class OidcClient { static async getIDToken() { throw new Error('Slipway actions do not request OIDC tokens.'); } }",
      loader: 'js',
    }));
  },
};

export interface BundleOptions {
  readonly entry: string;
  readonly outfile: string;
  /** Packages left to be loaded from node_modules at run time (for local tools, never for actions). */
  readonly external?: readonly string[];
  /** Start with `#!/usr/bin/env node`, for a command. */
  readonly shebang?: boolean;
  /**
   * Put what is only loaded by `import()` (a command's code) in chunk files beside `outfile`, so a
   * process parses only what it runs: the CLI's start-up is a large part of every command's time.
   * Never for actions, whose one committed file is what `uses:` runs.
   */
  readonly split?: boolean;
}

/** One ESM file for Node 24, with @slipway/core resolved to its TypeScript sources. */
export async function bundleForNode({
  entry,
  outfile,
  external = [],
  shebang = false,
  split = false,
}: BundleOptions): Promise<void> {
  const extension = extname(outfile);
  const where = split
    ? {
        entryPoints: [{ in: entry, out: basename(outfile, extension) }],
        outdir: dirname(outfile),
        outExtension: { '.js': extension },
        splitting: true,
      }
    : { entryPoints: [entry], outfile };
  await build({
    ...where,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    conditions: ['source'],
    mainFields: ['module', 'main'],
    plugins: [withoutOidc],
    external: [...external],
    banner: { js: shebang ? `#!/usr/bin/env node\n${requireBanner}` : requireBanner },
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (import.meta.main) {
  const [kind, out] = process.argv.slice(2);
  if (kind === 'action') await bundleForNode({ entry: 'src/index.ts', outfile: 'dist/index.js' });
  else if (kind === 'cli') {
    // The CLI's dist is made afresh, so chunks of earlier builds do not pile up beside it.
    rmSync('dist', { recursive: true, force: true });
    await bundleForNode({ entry: 'src/slipway.ts', outfile: 'dist/slipway.js', shebang: true, split: true });
  } else if (kind === 'cli-entry' && out && process.argv[4])
    await bundleForNode({ entry: out, outfile: process.argv[4], shebang: true, split: true });
  else if (kind?.endsWith('.ts') && out) await bundleForNode({ entry: kind, outfile: out });
  else {
    console.error(`Unknown bundle '${kind ?? ''}'. Expected 'action', 'cli', or <entry.ts> <out.mjs>.`);
    process.exit(2);
  }
}
