// Valid manifests in shapes people really write (several documents, block scalars, nested flow mappings,
// comments on empty keys, CRLF line breaks, a byte-order mark): Slipway edits each in place, every other
// byte kept, and reads back what it wrote; a file it cannot edit safely is refused with a message naming it.
import {
  ManifestEditError,
  planManifestChange,
  readDeployedModel,
  storageUriOf,
} from '@slipway/core/environments';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { bareRelease, irisTarget } from './golden-cases.js';

const release = bareRelease;
const uri = storageUriOf(release);
const file = irisTarget.manifestPath;

function plan(text: string) {
  const change = planManifestChange(text, irisTarget, release);
  const read = readDeployedModel(change.text, irisTarget);
  expect(read.storageUri).toBe(uri);
  expect(read.version).toBe(release.version);
  return change.text;
}

describe('choosing the document to edit in a file of several', () => {
  const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n';

  it('edits the InferenceService, not the Namespace before it, when neither has a storage URI yet', () => {
    const isvc =
      'apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: iris\nspec:\n  predictor:\n    model:\n      modelFormat:\n        name: sklearn\n';
    const edited = plan(`${namespace}---\n${isvc}`);
    const [ns, service] = parseAllDocuments(edited).map((d) => d.toJS());
    expect(ns).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } });
    expect(service.spec.predictor.model.storageUri).toBe(uri);
    expect(service.metadata.annotations['slipway.dev/version']).toBe('1.3.0');
    expect(edited.startsWith(`${namespace}---\n${isvc}`.slice(0, namespace.length + 4))).toBe(true);
  });

  it('finds the InferenceService by its kind when it has no predictor model section yet', () => {
    const edited = plan(
      `${namespace}---\nkind: InferenceService\nmetadata:\n  name: iris\nspec:\n  predictor: {}\n`,
    );
    expect(edited.startsWith(`${namespace}---\n`)).toBe(true);
  });

  it('refuses a file with no InferenceService, naming the file and what it found', () => {
    expect(() => plan(`${namespace}---\nkind: ConfigMap\ndata: {a: b}\n`)).toThrow(ManifestEditError);
    expect(() => plan(`${namespace}---\nkind: ConfigMap\ndata: {a: b}\n`)).toThrow(
      `${file}: no document holds spec.predictor.model.storageUri or is kind: InferenceService (found Namespace at line 1, ConfigMap at line 6)`,
    );
  });

  it('refuses a file with two InferenceServices instead of guessing which one to deploy to', () => {
    const service = (name: string) =>
      `kind: InferenceService\nmetadata:\n  name: ${name}\nspec:\n  predictor:\n    model:\n      storageUri: s3://${name}\n`;
    expect(() => plan(`${service('a')}---\n${service('b')}`)).toThrow(
      `${file}: 2 documents hold spec.predictor.model.storageUri (at lines 1, 9); expected one.`,
    );
  });
});

describe('valid YAML styles the edit keeps', () => {
  it('rewrites a block scalar storage URI in place, keeping its header comment and the next key', () => {
    const text =
      'metadata:\n  name: iris\nspec:\n  predictor:\n    model:\n      storageUri: > # pulled by KServe\n        oci://old/x\n      runtime: x\n';
    expect(plan(text)).toBe(
      `${text.replace('> # pulled by KServe\n        oci://old/x', `>- # pulled by KServe\n        ${uri}`).replace('  name: iris\n', `  name: iris\n  annotations:\n    slipway.dev/model: iris\n    slipway.dev/version: 1.3.0\n    slipway.dev/artifact-digest: ${release.artifactDigest}\n`)}`,
    );
  });

  it('rewrites a block scalar storage URI of any style and keeps the key after it', () => {
    for (const header of ['|', '>', '|-', '>+', '|2', '>-2', '|+ # c']) {
      for (const eol of ['\n', '\r\n']) {
        const text = `metadata:${eol}  name: iris${eol}spec:${eol}  predictor:${eol}    model:${eol}      storageUri: ${header}${eol}        oci://old/x${eol}${eol}      runtime: x${eol}`;
        const edited = plan(text);
        expect(edited, `${header} ${JSON.stringify(eol)}`).toContain(`${eol}      runtime: x${eol}`);
        expect(edited.split(eol).join('')).not.toMatch(/[\r\n]/);
      }
    }
  });

  it('adds to a flow mapping nested in another flow mapping', () => {
    const edited = plan(
      "metadata: {name: iris, annotations: {a: b}}\nspec: {predictor: {model: {storageUri: 's3://x'}}}\n",
    );
    expect(edited).toMatch(
      /^metadata: \{name: iris, annotations: \{a: b, slipway\.dev\/model: "iris", .*"\}\}\n/,
    );
    expect(edited).toContain(`{storageUri: '${uri}'}}}\n`);
  });

  it('adds to a flow mapping with a trailing comma', () => {
    const edited = plan(
      'metadata:\n  name: iris\n  annotations: {a: b,}\nspec:\n  predictor:\n    model:\n      storageUri: s3://x\n',
    );
    expect(edited).toContain('  annotations: {a: b, slipway.dev/model: "iris", ');
    expect(edited).toMatch(/slipway\.dev\/artifact-digest: "sha256:3{64}",\}\n/);
  });

  it('fills an empty annotations key that carries a comment, keeping the comment on its line', () => {
    const edited = plan(
      'metadata:\n  name: iris\n  annotations: # none yet\nspec:\n  predictor:\n    model:\n      storageUri: s3://x\n',
    );
    expect(edited).toContain(
      '  annotations: # none yet\n    slipway.dev/model: iris\n    slipway.dev/version: 1.3.0\n',
    );
  });

  it('writes CRLF lines into a CRLF file', () => {
    const text =
      'metadata:\r\n  name: iris\r\n  annotations:\r\n    a: b\r\nspec:\r\n  predictor:\r\n    model:\r\n      storageUri: s3://x\r\n';
    const edited = plan(text);
    expect(edited.replace(/\r\n/g, '')).not.toContain('\n');
    expect(edited).toContain('    a: b\r\n    slipway.dev/model: iris\r\n');
  });

  it('indents new annotations by the file own step after a byte-order mark', () => {
    const edited = plan(
      '\uFEFFmetadata:\n    name: iris\nspec:\n    predictor:\n        model:\n            storageUri: s3://x\n',
    );
    expect(edited).toContain('    name: iris\n    annotations:\n        slipway.dev/model: iris\n');
  });
});
