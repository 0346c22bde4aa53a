// Runs a bundled action exactly as the GitHub runner does: `node actions/<name>/dist/index.js`
// with INPUT_* variables and the runner's file commands prepared first.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface RunActionOptions {
  /** Inputs by their action.yml names; hyphens are kept, as the runner keeps them. */
  readonly inputs?: Record<string, string>;
  /** Extra environment (GITHUB_REPOSITORY, tokens, …). */
  readonly env?: Record<string, string>;
  /** The job's workspace; the action runs with it as its working directory. Defaults to a fresh temp dir. */
  readonly workspace?: string;
  /** The webhook payload written to GITHUB_EVENT_PATH. */
  readonly event?: unknown;
  readonly eventName?: string;
  /** Kill the action after this many milliseconds (default 120 s). */
  readonly timeoutMs?: number;
}

export interface WorkflowCommand {
  readonly command: string;
  readonly properties: Record<string, string>;
  readonly message: string;
}

export interface ActionResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly exportedEnv: Record<string, string>;
  readonly state: Record<string, string>;
  readonly paths: string[];
  readonly commands: WorkflowCommand[];
  /** Annotations: ::error, ::warning and ::notice commands. */
  readonly annotations: WorkflowCommand[];
  /** Values registered with ::add-mask:: */
  readonly masks: string[];
  readonly workspace: string;
  readonly runnerTemp: string;
}

/** Inputs become INPUT_<NAME upper-cased, spaces to underscores> — hyphens stay, as on the runner. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export async function runAction(action: string, options: RunActionOptions = {}): Promise<ActionResult> {
  const entry = join(repoRoot, 'actions', action, 'dist', 'index.js');
  const base = await mkdtemp(join(tmpdir(), `slipway-runner-${action}-`));
  const workspace = options.workspace ?? join(base, 'workspace');
  const runnerTemp = join(base, 'runner-temp');
  const files = join(base, 'files');
  await Promise.all([mkdir(workspace, { recursive: true }), mkdir(runnerTemp), mkdir(files)]);
  const filePaths = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'step_summary'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_PATH: join(files, 'path'),
  };
  for (const path of Object.values(filePaths)) await writeFile(path, '');
  const eventPath = join(files, 'event.json');
  await writeFile(eventPath, JSON.stringify(options.event ?? {}));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? base,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_REPOSITORY: 'acme/vision',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKFLOW: 'ci',
    GITHUB_JOB: 'test',
    GITHUB_ACTION: action,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_NAME: 'slipway-harness',
    ...filePaths,
    ...options.env,
  };
  // The runner sets every input declared in action.yml: the given value, else the declared default, else ''.
  const declared = await declaredInputs(action);
  for (const [name, spec] of Object.entries(declared))
    env[inputEnvName(name)] = expandDefault(spec.default ?? '', env);
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (!(name in declared))
      throw new Error(`Input '${name}' is not declared in actions/${action}/action.yml`);
    env[inputEnvName(name)] = value;
  }

  const child = spawn(process.execPath, [entry], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, sig) => done([code, sig]));
  });
  clearTimeout(timer);

  const commands = parseWorkflowCommands(stdout);
  const result: ActionResult = {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs: parseFileCommand(await readFile(filePaths.GITHUB_OUTPUT, 'utf8')),
    summary: await readFile(filePaths.GITHUB_STEP_SUMMARY, 'utf8'),
    exportedEnv: parseFileCommand(await readFile(filePaths.GITHUB_ENV, 'utf8')),
    state: parseFileCommand(await readFile(filePaths.GITHUB_STATE, 'utf8')),
    paths: (await readFile(filePaths.GITHUB_PATH, 'utf8')).split('\n').filter(Boolean),
    commands,
    annotations: commands.filter(
      (c) => c.command === 'error' || c.command === 'warning' || c.command === 'notice',
    ),
    masks: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
    workspace,
    runnerTemp,
  };
  return result;
}

/** Defaults may be expressions; the harness knows `github.token` (from GITHUB_TOKEN in env) and nothing else. */
function expandDefault(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) =>
    expression === 'github.token' ? (env.GITHUB_TOKEN ?? '') : '',
  );
}

interface InputSpec {
  readonly default?: string;
}

async function declaredInputs(action: string): Promise<Record<string, InputSpec>> {
  const manifest = parse(await readFile(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>;
  };
  return Object.fromEntries(
    Object.entries(manifest.inputs ?? {}).map(([name, spec]) => [
      name,
      spec?.default === undefined ? {} : { default: String(spec.default) },
    ]),
  );
}

/** Removes the temp tree a run created (workspace included when the harness made it). */
export async function cleanupRun(result: ActionResult): Promise<void> {
  await rm(join(result.runnerTemp, '..'), { recursive: true, force: true });
}

/** Parses the runner's file-command format: `name=value` lines and `name<<DELIM … DELIM` blocks. */
export function parseFileCommand(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) body.push(lines[i++] ?? '');
      if (i >= lines.length)
        throw new Error(`Unterminated file command '${name}': delimiter '${delimiter}' not found`);
      values[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`Malformed file command line: ${JSON.stringify(line)}`);
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) => unescapeData(s.replace(/%3A/g, ':').replace(/%2C/g, ','));

/** Parses `::command key=value,key=value::message` lines as the runner does. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command: match[1]!, properties, message: unescapeData(match[3] ?? '') });
  }
  return commands;
}
