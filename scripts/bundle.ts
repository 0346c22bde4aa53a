// Bundles TypeScript for Node 24 into one ESM file with esbuild: the actions (committed as dist/index.js,
// because `uses:` runs them straight from the repository), the CLI, and whatever a bench, a test or the main
// job needs to run from source.
// Usage: node scripts/bundle.ts action            (run from actions/<name>/: src/index.ts → dist/index.js)
//        node scripts/bundle.ts cli               (run from packages/cli/: src/slipway.ts → dist/slipway.js)
//        node scripts/bundle.ts <entry.ts> <out.mjs>
import { rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { basename, dirname, extname } from 'node:path';
import { type BuildOptions, build, formatMessages, type Message, type Plugin } from 'esbuild';

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

// Node's built-in modules are loaded with require(), never by an ESM import, and each is wrapped once.
// An ESM import of a built-in builds its whole namespace, which reads every lazy getter on it:
// `import … from 'node:crypto'` loads all of WebCrypto, `node:fs` loads fs/promises (and with it
// readline), file streams and more; on this machine five built-ins cost 68 ms as imports and 27 ms by
// require(). esbuild's own CommonJS interop (__toESM) would instead copy every property of the module
// into a fresh object in each importing file, which a no-op publish paid ~7 ms for. So each built-in
// becomes one small ES module: the module required once, its plain (data) properties as named exports,
// the module itself as the default export. A lazy getter (fs.promises, process.stdin…) is exported only
// when some file imports it by name, and then read once as the module is evaluated, as Node's own ESM
// import would: a first build leaves them all out and names those that were asked for. (esbuild takes a
// name re-exported from a TypeScript file for a type, so `export { promises } from 'node:fs'` would go
// unnoticed: Slipway's sources never re-export a built-in's member; import the sub-module instead.)
const builtin = new RegExp(`^(?:node:)?(?:${builtinModules.join('|')})$`);
const requireOf = createRequire(import.meta.url);
type Getters = ReadonlyMap<string, ReadonlySet<string>>;
function builtinsByRequire(getters: Getters): Plugin {
  return {
    name: 'slipway-builtins-by-require',
    setup(pluginBuild) {
      // Static imports only: a dynamic import() keeps Node's own namespace (what is destructured from it
      // is then never silently undefined), and a require() is Node's already.
      pluginBuild.onResolve({ filter: builtin }, (args) =>
        args.kind === 'import-statement'
          ? { path: args.path, namespace: 'slipway-builtin' }
          : { path: args.path, external: true },
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'slipway-builtin' }, (args) => {
        const wanted = getters.get(args.path) ?? new Set();
        const names = Object.entries(Object.getOwnPropertyDescriptors(requireOf(args.path)))
          .filter(([name, property]) => ('value' in property || wanted.has(name)) && name !== 'default')
          .map(([name]) => name);
        const locals = names.map((name, i) => `${JSON.stringify(name)}: $${i}`).join(', ');
        const exported = names.map((name, i) => `$${i} as ${JSON.stringify(name)}`).join(', ');
        return {
          contents: `const m = require(${JSON.stringify(args.path)});\nconst { ${locals} } = m;\nexport { ${exported} };\nexport default m;\n`,
          loader: 'js',
        };
      });
    },
  };
}

/** The lazy getters a failed first build asked for, by built-in; undefined when it failed for another reason. */
function gettersAskedFor(failure: unknown): Getters | undefined {
  const asked = new Map<string, Set<string>>();
  for (const { text } of (failure as { errors?: readonly Message[] }).errors ?? []) {
    const imported = /^No matching export in "slipway-builtin:(.+)" for import "(.+)"$/.exec(text);
    const read =
      /^Import "(.+)" will always be undefined because there is no matching export in "slipway-builtin:(.+)"$/.exec(
        text,
      );
    const [module, name] = imported ? [imported[1], imported[2]] : read ? [read[2], read[1]] : [];
    if (!module || !name) return undefined;
    asked.set(module, (asked.get(module) ?? new Set()).add(name));
  }
  return asked.size > 0 ? asked : undefined;
}

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
  const options: BuildOptions = {
    ...where,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    conditions: ['source'],
    mainFields: ['module', 'main'],
    external: [...external],
    banner: { js: shebang ? `#!/usr/bin/env node\n${requireBanner}` : requireBanner },
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    // A property of a built-in's namespace that is not exported is a lazy getter to ask for, never undefined.
    logOverride: { 'import-is-undefined': 'error' },
  };
  try {
    const { warnings } = await build({
      ...options,
      plugins: [withoutOidc, builtinsByRequire(new Map())],
      logLevel: 'silent',
    });
    for (const line of await formatMessages(warnings, { kind: 'warning' })) process.stderr.write(line);
  } catch (failure) {
    const getters = gettersAskedFor(failure);
    if (!getters) throw failure;
    await build({ ...options, plugins: [withoutOidc, builtinsByRequire(getters)], logLevel: 'warning' });
  }
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
