// The CLI as built: slipway.js starts the bundle of the command named on the command line, which is one
// module with that command alone; help, --version and unknown commands get the bundle with every command.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../packages/cli/src/command-table.ts';
import { bundleCli, runCli } from './publish-model.helpers.js';

let dir: string;
let cli: string;
// Loaded with --import, it writes every module Node's loader loaded (file URLs only) when the process exits.
let probe: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-cli-bundles-'));
  cli = await bundleCli(join(dir, 'cli'));
  probe = join(dir, 'probe.mjs');
  await writeFile(
    probe,
    `import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { if (url.startsWith('file:')) loaded.push(url); return next(url, context); } });
process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(loaded)));
`,
  );
  await writeFile(join(dir, 'slipway.yaml'), 'apiVersion: slipway.dev/v1\nkind: Project\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function loadedBy(args: readonly string[]): Promise<{ code: number; stderr: string; files: string[] }> {
  const out = join(dir, `loaded-${args[0]}.json`);
  // runCli runs `node <cli> <args>`: here the CLI comes after the probe.
  const result = await runCli('--import', [probe, cli, ...args], { PROBE_OUT: out });
  const urls = JSON.parse(await readFile(out, 'utf8')) as string[];
  return { ...result, files: urls.map((url) => url.slice(url.lastIndexOf('/') + 1)) };
}

describe('the CLI bundles', () => {
  it('has one bundle per command and one with them all', async () => {
    const files = await readdir(join(dir, 'cli'));
    for (const command of COMMANDS) expect(files).toContain(`slipway-${command.name}.js`);
    expect(files).toContain('slipway-all.js');
    expect(files).toContain('slipway.js');
  });

  it('runs a command from its own bundle, as one module of Slipway code', async () => {
    const { code, files } = await loadedBy(['validate', join(dir, 'slipway.yaml')]);
    expect(code).toBe(1); // the config lacks what a project needs
    expect(files).toEqual(['slipway.js', 'slipway-validate.js']);
  });

  it('reports a command’s user error as such, not as a bug', async () => {
    // The error class is thrown and recognised within one bundle: instanceof holds.
    const { code, stderr, files } = await loadedBy(['publish', '--config', join(dir, 'missing.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^slipway: /);
    expect(stderr).toContain('missing.yaml:1:1: File not found.');
    expect(stderr).not.toContain('bug');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(files).toEqual(['slipway.js', 'slipway-publish.js']);
  });

  it('answers help, --version and an unknown command from the bundle with every command', async () => {
    const version = await loadedBy(['--version']);
    expect(version.code).toBe(0);
    expect(version.files).toEqual(['slipway.js', 'slipway-all.js']);
    const typo = await runCli(cli, ['pubish']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown command 'pubish'");
    expect(typo.stderr).toContain('(Did you mean publish?)');
    const help = await runCli(cli, ['--help']);
    for (const command of COMMANDS) expect(help.stdout).toContain(command.name);
  });
});
