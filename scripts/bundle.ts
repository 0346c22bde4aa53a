// Bundles TypeScript for Node 24 into ESM files with esbuild: the actions (committed as dist/index.js,
// because `uses:` runs them straight from the repository), the CLI (a file per command, see bundleCli),
// and whatever a bench, a test or the main job needs to run from source.
// Usage: node scripts/bundle.ts action            (run from actions/<name>/: src/index.ts → dist/index.js)
//        node scripts/bundle.ts cli               (run from packages/cli/: the CLI into dist/)
//        node scripts/bundle.ts command <entry.ts> <out.js>   (one file that starts with #!/usr/bin/env node)
//        node scripts/bundle.ts <entry.ts> <out.mjs>
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { type BuildOptions, build, formatMessages, type Message, type Plugin } from 'esbuild';
import {
  ALL_COMMANDS_BUNDLE,
  bundleFor,
  COMMANDS,
  type CommandEntry,
} from '../packages/cli/src/command-table.ts';

const root = resolve(import.meta.dirname, '..');

// CommonJS dependencies (commander, @actions/core → tunnel) call require(); ESM output has none. They only
// ever ask for Node's built-ins, which process.getBuiltinModule gives without building a CommonJS require
// for the file (createRequire cost about 1 ms of every command's start); anything else (a package a local
// tool leaves external) gets a real require, made when first needed.
const requireBanner = [
  'let __slipwayRequire;',
  'const require = (id) => process.getBuiltinModule(id) ??',
  "  (__slipwayRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url))(id);",
].join('\n');

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

