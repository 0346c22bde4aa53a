import {
  artifactReferenceOf,
  buildRelease,
  lineageFromEnvironment,
  parseArtifactReference,
  planManifestChange,
  storageUriOf,
} from '@slipway/core/environments';
import { describe, expect, it } from 'vitest';
import { irisTarget } from './golden-cases.js';

const d = `sha256:${'a'.repeat(64)}`;

describe('the artifact reference publish-model hands over', () => {
  it('splits registry/repository from the digest, keeping a registry port and dropping a tag', () => {
    expect(parseArtifactReference(`ghcr.io/acme/models/iris@${d}`)).toEqual({
      repository: 'ghcr.io/acme/models/iris',
      digest: d,
    });
    expect(parseArtifactReference(`127.0.0.1:5000/acme/iris:1.3.0@${d}`)).toEqual({
      repository: '127.0.0.1:5000/acme/iris',
      digest: d,
    });
    expect(parseArtifactReference(`oci://ghcr.io/acme/iris@${d}`).repository).toBe('ghcr.io/acme/iris');
  });

  it('refuses a reference a cluster cannot pull, or one not pinned by digest', () => {
    expect(() => parseArtifactReference(`oci:.slipway/oci@${d}`)).toThrow(/local OCI layout directory/);
    expect(() => parseArtifactReference('ghcr.io/acme/iris:latest')).toThrow(
      /Expected registry\/repository@sha256:<64 hex digits>/,
    );
  });
});

describe('the lineage a workflow run records', () => {
  it('links the run without its attempt number, so a re-run writes the same bytes', () => {
    const env = {
      GITHUB_SERVER_URL: 'https://ghes.acme.dev/',
      GITHUB_REPOSITORY: 'acme/vision',
      GITHUB_SHA: 'c'.repeat(40),
      GITHUB_RUN_ID: '77',
      GITHUB_RUN_ATTEMPT: '3',
    };
    expect(lineageFromEnvironment(env)).toEqual({
      serverUrl: 'https://ghes.acme.dev',
      sourceRepository: 'acme/vision',
      sourceCommit: 'c'.repeat(40),
      workflowRunUrl: 'https://ghes.acme.dev/acme/vision/actions/runs/77',
    });
  });

  it('says which value is missing when a release cannot be built', () => {
    expect(() =>
      buildRelease({ model: undefined, version: '1.0.0', reference: `r/x@${d}`, lineage: {} }),
    ).toThrow(/No model name: set the `model` input/);
    expect(() => buildRelease({ model: 'iris', version: 'one', reference: `r/x@${d}`, lineage: {} })).toThrow(
      "Invalid model version 'one'. Expected a semantic version such as 1.3.0.",
    );
    expect(
      buildRelease({ model: 'iris', version: 'v1.2.3', reference: `r/x@${d}`, lineage: {} }).version,
    ).toBe('1.2.3');
  });
});

describe('a release served by its modelcar image', () => {
  const artifact = `sha256:${'3'.repeat(64)}`;
  const modelcar = `sha256:${'5'.repeat(64)}`;
  const release = buildRelease({
    model: 'iris',
    version: '1.3.0',
    reference: `ghcr.io/acme/models/iris@${artifact}`,
    servingReference: `ghcr.io/acme/models/iris:1.3.0-modelcar@${modelcar}`,
    lineage: {},
  });

  it('keeps the artifact and the serving image apart', () => {
    expect(release.artifactDigest).toBe(artifact);
    expect(release.serving).toEqual({ repository: 'ghcr.io/acme/models/iris', digest: modelcar });
    expect(storageUriOf(release)).toBe(`oci://ghcr.io/acme/models/iris@${modelcar}`);
    expect(artifactReferenceOf(release)).toBe(`ghcr.io/acme/models/iris@${artifact}`);
  });

  it('refuses a serving reference not pinned by digest', () => {
    expect(() =>
      buildRelease({
        model: 'iris',
        version: '1.3.0',
        reference: `ghcr.io/acme/models/iris@${artifact}`,
        servingReference: 'ghcr.io/acme/models/iris:1.3.0-modelcar',
        lineage: {},
      }),
    ).toThrow(/Invalid artifact reference 'ghcr.io\/acme\/models\/iris:1.3.0-modelcar'/);
  });

  it('is already deployed only when both the storage URI and the recorded artifact match', () => {
    const deployed = planManifestChange(
      planManifestChange(
        'metadata:\n  annotations: {}\nspec:\n  predictor:\n    model:\n      storageUri: oci://x/y@sha256:0\n',
        irisTarget,
        release,
      ).text,
      irisTarget,
      release,
    );
    expect(deployed.alreadyDeployed).toBe(true);
    // The same modelcar recorded as another artifact (a record written with the modelcar as `reference`).
    const other = { ...release, artifactDigest: `sha256:${'6'.repeat(64)}` };
    expect(planManifestChange(deployed.text, irisTarget, other).alreadyDeployed).toBe(false);
    // The same artifact served by another image.
    const otherImage = { ...release, serving: { repository: 'ghcr.io/acme/models/iris', digest: artifact } };
    expect(planManifestChange(deployed.text, irisTarget, otherImage).alreadyDeployed).toBe(false);
  });
});
