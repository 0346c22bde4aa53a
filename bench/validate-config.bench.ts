// validate-config: cold start of the bundled action against `node -e 0`, and 1,000 files validated in one
// run against ajv-cli validating the same files in one invocation (ajv-cli maps no error to a line; we do).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeRuns(runs: number, fn: () => void): number {
  fn(); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
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
  const nodeMs = timeRuns(15, () => execFileSync(process.execPath, ['-e', '0']));
  const actionMs = timeRuns(15, () => runAction(one, 'slipway.yaml'));
  console.log(
    `cold start: node -e 0 ${nodeMs.toFixed(1)} ms, validate-config ${actionMs.toFixed(1)} ms (medians of 15)`,
  );
  console.log(`RATIO validate-cold-start-vs-node: ${(actionMs / nodeMs).toFixed(2)}x (target < 3x)`);

  // 2. 1,000 files in one run.
  const many = join(work, 'many');
  for (let i = 0; i < 1000; i++) {
    mkdirSync(join(many, `m${i}`), { recursive: true });
    writeFileSync(join(many, `m${i}`, 'slipway.yaml'), project(i));
  }
  const ourMs = timeRuns(5, () => runAction(many, '**/slipway.yaml'));
  const checked = readFileSync(join(many, '.output'), 'utf8').match(/files-checked<<(\S+)\n(\d+)/)?.[2];
  if (checked !== '1000') throw new Error(`validate-config checked ${checked} files, expected 1000`);
  const ajvMs = timeRuns(5, () => {
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
  });
  console.log(
    `1,000 files: validate-config ${ourMs.toFixed(0)} ms, ajv-cli ${ajvMs.toFixed(0)} ms (medians of 5)`,
  );
  console.log(
    `RATIO validate-1000-files-speedup-vs-ajv-cli: ${(ajvMs / ourMs).toFixed(2)}x faster (target >= 2x)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
