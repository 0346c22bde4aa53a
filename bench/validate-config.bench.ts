// validate-config: cold start of the bundled action against `node -e 0`, and 1,000 files validated in one
// run against ajv-cli validating the same files in one invocation (ajv-cli maps no error to a line; we do).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compare, time } from './harness.ts';

const root = resolve(import.meta.dirname, '..');
const action = join(root, 'actions/validate-config/dist/index.js');
const ajvCli = join(root, 'node_modules/ajv-cli/dist/index.js');
const work = mkdtempSync(join(tmpdir(), 'slipway-bench-validate-'));

function project(i: number): string {
  return `# yaml-language-server: $schema=${join(root, 'schemas/project.schema.json')}
apiVersion: slipway.dev/v1
kind: Project
model:
  name: model-${i}
  version: 1.${i}.0
  owner: '@acme/team-${i % 7}'
  description: Benchmark model number ${i}
task: classification
classes: [cat, dog, bird, fish]
train:
  command: [python3, train.py, --seed, '${i}']
eval:
  command: [python3, eval.py]
  timeout-minutes: 30
test-sets:
  - name: holdout
    path: slipway.yaml
    slices:
      - name: night
        thresholds: [{ metric: accuracy, value: 0.8, direction: higher }]
      - name: rain
    thresholds:
      - { metric: accuracy, value: 0.9, direction: higher }
      - { metric: macro-f1, value: 0.85, direction: higher }
  - name: hard-cases
    path: slipway.yaml
    hard-case: true
baseline: { metrics: [accuracy, macro-f1], tolerance: 0.01, significance: 0.05 }
artifact:
  repository: acme/models/model-${i}
  files: [{ path: slipway.yaml, type: weight }]
deploy: { repository: acme/ml-environments, environment: dev }
`;
}

function actionEnv(workspace: string, files: string): NodeJS.ProcessEnv {
  const output = join(workspace, '.output');
  const summary = join(workspace, '.summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  return {
    PATH: process.env.PATH,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    INPUT_FILES: files,
    'INPUT_FAIL-ON-WARNING': 'false',
    'INPUT_WORKING-DIRECTORY': '',
  };
}

function runAction(workspace: string, files: string): void {
  const result = spawnSync(process.execPath, [action], {
    cwd: workspace,
    env: actionEnv(workspace, files),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`validate-config failed:\n${result.stdout}${result.stderr}`);
}

try {
  // 1. Cold start on one valid file.
  const one = join(work, 'one');
  mkdirSync(one);
  writeFileSync(join(one, 'slipway.yaml'), project(1));
  await compare({
    name: 'validate-cold-start-vs-node',
    kind: 'slowdown',
    target: 3,
    rounds: 15,
    ours: { label: 'validate-config on one file', run: () => time(() => runAction(one, 'slipway.yaml')) },
    peer: { label: 'node -e 0', run: () => time(() => execFileSync(process.execPath, ['-e', '0'])) },
  });

  // 2. 1,000 files in one run.
  const many = join(work, 'many');
  for (let i = 0; i < 1000; i++) {
    mkdirSync(join(many, `m${i}`), { recursive: true });
    writeFileSync(join(many, `m${i}`, 'slipway.yaml'), project(i));
  }
  await compare({
    name: 'validate-1000-files-speedup-vs-ajv-cli',
    kind: 'speedup',
    target: 2,
    rounds: 5,
    ours: {
      label: 'validate-config on 1,000 files',
      run: () =>
        time(() => {
          runAction(many, '**/slipway.yaml');
          const checked = readFileSync(join(many, '.output'), 'utf8').match(
            /files-checked<<(\S+)\n(\d+)/,
          )?.[2];
          if (checked !== '1000') throw new Error(`validate-config checked ${checked} files, expected 1000`);
        }),
    },
    peer: {
      label: 'ajv-cli on the same 1,000 files',
      run: () =>
        time(() => {
          const result = spawnSync(
            process.execPath,
            [
              ajvCli,
              'validate',
              '--spec=draft2020',
              '--all-errors',
              '-s',
              join(root, 'schemas/project.schema.json'),
              '-d',
              `${many}/*/slipway.yaml`,
            ],
            { encoding: 'utf8' },
          );
          if (result.status !== 0) throw new Error(`ajv-cli failed:\n${result.stdout}${result.stderr}`);
        }),
    },
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
