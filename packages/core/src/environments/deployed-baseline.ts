// The deployed baseline: the eval report of the model an environment runs, found by itself. The
// environment repository's record (the manifest open-environment-pr writes: storage URI and slipway.dev/*
// annotations) names the ModelPack artifact and the digest of its eval report referrer; the report is
// fetched from the artifact's registry (or an OCI layout), verified against that digest and against the
// artifact it claims to describe, and checked against the eval report schema. When the cluster pulls a
// modelcar image, the storage URI names that image and slipway.dev/artifact the artifact: the report
// refers to the artifact, never to the modelcar.
//
// Cost per run: two GitHub API requests (slipway.yaml and the manifest, read together) and one registry
// request: the referrer's manifest, which carries a report of up to 64 KiB in its layer's descriptor (OCI
// `data`); a larger report, or one published before reports were embedded, costs a second for its blob.
import { SlipwayError } from '../errors/index.js';
import type { BaselineSource, EvalReport } from '../metrics/index.js';
import { validateEvalReport } from '../metrics/report.js';
import { DigestMismatchError } from '../oci/errors.js';
import { fetchReferrerByDigest } from '../oci/pull.js';
import type { ArtifactStore } from '../oci/store.js';
import { readDeployedModel } from './deployment.js';
import { parseArtifactReference } from './proposal-inputs.js';
import { environmentsConfigFile, parseEnvironmentsConfig, resolveTarget } from './repository-config.js';

/** The environment repository as the baseline reads it: one branch, file by file. */
export interface EnvironmentRepository {
  /** `owner/name@branch`, for messages. */
  readonly location: string;
  /** The file's text on the branch, or undefined when there is no such file. */
  readFile(path: string): Promise<string | undefined>;
}

export interface DeployedBaselineRequest {
  readonly environment: string;
  /** The model's name, as the environment repository's slipway.yaml lists it (model.name of the project). */
  readonly model: string;
  readonly repository: EnvironmentRepository;
  /** Opens the store of the deployed artifact's repository (registry/repository). */
  readonly openStore: (artifactRepository: string) => ArtifactStore;
}

export type DeployedBaseline =
  | {
      readonly deployed: true;
      readonly report: EvalReport;
      readonly source: BaselineSource & { version?: string; artifact: string; reportDigest: string };
    }
  | { readonly deployed: false; readonly source: BaselineSource & { note: string } };

/** The baseline cannot be trusted or found where the environment says it is. */
export class DeployedBaselineError extends SlipwayError {
  override name = 'DeployedBaselineError';
}

const zeroDigest = /^sha256:0{64}$/;

