// Bundles one action (or the CLI) into a single ESM file with esbuild.
// Usage: node scripts/bundle.ts action   (run from actions/<name>/)
//        node scripts/bundle.ts cli      (run from packages/cli/)
// Actions are committed as dist/index.js because `uses:` runs them straight from the repository.
import { build } from 'esbuild';

const kind = process.argv[2];
if (kind !== 'action' && kind !== 'cli') {
  console.error(`Unknown bundle kind '${kind ?? ''}'. Expected 'action' or 'cli'.`);
  process.exit(2);
}

// CommonJS dependencies (@actions/http-client → tunnel) call require(); ESM output has none.
const banner = "import { createRequire as __slipwayCreateRequire } from 'node:module';\nconst require = __slipwayCreateRequire(import.meta.url);";

await build({
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
