// Shared by the accuracy-test end-to-end tests: a copy of the iris example as a job's workspace, and the
// action run with action.yml's defaults filled in as the runner fills them.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import {
  type ActionResult,
  cleanupRun,
  type RunActionOptions,
  repoRoot,
  runAction,
} from '../harness/run-action.js';

export const irisExample = join(repoRoot, 'examples', 'iris');
export const fixtures = join(repoRoot, 'test', 'fixtures', 'accuracy-test');

const created: string[] = [];
const runs: ActionResult[] = [];

/** Inputs' defaults from action.yml, as the runner applies them (expressions such as github.token left out). */
export async function actionDefaults(action: string): Promise<Record<string, string>> {
  const metadata = parse(await readFile(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(metadata.inputs)) {
    const value = input.default ?? '';
    defaults[name] = value.includes('${{') ? '' : value;
  }
  return defaults;
}

/**
 * A fresh copy of examples/iris as the job's workspace. `edit` changes slipway.yaml through the YAML
 * document (comments and the schema line stay), e.g. to set an impossible threshold.
 */
export async function irisWorkspace(
  edit?: (config: ReturnType<typeof parseDocument>) => void,
): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'slipway-iris-'));
  created.push(workspace);
  await cp(irisExample, workspace, {
    recursive: true,
    filter: (source) => !source.includes('/.slipway') && !source.includes('__pycache__'),
  });
  if (edit) {
    const path = join(workspace, 'slipway.yaml');
    const document = parseDocument(await readFile(path, 'utf8'));
    edit(document);
    await writeFile(path, document.toString());
  }
  return workspace;
}

export async function runAccuracyTest(
  workspace: string,
  inputs: Record<string, string> = {},
  options: Omit<RunActionOptions, 'inputs' | 'workspace'> = {},
): Promise<ActionResult> {
  const result = await runAction('accuracy-test', {
    ...options,
    workspace,
    inputs: { ...(await actionDefaults('accuracy-test')), ...inputs },
  });
  runs.push(result);
  return result;
}

export async function readJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** The message of the step's failure (core.setFailed writes an ::error:: command). */
export function failureOf(result: ActionResult): string {
  return result.annotations
    .filter((a) => a.command === 'error')
    .map((a) => a.message)
    .join('\n');
}

export async function cleanupAll(): Promise<void> {
  for (const run of runs.splice(0)) await cleanupRun(run);
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
}
