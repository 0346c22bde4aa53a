// `slipway new` at a terminal: driven through a pseudo-terminal (util-linux `script`), a person answering
// the prompts gets exactly the project the same answers give as flags.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDoors, type Doors, filesOf, runIn, templatesRoot } from './templates.helpers.js';

let dir: string;
let doors: Doors;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-interactive-'));
  doors = await bundleDoors(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ansi = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\u001b[=>]/g;

/** Runs `command` in a pseudo-terminal; each [prompt, keys] waits for the prompt's text, then types. */
function inTerminal(
  cwd: string,
  command: string[],
  script: Array<[string, string]>,
): Promise<{ code: number | null; screen: string }> {
  const quoted = command.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const { CI: _ci, ...env } = process.env;
  // script's own input is a pipe, so the terminal it makes has no size; clack wraps at its width.
  const child = spawn(
    'script',
    ['-q', '-f', '-e', '-c', `stty cols 120 rows 40 && exec ${quoted}`, '/dev/null'],
    {
      cwd,
      env: { ...env, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', SLIPWAY_TEMPLATES: templatesRoot },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let screen = '';
  let searchFrom = 0;
  let step = 0;
  const advance = () => {
    while (step < script.length) {
      const [prompt, keys] = script[step] as [string, string];
      const plain = screen.replace(ansi, '');
      const at = plain.indexOf(prompt, searchFrom);
      if (at < 0) return;
      searchFrom = at + prompt.length;
      step++;
      // A moment for the prompt to start reading raw keys before they arrive.
      setTimeout(() => child.stdin.write(keys), 50);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    advance();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
  });
  // A prompt that never came would hang the test: end it, and show the screen as it was.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      done({ code, screen: screen.replace(ansi, '') });
    }),
  );
}

describe('slipway new in a terminal', () => {
  it('asks for each answer with its default, and gives the same files as the flags', async () => {
    const interactive = await mkdtemp(join(dir, 'terminal-'));
    const enter = '\r';
    const result = await inTerminal(
      interactive,
      [process.execPath, doors.slipway, 'new'],
      [
        ['Template', enter], // the default: pytorch
        ['Project directory', `fraud-detector${enter}`],
        ['Model name', enter], // the default: the directory's name
        ['GitHub organisation', `acme${enter}`],
        ['Code owners', enter],
        ['OCI registry', enter],
        ['Repository of the model', enter],
        ['Environment manifest repository', enter],
        ['Environments, in promotion order', `dev,prod${enter}`],
        ['Initialise a git repository', enter],
      ],
    );
    expect(result.screen).toContain('Generated');
    expect(result.code, result.screen).toBe(0);

    const flagged = await mkdtemp(join(dir, 'flags-'));
    const flags = await runIn(
      flagged,
      doors.slipway,
      [
        'new',
        'fraud-detector',
        '--template',
        'pytorch',
        '--org',
        'acme',
        '--environments',
        'dev,prod',
        '--yes',
      ],
      {
        SLIPWAY_TEMPLATES: templatesRoot,
      },
    );
    expect(flags.code).toBe(0);
    const prompted = await filesOf(join(interactive, 'fraud-detector'));
    expect(prompted['slipway.yaml']).toContain('name: "fraud-detector"');
    expect(prompted).toEqual(await filesOf(join(flagged, 'fraud-detector')));
  });

  it('refuses a value of the wrong form in place, and takes the corrected one', async () => {
    const interactive = await mkdtemp(join(dir, 'terminal-'));
    const enter = '\r';
    const result = await inTerminal(
      interactive,
      [process.execPath, doors.slipway, 'new', 'x', '--template', 'classification', '--no-git'],
      [
        ['Model name', `Bad_Name${enter}`],
        ['is not a DNS label', `${'\u007f'.repeat(8)}good-name${enter}`],
        ['GitHub organisation', enter],
        ['Code owners', enter],
        ['OCI registry', enter],
        ['Repository of the model', enter],
        ['Environment manifest repository', enter],
        ['Environments, in promotion order', enter],
      ],
    );
    expect(result.code, result.screen).toBe(0);
    expect((await filesOf(join(interactive, 'x')))['slipway.yaml']).toContain('name: "good-name"');
  });
});
