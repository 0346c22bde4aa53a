// accuracy-test: the action's own overhead beyond the eval command. The bundled action runs through the
// runner harness on the iris example (both test sets, real predictions ingested, gates, report, summary);
// its peer is the same eval command run directly with the same environment, once per test set. The
// difference of the medians is what the action adds: start-up, GPU probe, config validation, ingestion,
// metrics with bootstrap intervals, gates, report and summary writing.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { cleanupRun, runAction } from '../test/harness/run-action.ts';
import { compare } from './harness.ts';

const root = resolve(import.meta.dirname, '..');
const example = join(root, 'examples/iris');
const workspace = mkdtempSync(join(tmpdir(), 'slipway-bench-accuracy-'));
cpSync(example, workspace, { recursive: true, filter: (source) => !source.includes('/.slipway') });
const rounds = 7;

const metadata = parse(readFileSync(join(root, 'actions/accuracy-test/action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
};
const inputs: Record<string, string> = {};
for (const [name, input] of Object.entries(metadata.inputs)) {
  inputs[name] = (input.default ?? '').includes('${{') ? '' : (input.default ?? '');
}

function direct(): number {
  const started = performance.now();
  for (const [name, path] of [
    ['holdout', 'data/holdout.csv'],
    ['hard-cases', 'data/hard-cases.csv'],
  ] as const) {
    const result = spawnSync('python3', ['eval.py'], {
      cwd: workspace,
      env: {
        PATH: process.env.PATH,
        SLIPWAY_TEST_SET: name,
        SLIPWAY_TEST_SET_PATH: join(workspace, path),
        SLIPWAY_SHARD_INDEX: '0',
        SLIPWAY_SHARD_COUNT: '1',
        SLIPWAY_OUTPUT: join(workspace, `direct-${name}.jsonl`),
      },
      stdio: 'ignore',
    });
    if (result.status !== 0) throw new Error(`python3 eval.py failed for ${name}`);
  }
  return performance.now() - started;
}

async function viaAction(): Promise<number> {
  const started = performance.now();
  const result = await runAction('accuracy-test', { workspace, inputs });
  const elapsed = performance.now() - started;
  await cleanupRun(result);
  if (result.exitCode !== 0 || result.outputs.passed !== 'true') {
    throw new Error(`accuracy-test failed in the benchmark:\n${result.stdout}\n${result.stderr}`);
  }
  return elapsed;
}

try {
  // Warm-up, alternation and medians are the harness's; the target is the difference of the medians.
  await compare({
    name: 'accuracy-overhead-s',
    kind: 'difference',
    target: 0.5,
    rounds,
    ours: { label: 'bundled accuracy-test action via the harness', run: viaAction },
    peer: { label: 'eval command run directly (2 test sets)', run: direct },
  });
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
