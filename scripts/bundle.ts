// Bundles one action (or the CLI) into a single ESM file with esbuild.
// Usage: node scripts/bundle.ts action   (run from actions/<name>/)
//        node scripts/bundle.ts cli      (run from packages/cli/)
// Actions are committed as dist/index.js because `uses:` runs them straight from the repository.
import { build, type Plugin } from 'esbuild';

const kind = process.argv[2];
if (kind !== 'action' && kind !== 'cli') {
  console.error(`Unknown bundle kind '${kind ?? ''}'. Expected 'action' or 'cli'.`);
  process.exit(2);
}

// CommonJS dependencies (@actions/http-client → tunnel) call require(); ESM output has none.
const banner =
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

await build({
  plugins: [withoutOidc],
  entryPoints: [kind === 'action' ? 'src/index.ts' : 'src/slipway.ts'],
  outfile: kind === 'action' ? 'dist/index.js' : 'dist/slipway.js',
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  conditions: ['source'],
  mainFields: ['module', 'main'],
  banner: { js: kind === 'cli' ? `#!/usr/bin/env node\n${banner}` : banner },
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
});
