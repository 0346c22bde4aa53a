import {
  editManifest,
  isPlainText,
  ManifestEditError,
  parseYamlPath,
  readManifestValue,
  renderScalar,
} from '@slipway/core/environments';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const manifest = `# head comment
metadata:
  name: iris   # trailing comment
  annotations:
    keep: "me"

    single: 'quoted'
spec:
  predictor:
    model:
      storageUri: oci://old
      args: [a, b]
`;

describe('setting one value in a manifest', () => {
  it('reads back any text value it writes, whatever quoting it needs', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary-ascii', maxLength: 40 }).filter((s) => !s.includes('\r')),
        fc.constantFrom('keep', 'single', 'added'),
        (value, key) => {
          const path = ['metadata', 'annotations', key];
          const edited = editManifest(
            manifest,
            [{ path, value }],
            ['spec', 'predictor', 'model', 'storageUri'],
          );
          expect(readManifestValue(edited, path)).toBe(value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves every other line of the file exactly as it was', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\n\r]/.test(s)),
        (value) => {
          const path = ['spec', 'predictor', 'model', 'storageUri'];
          const edited = editManifest(manifest, [{ path, value }], path);
          const before = manifest.split('\n');
          const after = edited.split('\n');
          expect(after).toHaveLength(before.length);
          const changed = after.flatMap((line, i) => (line === before[i] ? [] : [i]));
          expect(changed.length).toBeLessThanOrEqual(1);
          if (changed.length === 1) expect(before[changed[0]!]).toContain('storageUri: ');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the quote style of the value it replaces', () => {
    const edited = editManifest(
      manifest,
      [
        { path: ['metadata', 'annotations', 'keep'], value: 'new' },
        { path: ['metadata', 'annotations', 'single'], value: "it's" },
      ],
      ['metadata'],
    );
    expect(edited).toContain("    keep: \"new\"\n\n    single: 'it''s'\n");
  });

  it('quotes a plain value that would otherwise read as a number or boolean', () => {
    const edited = editManifest(
      manifest,
      [{ path: ['spec', 'predictor', 'model', 'storageUri'], value: '1.10' }],
      ['spec'],
    );
    expect(edited).toContain('storageUri: "1.10"');
  });

  it('removes a key and only its line', () => {
    const edited = editManifest(
      manifest,
      [{ path: ['metadata', 'annotations', 'keep'], value: undefined }],
      ['metadata'],
    );
    expect(edited).toBe(manifest.replace('    keep: "me"\n', ''));
  });

  it('says where a value cannot be set because a mapping holds a list', () => {
    expect(() =>
      editManifest(
        manifest,
        [{ path: ['spec', 'predictor', 'model', 'args', 'x'], value: 'v' }],
        ['spec'],
        'dev/iris.yaml',
      ),
    ).toThrow(/dev\/iris.yaml: spec.predictor.model.args: expected a mapping, found a list/);
  });

  it('refuses to overwrite a mapping with text', () => {
    expect(() => editManifest(manifest, [{ path: ['spec', 'predictor'], value: 'v' }], ['spec'])).toThrow(
      ManifestEditError,
    );
  });

  it('reports invalid YAML with the file name', () => {
    expect(() => editManifest('a: [\n', [{ path: ['a'], value: 'v' }], ['a'], 'prod/x.yaml')).toThrow(
      /prod\/x.yaml: invalid YAML/,
    );
  });
});

describe('YAML paths and scalars', () => {
  it('parses dotted paths with list indexes', () => {
    expect(parseYamlPath('spec.containers[0].image')).toEqual(['spec', 'containers', 0, 'image']);
    expect(() => parseYamlPath('spec..x')).toThrow(/Invalid YAML path 'spec..x'/);
  });

  it('writes plain text only when it reads back as the same string', () => {
    expect(isPlainText('oci://ghcr.io/a@sha256:00')).toBe(true);
    for (const tricky of ['true', '1.10', 'null', '~', '#x', 'a: b', ' lead', '- x', ''])
      expect(isPlainText(tricky)).toBe(false);
    expect(renderScalar('true', 'PLAIN')).toBe('"true"');
  });
});
