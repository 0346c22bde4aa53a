import { EnvironmentsConfigError, parseEnvironmentsConfig, resolveTarget } from '@slipway/core/environments';
import { describe, expect, it } from 'vitest';

const config = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
    policy: { auto-merge: true, labels: [deploy/dev] }
  - name: staging
    folder: clusters/staging
    policy:
      reviewers: [alice]
      team-reviewers: [ml-platform]
  - name: prod
    policy: { draft: true }
models:
  - name: iris
  - name: resnet
    manifest: vision/resnet.yaml
    set: { storage-uri: spec.predictor.pytorch.storageUri }
    environments: [dev, staging]
`;

describe("reading an environment repository's slipway.yaml", () => {
  it('fills in folders, manifest paths and policy defaults', () => {
    const parsed = parseEnvironmentsConfig(config);
    const target = resolveTarget(parsed, 'staging', 'iris');
    expect(target.manifestPath).toBe('clusters/staging/iris/inferenceservice.yaml');
    expect(target.next).toBe('prod');
    expect(target.environment.policy).toEqual({
      autoMerge: false,
      mergeMethod: 'squash',
      draft: false,
      labels: [],
      reviewers: ['alice'],
      teamReviewers: ['ml-platform'],
    });
    expect(target.model.storageUriPath).toEqual(['spec', 'predictor', 'model', 'storageUri']);
    expect(target.model.annotationsPath).toEqual(['metadata', 'annotations']);
  });

  it('uses the manifest and YAML paths a model names', () => {
    const target = resolveTarget(parseEnvironmentsConfig(config), 'dev', 'resnet');
    expect(target.manifestPath).toBe('dev/vision/resnet.yaml');
    expect(target.model.storageUriPath).toEqual(['spec', 'predictor', 'pytorch', 'storageUri']);
    expect(target.environment.policy.autoMerge).toBe(true);
  });

  it('suggests the environment meant when one is misspelt', () => {
    expect(() =>
      resolveTarget(parseEnvironmentsConfig(config), 'stagign', 'iris', 'acme/envs@main:slipway.yaml'),
    ).toThrow(
      "acme/envs@main:slipway.yaml: environment 'stagign' is not in environments (known: dev, staging, prod). Did you mean 'staging'?",
    );
  });

  it('refuses a model that is not deployed to the environment', () => {
    expect(() => resolveTarget(parseEnvironmentsConfig(config), 'prod', 'resnet')).toThrow(
      /model 'resnet' is not deployed to 'prod'/,
    );
  });

  it('names an unknown model and what is listed', () => {
    expect(() => resolveTarget(parseEnvironmentsConfig(config), 'dev', 'iriss')).toThrow(
      /model 'iriss' is not listed under models \(listed: iris, resnet\)\. Did you mean 'iris'\?/,
    );
  });

  it('points at the line and column of a schema error', () => {
    const bad = config.replace('auto-merge: true', 'auto-merge: yes please');
    expect(() => parseEnvironmentsConfig(bad, 'slipway.yaml')).toThrow(
      /^slipway.yaml:5:\d+: environments\[0\]\.policy\.auto-merge: must be boolean/,
    );
  });

  it('names an unknown key', () => {
    expect(() => parseEnvironmentsConfig(config.replace('    folder:', '    foldr:'))).toThrow(
      /unknown key 'foldr'/,
    );
  });

  it('says when the file is a project slipway.yaml rather than an environment repository one', () => {
    expect(() => parseEnvironmentsConfig('apiVersion: slipway.dev/v1\nkind: Project\n')).toThrow(
      EnvironmentsConfigError,
    );
    expect(() => parseEnvironmentsConfig('apiVersion: slipway.dev/v1\nkind: Project\n')).toThrow(
      /expected .*kind: Environments.*found kind: Project/,
    );
  });

  it('rejects folders that climb out of the repository', () => {
    expect(() => parseEnvironmentsConfig(config.replace('clusters/staging', '../staging'))).toThrow(
      /environments\[1\]\.folder/,
    );
  });
});
