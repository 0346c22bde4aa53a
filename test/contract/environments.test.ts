// The environment repository skeleton as the tools that apply it read it: every InferenceService passes KServe's
// own CRD schema strictly, and kustomize finds only its own files under the name kustomization.yaml.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../harness/run-action.js';
import { kserveValidator } from './kserve-schema.js';

const skeleton = join(repoRoot, 'environments');
const yamlFiles = readdirSync(skeleton, { recursive: true, encoding: 'utf8' }).filter((f) =>
  /\.ya?ml$/.test(f),
);
const kindsIn = (file: string) =>
  parseAllDocuments(readFileSync(join(skeleton, file), 'utf8')).map(
    (doc) => (doc.toJS() as { apiVersion?: string; kind?: string } | null) ?? {},
  );

let validate: (manifest: string) => string[];
beforeAll(async () => {
  validate = await kserveValidator();
}, 120_000);

describe('the environments/ skeleton, as KServe and kustomize read it', () => {
  const services = yamlFiles.filter((file) => kindsIn(file).some((d) => d.kind === 'InferenceService'));

  it('has an InferenceService in every environment', () => {
    expect(services.sort()).toEqual([
      'dev/iris/inferenceservice.yaml',
      'prod/iris/inferenceservice.yaml',
      'staging/iris/inferenceservice.yaml',
    ]);
  });

  it.each(services)("%s passes KServe's InferenceService schema, unknown fields refused", (file) => {
    expect(validate(readFileSync(join(skeleton, file), 'utf8'))).toEqual([]);
  });

  it('refuses a misspelt field, so the check above can fail', () => {
    const text = readFileSync(join(skeleton, 'dev/iris/inferenceservice.yaml'), 'utf8');
    const misspelt = text.replace('storageUri:', 'storageURI:');
    expect(misspelt).not.toBe(text);
    expect(validate(misspelt).join('\n')).toMatch(/must NOT have additional properties.*storageURI/);
    expect(validate(text.replace('minReplicas: 1', 'minReplicas: one')).join('\n')).toMatch(
      /minReplicas must be integer/,
    );
  });

  it('names kustomization.yaml only files kustomize reads as its own (Flux objects live in gitops/flux/sync.yaml)', () => {
    for (const file of yamlFiles.filter((f) => f.endsWith('kustomization.yaml'))) {
      for (const document of kindsIn(file)) {
        expect(`${file}: ${document.apiVersion} ${document.kind}`).toBe(
          `${file}: kustomize.config.k8s.io/v1beta1 Kustomization`,
        );
      }
    }
    expect(kindsIn('gitops/flux/sync.yaml').map((d) => d.kind)).toEqual([
      'GitRepository',
      'Kustomization',
      'Kustomization',
      'Kustomization',
    ]);
  });
});
