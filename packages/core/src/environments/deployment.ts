// What a deployment writes into an environment's manifest (the storage URI and the slipway.dev/*
// annotations that record lineage) and how the model now deployed is read back from it.

import { createHash } from 'node:crypto';
import semverCompare from 'semver/functions/compare.js';
import { SlipwayError } from '../errors/index.js';
import { editManifest, type ManifestEdit, readManifestValue } from './manifest-edit.js';
import type { DeploymentTarget } from './repository-config.js';

/** A published model version, as publish-model reports it. */
export interface ModelRelease {
  readonly model: string;
  /** Semantic version, e.g. 1.3.0. */
  readonly version: string;
  /** Registry and repository without tag or digest: ghcr.io/acme/models/iris. */
  readonly artifactRepository: string;
  /** Manifest digest of the artifact: sha256:<64 hex>. */
  readonly artifactDigest: string;
  /**
   * The image the cluster pulls, when it is not the artifact itself: publish-model's KServe modelcar
   * (`serving-reference`). The record keeps both: the storage URI names this image, the annotations the artifact.
   */
  readonly serving?: { readonly repository: string; readonly digest: string };
  /** Digest of the evaluation report published with it. */
  readonly evalReportDigest?: string;
  /** Source repository as owner/name, and the commit the model was built from. */
  readonly sourceRepository?: string;
  readonly sourceCommit?: string;
  /** Link to the workflow run that published it (no attempt number, so re-runs write the same bytes). */
  readonly workflowRunUrl?: string;
  /** https://github.com or the GHES host, for lineage links. */
  readonly serverUrl?: string;
}

/** The model now deployed in an environment, as its manifest says. */
export interface DeployedModel {
  /** What the cluster pulls: the modelcar image, or the artifact itself. */
  readonly storageUri?: string;
  /**
   * The ModelPack artifact (registry/repository@sha256:…) that carries the eval report and training record:
   * slipway.dev/artifact when the storage URI names another image, else the storage URI's reference.
   */
  readonly artifact?: string;
  readonly version?: string;
  readonly artifactDigest?: string;
  readonly evalReportDigest?: string;
  readonly sourceRepository?: string;
  readonly sourceCommit?: string;
  readonly workflowRunUrl?: string;
}

export const annotationKeys = {
  model: 'slipway.dev/model',
  version: 'slipway.dev/version',
  artifact: 'slipway.dev/artifact',
  artifactDigest: 'slipway.dev/artifact-digest',
  evalReportDigest: 'slipway.dev/eval-report-digest',
  sourceRepository: 'slipway.dev/source-repository',
  sourceCommit: 'slipway.dev/source-commit',
  workflowRun: 'slipway.dev/workflow-run',
} as const;

