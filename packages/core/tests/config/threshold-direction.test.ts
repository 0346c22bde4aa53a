// A threshold's direction decides which side of the value passes; one that contradicts the metric inverts
// the gate (an MAE "at least 0.1" passes every bad model). Validation says so, where it is written.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfigFile } from '@slipway/core/config';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/eval/project.js';

const created: string[] = [];
afterAll(async () => {
  for (const dir of created) await rm(dir, { recursive: true, force: true });
});

async function config(task: string, thresholds: string[], slices: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-threshold-direction-'));
  created.push(dir);
  const path = join(dir, 'slipway.yaml');
  await writeFile(
    path,
    [
      'apiVersion: slipway.dev/v1',
      'kind: Project',
      'model: {name: probe, owner: me}',
      `task: ${task}`,
      ...(task === 'classification' ? ['classes: [a, b]'] : []),
      'eval: {command: x}',
      'test-sets:',
      '  - name: t',
      '    path: .',
      '    thresholds:',
      ...thresholds.map((t) => `      - ${t}`),
      ...(slices.length > 0 ? ['    slices:', '      - name: night', '        thresholds:'] : []),
      ...slices.map((t) => `          - ${t}`),
      '',
    ].join('\n'),
  );
  return path;
}

describe('threshold directions', () => {
  it('reports mae with direction higher as an error at its line and column, saying mae is lower-is-better', async () => {
    const path = await config('regression', [
      '{metric: rmse, value: 5, direction: lower}',
      '{metric: mae, value: 0.1, direction: higher}',
    ]);
    const report = await validateConfigFile(path, 'slipway.yaml');
    expect(report.findings).toEqual([
      expect.objectContaining({
        file: 'slipway.yaml',
        line: 11,
        column: 46,
        severity: 'error',
        rule: 'project.threshold-direction',
        path: 'test-sets[0].thresholds[1].direction',
        message: expect.stringMatching(
          /^Threshold direction 'higher' contradicts mae, which is lower-is-better: .* Use direction: lower \(mae at most the value\)\.$/,
        ),
      }),
    ]);
  });

  it('checks slice thresholds and per-class metrics too, and accepts directions that agree', async () => {
    const path = await config(
      'classification',
      ['{metric: accuracy, value: 0.9, direction: higher}', '{metric: f1.a, value: 0.5, direction: lower}'],
      ['{metric: macro-f1, value: 0.8, direction: lower}'],
    );
    const report = await validateConfigFile(path, 'slipway.yaml');
    expect(report.findings.map((f) => [f.severity, f.rule, f.path])).toEqual([
      ['error', 'project.threshold-direction', 'test-sets[0].thresholds[1].direction'],
      ['error', 'project.threshold-direction', 'test-sets[0].slices[0].thresholds[0].direction'],
    ]);
  });

  it('stops an evaluation before its command runs', async () => {
    const path = await config('regression', ['{metric: mae, value: 0.1, direction: higher}']);
    await expect(loadProject(path, join(path, '..'))).rejects.toThrow(
      /slipway\.yaml:10:46.*contradicts mae, which is lower-is-better/s,
    );
  });
});