export async function resolveDeployedBaseline(request: DeployedBaselineRequest): Promise<DeployedBaseline> {
  const { environment, model, repository } = request;
  const where = `${repository.location}:${environmentsConfigFile}`;
  const configText = await repository.readFile(environmentsConfigFile);
  if (configText === undefined) {
    throw new DeployedBaselineError(
      `${repository.location} has no ${environmentsConfigFile}, so the baseline environment:${environment} cannot be found. ` +
        'Expected the environment repository (kind: Environments); check deploy.repository in slipway.yaml or the environment-repository input.',
      { where: repository.location, expected: `${environmentsConfigFile} with kind: Environments` },
    );
  }
  let manifestPath: string;
  let target: ReturnType<typeof resolveTarget>;
  try {
    target = resolveTarget(parseEnvironmentsConfig(configText, where), environment, model, where);
    manifestPath = target.manifestPath;
  } catch (error) {
    throw new DeployedBaselineError((error as Error).message, { where, cause: error });
  }
  const base = { source: 'environment' as const, environment, repository: repository.location };
  const manifest = await repository.readFile(manifestPath);
  if (manifest === undefined) {
    return nothing(
      base,
      `${repository.location} has no ${manifestPath}: nothing is deployed to ${environment} yet`,
    );
  }
  const record = (() => {
    try {
      return readDeployedModel(manifest, target);
    } catch (error) {
      throw new DeployedBaselineError(`${repository.location}:${manifestPath}: ${(error as Error).message}`, {
        where: `${repository.location}:${manifestPath}`,
        cause: error,
      });
    }
  })();
  const storageUri = record.storageUri;
  if (!storageUri || (record.artifactDigest ?? storageUri).match(/sha256:0{64}$/)) {
    return nothing(
      base,
      `${environment} runs no published version of ${model} yet (${repository.location}:${manifestPath})`,
    );
  }
  let artifact: { repository: string; digest: string };
  try {
    artifact = parseArtifactReference(record.artifact ?? storageUri);
  } catch (error) {
    throw new DeployedBaselineError(`${repository.location}:${manifestPath}: ${(error as Error).message}`, {
      where: `${repository.location}:${manifestPath}`,
      cause: error,
    });
  }
  if (record.artifactDigest && record.artifactDigest !== artifact.digest) {
    throw new DeployedBaselineError(
      `${repository.location}:${manifestPath} records two different artifacts: slipway.dev/artifact-digest is ${record.artifactDigest} but the artifact it names (slipway.dev/artifact, or the storage URI without it) is ${artifact.repository}@${artifact.digest}. ` +
        'Re-propose the deployed version with open-environment-pr (reference: the ModelPack artifact, serving-reference: the modelcar) to write a consistent record.',
      {
        where: `${repository.location}:${manifestPath}`,
        expected: 'slipway.dev/artifact-digest equal to the digest of the recorded artifact',
      },
    );
  }
  const reference = `${artifact.repository}@${artifact.digest}`;
  const version = record.version;
  const deployed = `${model}${version ? ` ${version}` : ''} (${reference})`;
  const reportDigest = record.evalReportDigest;
  if (!reportDigest || zeroDigest.test(reportDigest)) {
    return nothing(
      { ...base, ...(version ? { version } : {}), artifact: reference },
      `${environment} runs ${deployed}, but its manifest records no eval report (slipway.dev/eval-report-digest); ` +
        'publish with an eval report and propose with eval-report-digest to compare with it',
    );
  }

  const store = request.openStore(artifact.repository);
  const what = `The eval report ${reportDigest} that ${environment} records for ${deployed}`;
  let fetched: Awaited<ReturnType<typeof fetchReferrerByDigest>>;
  try {
    fetched = await fetchReferrerByDigest(store, reportDigest, artifact.digest);
  } catch (error) {
    const reason = error instanceof DigestMismatchError ? 'does not match its digest' : 'cannot be read';
    throw new DeployedBaselineError(
      `${what} ${reason} in ${store.location}: ${(error as Error).message} The baseline cannot be trusted; re-publish the deployed version with its report, or fix slipway.dev/eval-report-digest in ${repository.location}:${manifestPath}.`,
      {
        where: store.location,
        expected: `an eval report referrer ${reportDigest} of ${artifact.digest}`,
        cause: error,
      },
    );
  }
  if (!fetched) {
    throw new DeployedBaselineError(
      `${what} is missing from ${store.location}: the registry has no manifest ${reportDigest}. ` +
        `Re-publish the deployed version with its eval report, or fix slipway.dev/eval-report-digest in ${repository.location}:${manifestPath}.`,
      { where: store.location, expected: `an eval report referrer ${reportDigest} of ${artifact.digest}` },
    );
  }
  let report: EvalReport;
  try {
    report = validateEvalReport(
      JSON.parse(fetched.bytes.toString('utf8')),
      `${store.location}@${reportDigest}`,
    );
  } catch (error) {
    throw new DeployedBaselineError(`${what}: ${(error as Error).message}`, {
      where: `${store.location}@${reportDigest}`,
      expected: 'an eval report (schemas/eval-report.schema.json)',
      cause: error,
    });
  }
  return {
    deployed: true,
    report,
    source: {
      ...base,
      deployed: true,
      ...(version ? { version } : {}),
      artifact: reference,
      reportDigest,
      commit: report.commit,
    },
  };
}

function nothing(base: BaselineSource, note: string): DeployedBaseline {
  return {
    deployed: false,
    source: { ...base, deployed: false, note: `${note}; the gates are the thresholds alone` },
  };
}

/** `environment:prod` → prod; anything else is not an environment baseline. */
export function parseEnvironmentBaseline(text: string): string | undefined {
  const match = /^environment:(.*)$/.exec(text.trim());
  if (!match) return undefined;
  const name = match[1]!.trim();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) {
    throw new DeployedBaselineError(
      `Invalid baseline '${text}'. Expected environment:<name> with the environment's name as the environment repository lists it, e.g. environment:prod.`,
      { where: 'baseline', expected: 'environment:<name>' },
    );
  }
  return name;
}