export class ModelReleaseError extends SlipwayError {
  override readonly name = 'ModelReleaseError';
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;
const repositoryPattern = /^[A-Za-z0-9.-]+(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;
const versionPattern = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Checks the release's fields, naming the one that is wrong and the form expected. */
export function checkRelease(release: ModelRelease): ModelRelease {
  const fail = (name: string, value: string, expected: string) =>
    new ModelReleaseError(`Invalid ${name} '${value}'. Expected ${expected}.`);
  if (!versionPattern.test(release.version))
    throw fail('model version', release.version, 'a semantic version such as 1.3.0');
  if (!digestPattern.test(release.artifactDigest))
    throw fail('artifact digest', release.artifactDigest, 'sha256:<64 hex digits>');
  if (!repositoryPattern.test(release.artifactRepository)) {
    throw fail(
      'artifact repository',
      release.artifactRepository,
      'registry/repository without tag or digest, e.g. ghcr.io/acme/models/iris',
    );
  }
  if (release.serving !== undefined) {
    if (!digestPattern.test(release.serving.digest))
      throw fail('serving image digest', release.serving.digest, 'sha256:<64 hex digits>');
    if (!repositoryPattern.test(release.serving.repository)) {
      throw fail(
        'serving image repository',
        release.serving.repository,
        'registry/repository without tag or digest, e.g. ghcr.io/acme/models/iris',
      );
    }
  }
  if (release.evalReportDigest !== undefined && !digestPattern.test(release.evalReportDigest)) {
    throw fail('eval report digest', release.evalReportDigest, 'sha256:<64 hex digits>');
  }
  if (release.sourceCommit !== undefined && !/^[a-f0-9]{40}$/.test(release.sourceCommit)) {
    throw fail('source commit', release.sourceCommit, 'a 40-character commit SHA');
  }
  return release;
}

/** oci://ghcr.io/acme/models/iris@sha256:…, the form KServe's modelcar storage understands: the serving image when given. */
export function storageUriOf(release: ModelRelease): string {
  const pulled = release.serving ?? {
    repository: release.artifactRepository,
    digest: release.artifactDigest,
  };
  return `oci://${pulled.repository}@${pulled.digest}`;
}

/** The ModelPack artifact, registry/repository@sha256:…: what its eval report and training record refer to. */
export function artifactReferenceOf(release: ModelRelease): string {
  return `${release.artifactRepository}@${release.artifactDigest}`;
}

/** slipway.dev/artifact is written only when the storage URI names another image (absent, the URI is the artifact). */
function artifactAnnotationOf(release: ModelRelease): string | undefined {
  const reference = artifactReferenceOf(release);
  return storageUriOf(release) === `oci://${reference}` ? undefined : reference;
}

/** The edits a deployment makes: the storage URI, then each annotation (absent lineage is removed, never left stale). */
export function deploymentEdits(target: DeploymentTarget, release: ModelRelease): ManifestEdit[] {
  const annotation = (key: string, value: string | undefined): ManifestEdit => ({
    path: [...target.model.annotationsPath, key],
    value,
  });
  return [
    { path: target.model.storageUriPath, value: storageUriOf(release) },
    annotation(annotationKeys.model, release.model),
    annotation(annotationKeys.version, release.version),
    annotation(annotationKeys.artifact, artifactAnnotationOf(release)),
    annotation(annotationKeys.artifactDigest, release.artifactDigest),
    annotation(annotationKeys.evalReportDigest, release.evalReportDigest),
    annotation(annotationKeys.sourceRepository, release.sourceRepository),
    annotation(annotationKeys.sourceCommit, release.sourceCommit),
    annotation(annotationKeys.workflowRun, release.workflowRunUrl),
  ];
}

export function readDeployedModel(text: string, target: DeploymentTarget): DeployedModel {
  const anchor = target.model.storageUriPath;
  const read = (key: string) =>
    readManifestValue(text, [...target.model.annotationsPath, key], anchor, target.manifestPath);
  const storageUri = readManifestValue(text, anchor, anchor, target.manifestPath);
  // Records written before slipway.dev/artifact (or whose storage URI is the artifact) name it in the URI.
  const artifact =
    read(annotationKeys.artifact) ?? (storageUri?.startsWith('oci://') ? storageUri.slice(6) : undefined);
  const entries: [keyof DeployedModel, string | undefined][] = [
    ['storageUri', storageUri],
    ['artifact', artifact],
    ['version', read(annotationKeys.version)],
    ['artifactDigest', read(annotationKeys.artifactDigest)],
    ['evalReportDigest', read(annotationKeys.evalReportDigest)],
    ['sourceRepository', read(annotationKeys.sourceRepository)],
    ['sourceCommit', read(annotationKeys.sourceCommit)],
    ['workflowRunUrl', read(annotationKeys.workflowRun)],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as DeployedModel;
}

export interface ManifestChange {
  readonly before: DeployedModel;
  /** The manifest's new bytes (UTF-8 text). */
  readonly text: string;
  /** sha256 of the new bytes; the proposal marker records it to recognise an unchanged re-run. */
  readonly contentDigest: string;
  /**
   * True when the environment already runs this serving image recorded as this artifact. Then nothing is
   * proposed, even if lineage annotations would differ (a re-publish from another run): the deployment
   * itself would not change.
   */
  readonly alreadyDeployed: boolean;
}

export function planManifestChange(
  text: string,
  target: DeploymentTarget,
  release: ModelRelease,
): ManifestChange {
  const before = readDeployedModel(text, target);
  const after = editManifest(
    text,
    deploymentEdits(target, release),
    target.model.storageUriPath,
    target.manifestPath,
  );
  return {
    before,
    text: after,
    contentDigest: sha256(after),
    alreadyDeployed:
      after === text ||
      (before.storageUri === storageUriOf(release) && before.artifact === artifactReferenceOf(release)),
  };
}

export const sha256 = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

/** Semantic-version order (pre-releases before their release); -1, 0 or 1. */
export const compareVersions = (a: string, b: string): number => semverCompare(a, b);
