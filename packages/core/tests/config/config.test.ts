import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeFrame, didYouMean, formatPath, parsePointer, validateConfigFile } from '@slipway/core/config';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHaveAnchorsOrAliases } from '../../src/config/source.js';

describe('did-you-mean', () => {
  it('suggests the closest key for a typo', () => {
    expect(didYouMean('ownr', ['name', 'owner', 'version'])).toBe('owner');
    expect(didYouMean('test_sets', ['test-sets', 'eval'])).toBe('test-sets');
  });
  it('stays quiet when nothing is close', () => {
    expect(didYouMean('colour', ['name', 'owner'])).toBeUndefined();
  });
});

describe('paths', () => {
  it('turns a JSON pointer into the path a person writes', () => {
    expect(formatPath(parsePointer('/test-sets/0/thresholds/1/direction'))).toBe(
      'test-sets[0].thresholds[1].direction',
    );
    expect(formatPath(parsePointer('/a~1b/weird key'))).toBe('"a/b"."weird key"');
  });
  it('reads back every pointer it is given (property)', () => {
    const segment = fc.oneof(
      fc.nat(1000),
      fc.string({ minLength: 1 }).filter((s) => !/^(0|[1-9]\d*)$/.test(s)),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
        const pointer = segments
          .map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`)
          .join('');
        expect(parsePointer(pointer)).toEqual(segments);
      }),
    );
  });
});

describe('code frame', () => {
  it('underlines the finding in its line', () => {
    const frame = codeFrame('a: 1\nbb: 2\nc: 3\n', {
      file: 'x',
      line: 2,
      column: 1,
      endLine: 2,
      endColumn: 3,
      severity: 'error',
      message: 'm',
      path: 'bb',
      rule: 'r',
    });
    expect(frame).toBe(['  1 | a: 1', '> 2 | bb: 2', '    | ^^', '  3 | c: 3'].join('\n'));
  });
});

describe('validating a file', () => {
  it('maps a nested error to the exact value in the YAML source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
    const path = join(dir, 'slipway.yaml');
    await writeFile(
      path,
      'apiVersion: slipway.dev/v1\nkind: Project\nmodel: {name: iris, owner: me}\ntask: regression\neval: {command: x}\ntest-sets:\n  - name: a\n    path: .\n    thresholds:\n      - {metric: mae, value: 1, direction: down}\n',
    );
    const report = await validateConfigFile(path, 'slipway.yaml');
    expect(report.schema).toBe('project');
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      line: 10,
      column: 44,
      path: 'test-sets[0].thresholds[0].direction',
      rule: 'schema.enum',
    });
  });
});

describe('choosing the fast parser', () => {
  it('takes the precise path for anything that may be an anchor or alias', () => {
    expect(mayHaveAnchorsOrAliases('a: &x 1\nb: *x\n')).toBe(true);
    expect(mayHaveAnchorsOrAliases('a: [*x]\n')).toBe(true);
    expect(mayHaveAnchorsOrAliases('a: "# quoted" *x\n')).toBe(true);
    expect(mayHaveAnchorsOrAliases('- *x\n')).toBe(true);
  });
  it('skips comments, globs and plain text', () => {
    expect(mayHaveAnchorsOrAliases('# reads SLIPWAY_* variables & more\na: 1\n')).toBe(false);
    expect(mayHaveAnchorsOrAliases("files: ['**/slipway.yaml']\n")).toBe(false);
    expect(mayHaveAnchorsOrAliases('a: b&c\n')).toBe(false);
  });
});

describe('metric names in thresholds', () => {
  it('accepts per-class metrics for the listed classes and warns about other classes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-config-'));
    const path = join(dir, 'slipway.yaml');
    await writeFile(
      path,
      [
        'apiVersion: slipway.dev/v1',
        'kind: Project',
        'model: {name: iris, owner: me}',
        'task: classification',
        'classes: [setosa, virginica]',
        'eval: {command: x}',
        'test-sets:',
        '  - name: a',
        '    path: .',
        '    thresholds:',
        '      - {metric: f1.setosa, value: 0.9, direction: higher}',
        '      - {metric: recall.virginica, value: 0.9, direction: higher}',
        '      - {metric: f1.versicolor, value: 0.9, direction: higher}',
        '',
      ].join('\n'),
    );
    const report = await validateConfigFile(path, 'slipway.yaml');
    expect(report.findings.map((f) => [f.rule, f.path])).toEqual([
      ['project.unknown-metric', 'test-sets[0].thresholds[2].metric'],
    ]);
  });
});
