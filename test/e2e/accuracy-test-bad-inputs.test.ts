// accuracy-test on inputs that are wrong: each gives one clear error saying where and what was expected,
// never a stack trace, a hang or a silent pass, and nothing half-written is left behind.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionResult } from '../harness/run-action.js';
import { cleanupAll, failureOf, fixtures, irisWorkspace, runAccuracyTest } from './accuracy-test.helpers.js';

afterAll(cleanupAll);

/** Runs the holdout set with a command that writes broken predictions. */
async function withPredictions(kind: string): Promise<{ result: ActionResult; workspace: string }> {
  const workspace = await irisWorkspace();
  const result = await runAccuracyTest(workspace, {
    command: `python3 ${join(fixtures, 'bad_predictions.py')} ${kind}`,
    'test-sets': 'holdout',
  });
  return { result, workspace };
}

function expectCleanFailure(result: ActionResult, workspace: string): void {
  expect(result.exitCode).toBe(1);
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.outputs.passed).toBeUndefined();
  expect(existsSync(join(workspace, '.slipway/eval/report.json'))).toBe(false);
}

/** The predictions file of the holdout run, as the error should name it. */
const predictionsOf = (workspace: string) =>
  join(workspace, '.slipway/eval/predictions/holdout.shard-0-of-1.jsonl');

describe('accuracy-test with bad inputs', () => {
  it('says so when the eval command writes no predictions', async () => {
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(workspace, { command: 'true', 'test-sets': 'holdout' });
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toContain(
      `The eval command 'true' exited successfully but wrote no predictions to ${predictionsOf(workspace)} (test set 'holdout', shard 1/1)`,
    );
    expect(failureOf(result)).toContain('It must write JSONL predictions to the path in SLIPWAY_OUTPUT');
  });

  it("judges a re-run that writes nothing as writing nothing, not on the last run's predictions", async () => {
    const workspace = await irisWorkspace();
    const first = await runAccuracyTest(workspace, { 'test-sets': 'holdout' });
    expect(first.exitCode).toBe(0);
    expect(existsSync(predictionsOf(workspace))).toBe(true);
    const again = await runAccuracyTest(workspace, { command: 'true', 'test-sets': 'holdout' });
    expect(again.exitCode).toBe(1);
    expect(again.outputs.passed).toBeUndefined();
    expect(failureOf(again)).toContain(
      `exited successfully but wrote no predictions to ${predictionsOf(workspace)}`,
    );
  });

  it('names the file and line of a predictions line that is not JSON', async () => {
    const { result, workspace } = await withPredictions('bad-json');
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toContain(`${predictionsOf(workspace)}:3`);
  });

  it('names the file, line and label of a label outside the known classes', async () => {
    const { result, workspace } = await withPredictions('unknown-label');
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/rose/);
    expect(failureOf(result)).toMatch(/setosa, versicolor, virginica|setosa/);
    expect(failureOf(result)).toContain(`${predictionsOf(workspace)}:4`);
  });

  it('names the example id that appears twice', async () => {
    const { result, workspace } = await withPredictions('duplicate-id');
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/a-2/);
    expect(failureOf(result)).toMatch(/duplicate/i);
  });

  it('refuses an empty test set', async () => {
    const { result, workspace } = await withPredictions('empty');
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/holdout/);
    expect(failureOf(result)).toMatch(/empty|no examples/i);
  });

  it('refuses a configured slice that no prediction is tagged with', async () => {
    const workspace = await irisWorkspace((config) => {
      config.addIn(['test-sets', 0, 'slices'], { name: 'petal:huge' });
    });
    const result = await runAccuracyTest(workspace, { 'test-sets': 'holdout' });
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/petal:huge/);
    expect(failureOf(result)).toMatch(/holdout/);
  });

  it('reports a missing slice as a warning when slipway.yaml says so, and still passes', async () => {
    const workspace = await irisWorkspace((config) => {
      config.addIn(['test-sets', 0, 'slices'], { name: 'petal:huge' });
      config.setIn(['problems', 'missing-slice'], 'warning');
    });
    const result = await runAccuracyTest(workspace, { 'test-sets': 'holdout' });
    expect(result.exitCode).toBe(0);
    expect(result.annotations.some((a) => a.command === 'warning' && a.message.includes('petal:huge'))).toBe(
      true,
    );
    expect(result.summary).toContain('### Warnings');
  });

  it('kills the whole process tree when the eval command runs past its timeout', async () => {
    const workspace = await irisWorkspace();
    const pidFile = join(workspace, 'sleeper.pid');
    const result = await runAccuracyTest(
      workspace,
      {
        command: `python3 ${join(fixtures, 'sleeper.py')}`,
        'timeout-minutes': '0.05',
        'test-sets': 'holdout',
      },
      { env: { SLEEPER_PID_FILE: pidFile } },
    );
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(
      /ran past its timeout of 3\.0 s and was stopped with its whole process tree/,
    );
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    expect(isRunning(child)).toBe(false);
  });

  it('stops at the timeout an eval command whose setsid grandchild holds stdout, grandchild included', async () => {
    const workspace = await irisWorkspace();
    const pidFile = join(workspace, 'sleeper.pid');
    const result = await runAccuracyTest(
      workspace,
      {
        command: `sh ${join(fixtures, 'setsid_sleeper.sh')}`,
        'timeout-minutes': '0.05',
        'test-sets': 'holdout',
      },
      { env: { SLEEPER_PID_FILE: pidFile } },
    );
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/ran past its timeout of 3\.0 s/);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    expect(isRunning(grandchild)).toBe(false);
  });

  it('fails require-gpu clearly on a runner without a GPU', async () => {
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(workspace, { 'require-gpu': 'true' });
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/require-gpu is set, but this runner has no GPU/);
  });

  it('points at the line of an invalid slipway.yaml', async () => {
    const workspace = await irisWorkspace((config) => {
      config.setIn(['test-sets', 0, 'thresholds', 0, 'direction'], 'up');
    });
    const result = await runAccuracyTest(workspace);
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/slipway\.yaml:\d+:\d+: .*direction|slipway\.yaml:\d+:\d+: .*higher/);
  });

  it('says which baseline report is missing or not a report', async () => {
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(workspace, { baseline: 'baseline/none.json' });
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/baseline\/none\.json/);
  });

  it('refuses a shard index outside the shard count', async () => {
    const workspace = await irisWorkspace();
    const result = await runAccuracyTest(workspace, { 'shard-index': '3', 'shard-count': '3' });
    expectCleanFailure(result, workspace);
    expect(failureOf(result)).toMatch(/shard index 3 must be a whole number from 0 to 2/);
  });
});

/** Running, not a zombie (a container's init may never reap an orphan). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