// Node's built-in modules are loaded with process.getBuiltinModule(), never by an ESM import, and each is
// wrapped once. An ESM import of a built-in builds its whole namespace, which reads every lazy getter on
// it: `import … from 'node:crypto'` loads all of WebCrypto, `node:fs` loads fs/promises (and with it
// readline), file streams and more; on this machine five built-ins cost 68 ms as imports and 27 ms
// without. esbuild's own CommonJS interop (__toESM) would instead copy every property of the module
// into a fresh object in each importing file, which a no-op publish paid ~7 ms for. So each built-in
// becomes one small ES module: the module fetched once, its plain (data) properties as named exports,
// the module itself as the default export. A lazy getter (fs.promises, process.stdin…) is exported only
// when some file imports it by name, and then read once as the module is evaluated, as Node's own ESM
// import would: a first build leaves them all out and names those that were asked for. (esbuild takes a
// name re-exported from a TypeScript file for a type, so `export { promises } from 'node:fs'` would go
// unnoticed: Slipway's sources never re-export a built-in's member; import the sub-module instead.)
const builtin = new RegExp(`^(?:node:)?(?:${builtinModules.join('|')})$`);
type Getters = ReadonlyMap<string, ReadonlySet<string>>;
function builtinsByGetBuiltinModule(getters: Getters): Plugin {
  return {
    name: 'slipway-builtins-by-get-builtin-module',
    setup(pluginBuild) {
      // Static imports only: a dynamic import() keeps Node's own namespace (what is destructured from it
      // is then never silently undefined), and a require() is the banner's.
      pluginBuild.onResolve({ filter: builtin }, (args) =>
        args.kind === 'import-statement'
          ? { path: args.path, namespace: 'slipway-builtin' }
          : { path: args.path, external: true },
      );
      pluginBuild.onLoad({ filter: /.*/, namespace: 'slipway-builtin' }, (args) => {
        const wanted = getters.get(args.path) ?? new Set();
        const names = Object.entries(Object.getOwnPropertyDescriptors(process.getBuiltinModule(args.path)))
          .filter(([name, property]) => ('value' in property || wanted.has(name)) && name !== 'default')
          .map(([name]) => name);
        const locals = names.map((name, i) => `${JSON.stringify(name)}: $${i}`).join(', ');
        const exported = names.map((name, i) => `$${i} as ${JSON.stringify(name)}`).join(', ');
        return {
          contents: `const m = process.getBuiltinModule(${JSON.stringify(args.path)});\nconst { ${locals} } = m;\nexport { ${exported} };\nexport default m;\n`,
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
}

/**
 * An action, run from actions/<name>/: src/index.ts → dist/index.js, and each src/on-demand/<module>.ts
 * → dist/on-demand/<module>.js, a bundle of its own that index.js imports (`import('./on-demand/….js')`)
 * only when it needs it. Code few runs need (validate-config's environment-repository checks, with the
 * recurrence and cron libraries) then costs nothing to the others' start: inlined, it made every
 * validate-config run parse and set up a third more JavaScript.
 */
async function bundleAction(): Promise<void> {
  const onDemand = existsSync('src/on-demand')
    ? readdirSync('src/on-demand').filter((file) => file.endsWith('.ts'))
    : [];
  const leaveOnDemand: Plugin = {
    name: 'slipway-on-demand',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.\/on-demand\// }, (args) => ({ path: args.path, external: true }));
    },
  };
  await bundle({ entryPoints: ['src/index.ts'], outfile: 'dist/index.js' }, false, [leaveOnDemand]);
  // Made afresh, so the bundle of a module no longer on demand does not stay behind, committed and unseen.
  rmSync('dist/on-demand', { recursive: true, force: true });
  for (const file of onDemand) {
    const name = basename(file, '.ts');
    await bundleForNode({ entry: `src/on-demand/${file}`, outfile: `dist/on-demand/${name}.js` });
  }
}

/** One ESM file for Node 24, with @slipway/core resolved to its TypeScript sources. */
export async function bundleForNode({
  entry,
  outfile,
  external = [],
  shebang = false,
}: BundleOptions): Promise<void> {
  await bundle({ entryPoints: [entry], outfile, external: [...external] }, shebang);
}

/**
 * The CLI as users get it, into `outdir`: slipway.js, which starts the bundle of the command named on the
 * command line; one bundle per command (slipway-<name>.js), each a single file with that command alone;
 * and slipway-all.js with every command, for help, --version and unknown commands. Returns slipway.js.
 *
 * Why a file per command, not one file or esbuild's code splitting: a command is mostly start-up, and
 * Node's ES module loader costs about half a millisecond a module. Split, a no-op `slipway publish` loaded
 * 18 chunks and a first publish about 45, because esbuild gives each set of commands that share a module
 * a chunk of its own; one file with every command would load them all. In a bundle of its own a command's
 * code is one module, and what it loads lazily (the YAML parsers, the schema validators) is still
 * evaluated only when reached. Each bundle has its own copy of core, which is also what keeps
 * `instanceof SlipwayError` true where the program reports an error: one command, one copy.
 */
export async function bundleCli(outdir: string): Promise<string> {
  // Not a command name: a name with a space cannot be typed as one.
  const EVERY_COMMAND = 'every command';
  const cli = join(root, 'packages/cli/src');
  const entryOf = (commands: readonly CommandEntry[]): string =>
    [
      `import { runSlipway } from ${JSON.stringify(join(cli, 'program.ts'))};`,
      ...commands.map(
        (command, i) =>
          `import { ${command.register} as r${i} } from ${JSON.stringify(join(cli, 'commands', `${command.file}.ts`))};`,
      ),
      `await runSlipway([${commands.map((_, i) => `r${i}`).join(', ')}]);`,
    ].join('\n');
  const commandEntries: Plugin = {
    name: 'slipway-command-entries',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^slipway-command:/ }, (args) => ({
        path: args.path.slice('slipway-command:'.length),
        namespace: 'slipway-command',
      }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'slipway-command' }, (args) => ({
        contents: entryOf(
          args.path === EVERY_COMMAND ? COMMANDS : COMMANDS.filter((command) => command.name === args.path),
        ),
        loader: 'ts',
        resolveDir: cli,
      }));
    },
  };
  const out = (file: string) => basename(file, '.js');
  mkdirSync(outdir, { recursive: true });
  // The bundles are ES modules wherever they are put (a test's temporary folder has no package.json).
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
  await bundle(
    {
      entryPoints: [
        ...COMMANDS.map((command) => ({
          in: `slipway-command:${command.name}`,
          out: out(bundleFor(command.name)),
        })),
        { in: `slipway-command:${EVERY_COMMAND}`, out: out(ALL_COMMANDS_BUNDLE) },
      ],
      outdir,
    },
    false,
    [commandEntries],
  );
  const main = join(outdir, 'slipway.js');
  await bundle({ entryPoints: [join(cli, 'slipway.ts')], outfile: main }, true);
  return main;
}

async function bundle(where: BuildOptions, shebang: boolean, plugins: readonly Plugin[] = []): Promise<void> {
  const options: BuildOptions = {
    ...where,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    conditions: ['source'],
    mainFields: ['module', 'main'],
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
      plugins: [...plugins, withoutOidc, builtinsByGetBuiltinModule(new Map())],
      logLevel: 'silent',
    });
    for (const line of await formatMessages(warnings, { kind: 'warning' })) process.stderr.write(line);
  } catch (failure) {
    const getters = gettersAskedFor(failure);
    if (!getters) throw failure;
    await build({
      ...options,
      plugins: [...plugins, withoutOidc, builtinsByGetBuiltinModule(getters)],
      logLevel: 'warning',
    });
  }
}

if (import.meta.main) {
  const [kind, entry, out] = process.argv.slice(2);
  if (kind === 'action') await bundleAction();
  else if (kind === 'cli') {
    // The CLI's dist is made afresh, so files of earlier builds do not pile up beside it.
    rmSync('dist', { recursive: true, force: true });
    await bundleCli('dist');
  } else if (kind === 'command' && entry && out) await bundleForNode({ entry, outfile: out, shebang: true });
  else if (kind?.endsWith('.ts') && entry) await bundleForNode({ entry: kind, outfile: entry });
  else {
    console.error(
      `Unknown bundle '${kind ?? ''}'. Expected 'action', 'cli', 'command <entry.ts> <out.js>' or <entry.ts> <out.mjs>.`,
    );
    process.exit(2);
  }
}
