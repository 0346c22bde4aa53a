// Builds throwaway ML projects for the publish-model tests: slipway.yaml, model files, an eval report.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export interface ProjectOptions {
  readonly version?: string;
  readonly registry?: string;
  readonly repository?: string;
  readonly tags?: readonly string[];
  /** path → contents; defaults to a 2 MB weights file and a small config. */
  readonly files?: Record<string, Buffer | string>;
  readonly types?: Record<string, string>;
}

export async function makeProject(options: ProjectOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-publish-'));
  const files = options.files ?? {
    'model/weights.bin': randomBytes(2 * 1024 * 1024 + 17),
    'model/config.json': '{"layers": 3}\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'data', 'test.jsonl'), '{"id":"1","label":"a"}\n');
  const artifactFiles = Object.keys(files)
    .map(
      (path) =>
        `    - path: ${path}\n      type: ${options.types?.[path] ?? (path.endsWith('.json') ? 'weight-config' : 'weight')}`,
    )
    .join('\n');
  const lines = [
    'apiVersion: slipway.dev/v1',
    'kind: Project',
    'model:',
    '  name: iris',
    `  version: ${options.version ?? '1.0.0'}`,
    '  owner: "@acme/ml"',
    'task: classification',
    'classes: [a, b]',
    'eval:',
    '  command: [python, eval.py]',
    'test-sets:',
    '  - name: main',
    '    path: data/test.jsonl',
    'artifact:',
    ...(options.registry ? [`  registry: "${options.registry}"`] : []),
    ...(options.repository ? [`  repository: ${options.repository}`] : []),
    ...(options.tags ? [`  tags: [${options.tags.join(', ')}]`] : []),
    '  files:',
    artifactFiles,
  ];
  await writeFile(join(dir, 'slipway.yaml'), `${lines.join('\n')}\n`);
  return dir;
}

/** A minimal eval report valid against schemas/eval-report.schema.json. */
export function evalReport(passed = true): string {
  return JSON.stringify({
    apiVersion: 'slipway.dev/v1',
    kind: 'EvalReport',
    model: { name: 'iris', version: '1.0.0' },
    commit: '0123456789abcdef0123456789abcdef01234567',
    command: ['python', 'eval.py'],
    runner: { name: 'slipway-harness', os: 'Linux' },
    gpus: [],
    task: 'classification',
    confidence: 0.95,
    bootstrap: { samples: 1000, seed: 42 },
    testSets: [],
    gates: [],
    passed,
    warnings: [],
  });
}

const run = promisify(execFile);

/** `skopeo inspect --raw` of a reference (docker://… or oci:…), parsed. */
export async function skopeoRaw(reference: string): Promise<{ text: string; json: Record<string, unknown> }> {
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', reference]);
  return { text: stdout, json: JSON.parse(stdout) as Record<string, unknown> };
}

/** A repository name no other test uses. */
export function uniqueRepository(label: string): string {
  return `acme/${label}-${randomBytes(4).toString('hex')}`;
}

/** The CLI bundled into a folder as users get it (scripts/bundle.ts), so tests run what users run. */
export { bundleCli } from '../../scripts/bundle.ts';

/** Runs the bundled CLI; never throws, so tests can look at failures. */
export async function runCli(
  cli: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}
