// The golden round-trip cases: each fixtures/<name>/input.yaml, edited for the release below, must give
// fixtures/<name>/expected.yaml byte for byte.
import type { DeploymentTarget, ModelRelease } from '@slipway/core/environments';

export const fullRelease: ModelRelease = {
  model: 'iris',
  version: '1.3.0',
  artifactRepository: 'ghcr.io/acme/models/iris',
  artifactDigest: `sha256:${'3'.repeat(64)}`,
  evalReportDigest: `sha256:${'4'.repeat(64)}`,
  sourceRepository: 'acme/vision',
  sourceCommit: 'b'.repeat(40),
  workflowRunUrl: 'https://github.com/acme/vision/actions/runs/4242',
};

/** A release that carries no lineage: its stale lineage annotations must go. */
export const bareRelease: ModelRelease = {
  model: 'iris',
  version: '1.3.0',
  artifactRepository: 'ghcr.io/acme/models/iris',
  artifactDigest: `sha256:${'3'.repeat(64)}`,
};

/** A release served by its KServe modelcar image (publish-model's serving-reference), beside the artifact. */
export const modelcarRelease: ModelRelease = {
  ...fullRelease,
  serving: { repository: 'ghcr.io/acme/models/iris', digest: `sha256:${'5'.repeat(64)}` },
};

export const goldenCases: Record<string, ModelRelease> = {
  'kserve-existing': fullRelease,
  'no-annotations': fullRelease,
  'flow-annotations': fullRelease,
  'multi-document': fullRelease,
  'stale-lineage': bareRelease,
  'first-deployment': fullRelease,
  'modelcar-serving': modelcarRelease,
  // A record of a modelcar, given a release that serves the artifact itself: slipway.dev/artifact goes.
  'modelcar-dropped': fullRelease,
};

export const irisTarget: DeploymentTarget = {
  environment: {
    name: 'staging',
    folder: 'staging',
    policy: {
      autoMerge: false,
      mergeMethod: 'squash',
      draft: false,
      labels: [],
      reviewers: [],
      teamReviewers: [],
    },
  },
  model: {
    name: 'iris',
    manifest: 'iris/inferenceservice.yaml',
    storageUriPath: ['spec', 'predictor', 'model', 'storageUri'],
    annotationsPath: ['metadata', 'annotations'],
  },
  manifestPath: 'staging/iris/inferenceservice.yaml',
};
