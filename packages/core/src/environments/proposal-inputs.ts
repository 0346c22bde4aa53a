// Turning what a user gives (an artifact reference, report files, the project's slipway.yaml, the CI
// run's environment) into a ModelRelease. Shared by the open-environment-pr action and `slipway propose`.
import { readConfigSource } from '../config/source.js';
import type { Project } from '../config/types.generated.js';
import { isDigest } from '../oci/digest.js';
import { parseReference } from '../oci/reference.js';
import { checkRelease, type ModelRelease, ModelReleaseError } from './deployment.js';

/** `ghcr.io/acme/models/iris@sha256:…` → repository and digest (a tag is ignored: the digest pins it). */
export function parseArtifactReference(reference: string): { repository: string; digest: string } {
  const trimmed = reference.trim();
  if (trimmed.startsWith('oci:') && !trimmed.startsWith('oci://')) {
    throw new ModelReleaseError(
      `The artifact '${trimmed}' is in a local OCI layout directory; a cluster cannot pull it. Publish the model to a registry first.`,
    );
  }
  const invalid = () =>
    new ModelReleaseError(
      `Invalid artifact reference '${reference}'. Expected registry/repository@sha256:<64 hex digits>, as publish-model outputs it.`,
      { where: reference, expected: 'registry/repository@sha256:<64 hex digits>' },
    );
  let parsed: ReturnType<typeof parseReference>;
  try {
    parsed = parseReference(trimmed.replace(/^oci:\/\//, ''));
  } catch {
    throw invalid();
  }
  // A cluster pulls what the digest pins; a tag alone could move under it.
  if (parsed.kind !== 'registry' || !isDigest(parsed.ref)) throw invalid();
  return { repository: `${parsed.registry}/${parsed.repository}`, digest: parsed.ref };
}

/** What the project's slipway.yaml says about the model and where it deploys first. */
export interface ProjectDefaults {
  readonly model?: string;
  readonly version?: string;
  readonly repository?: string;
  readonly environment?: string;
}

/** Reads the project's slipway.yaml for defaults; an absent file gives none, an unreadable one an error. */
export async function readProjectDefaults(path: string): Promise<ProjectDefaults> {
  const read = await readConfigSource(path);
  if (!read.ok) {
    if (read.finding.rule === 'file.missing') return {};
    throw new ModelReleaseError(
      `${read.finding.file}:${read.finding.line}:${read.finding.column}: ${read.finding.message}`,
    );
  }
  // Not validated here (a project config with unrelated problems still gives its defaults): every field is checked.
  const data = read.source.data as {
    model?: Partial<Record<keyof Project['model'], unknown>>;
    deploy?: Partial<Record<keyof NonNullable<Project['deploy']>, unknown>>;
  };
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const entries = {
    model: text(data.model?.name),
    version: text(data.model?.version),
    repository: text(data.deploy?.repository),
    environment: text(data.deploy?.environment),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as ProjectDefaults;
}

/** The lineage a CI run provides: source repository and commit, and the run's web address. */
export function lineageFromEnvironment(
  env: NodeJS.ProcessEnv,
): Pick<ModelRelease, 'sourceRepository' | 'sourceCommit' | 'workflowRunUrl' | 'serverUrl'> {
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const repository = env.GITHUB_REPOSITORY || undefined;
  const commit = env.GITHUB_SHA && /^[a-f0-9]{40}$/.test(env.GITHUB_SHA) ? env.GITHUB_SHA : undefined;
  // The run id without the attempt number: a re-run of the same workflow writes the same bytes.
  const run =
    repository && env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return {
    serverUrl: server,
    ...(repository ? { sourceRepository: repository } : {}),
    ...(commit ? { sourceCommit: commit } : {}),
    ...(run ? { workflowRunUrl: run } : {}),
  };
}

export interface ReleaseParts {
  readonly model: string | undefined;
  readonly version: string | undefined;
  /** The ModelPack artifact, as publish-model's `reference` output names it. */
  readonly reference: string;
  /** The image the cluster pulls when it is not the artifact (publish-model's `serving-reference`: the modelcar). */
  readonly servingReference?: string;
  readonly evalReportDigest?: string;
  readonly lineage: Pick<ModelRelease, 'sourceRepository' | 'sourceCommit' | 'workflowRunUrl' | 'serverUrl'>;
}

/** Assembles and checks the release, saying which missing value to supply and where. */
export function buildRelease(parts: ReleaseParts): ModelRelease {
  if (!parts.model)
    throw new ModelReleaseError(
      "No model name: set the `model` input, or model.name in the project's slipway.yaml.",
    );
  if (!parts.version)
    throw new ModelReleaseError(
      "No model version: set the `version` input, or model.version in the project's slipway.yaml.",
    );
  const artifact = parseArtifactReference(parts.reference);
  const serving = parts.servingReference ? parseArtifactReference(parts.servingReference) : undefined;
  return checkRelease({
    model: parts.model,
    version: parts.version.replace(/^v(?=\d)/, ''),
    artifactRepository: artifact.repository,
    artifactDigest: artifact.digest,
    ...(serving ? { serving } : {}),
    ...(parts.evalReportDigest ? { evalReportDigest: parts.evalReportDigest } : {}),
    ...parts.lineage,
  });
}
