// proposeDeployment: the one entry point of a deployment proposal, for the open-environment-pr action and
// `slipway propose`. The project's defaults, the release, the eval reports and the GitHub client are put
// together here, once; the doors only fill the request and present the outcome.
import { isAbsolute, resolve } from 'node:path';
import { readJsonFile } from '../config/json-file.js';
import { SlipwayError } from '../errors/index.js';
import { createGitHubClient, type GitHubClientLog } from '../github/client.js';
import { atGitHubBoundary } from '../github/failures.js';
import type { ModelRelease } from './deployment.js';
import { openEnvironmentPr, type ProposalResult } from './open-environment-pr.js';
import { buildRelease, readProjectDefaults } from './proposal-inputs.js';

export interface ProposeDeploymentRequest {
  /** The project's slipway.yaml, read for defaults when present: absolute, or relative to `root`. */
  readonly config: string;
  /** The directory paths given at the door (config, eval reports) are relative to. */
  readonly root: string;
  /** The ModelPack artifact pinned by digest (publish-model's `reference`): registry/repository@sha256:…. */
  readonly reference: string;
  /** The image the cluster pulls, when not the artifact: publish-model's `serving-reference` (the KServe modelcar). */
  readonly servingReference?: string;
  /** Environment repository owner/name; default deploy.repository of slipway.yaml. */
  readonly repository?: string;
  /** Default deploy.environment of slipway.yaml. */
  readonly environment?: string;
  /** Default model.name of slipway.yaml. */
  readonly model?: string;
  /** Default model.version of slipway.yaml. */
  readonly version?: string;
  /** The new version's eval report (path), summarised in the PR. */
  readonly evalReport?: string;
  /** The eval report of the version now deployed (path), for the metric diff. */
  readonly currentEvalReport?: string;
  /** Digest of the eval report in the registry, recorded in the manifest. */
  readonly evalReportDigest?: string;
  /** The branch the GitOps controller deploys from; default main. */
  readonly baseBranch?: string;
  /** Where the release comes from (the CI run's repository, commit and run), read from GitHub's context at the door. */
  readonly lineage?: Pick<ModelRelease, 'sourceRepository' | 'sourceCommit' | 'workflowRunUrl' | 'serverUrl'>;
  /** A token that can write to the environment repository. */
  readonly token: string;
  /** REST API root (GitHub Enterprise Server: https://HOST/api/v3); default https://api.github.com. */
  readonly apiUrl?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Where Octokit's own log goes. */
  readonly clientLog?: GitHubClientLog;
  /** Called once the release is known, before any request to GitHub. */
  readonly onRelease?: (release: ModelRelease, repository: string, environment: string) => void;
}

export async function proposeDeployment(request: ProposeDeploymentRequest): Promise<ProposalResult> {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(request.root, path));
  const project = await readProjectDefaults(at(request.config));
  const repository = request.repository ?? project.repository;
  const environment = request.environment ?? project.environment;
  if (!repository)
    throw new SlipwayError(
      "No environment repository: give the repository (input `repository`, or `slipway propose --repository owner/name`) or set deploy.repository in the project's slipway.yaml.",
      { where: at(request.config), expected: 'deploy.repository: owner/name' },
    );
  if (!environment)
    throw new SlipwayError(
      "No environment: give the environment (input `environment`, or `slipway propose --environment`) or set deploy.environment in the project's slipway.yaml.",
      { where: at(request.config), expected: 'deploy.environment: <name>' },
    );
  const release = buildRelease({
    model: request.model ?? project.model,
    version: request.version ?? project.version,
    reference: request.reference,
    ...(request.servingReference ? { servingReference: request.servingReference } : {}),
    ...(request.evalReportDigest ? { evalReportDigest: request.evalReportDigest } : {}),
    lineage: request.lineage ?? {},
  });
  const [evalReport, currentEvalReport] = await Promise.all([
    request.evalReport
      ? readJsonFile(at(request.evalReport), "the new version's eval report (JSON)")
      : undefined,
    request.currentEvalReport
      ? readJsonFile(at(request.currentEvalReport), 'the eval report of the version now deployed (JSON)')
      : undefined,
  ]);
  const octokit = createGitHubClient({
    token: request.token,
    ...(request.apiUrl ? { baseUrl: request.apiUrl } : {}),
    ...(request.clientLog ? { log: request.clientLog } : {}),
  });
  request.onRelease?.(release, repository, environment);
  return atGitHubBoundary(() =>
    openEnvironmentPr(octokit, {
      repository,
      environment,
      release,
      ...(request.baseBranch ? { baseBranch: request.baseBranch } : {}),
      ...(evalReport ? { evalReport: evalReport.value } : {}),
      ...(currentEvalReport ? { currentEvalReport: currentEvalReport.value } : {}),
      ...(request.log ? { log: request.log } : {}),
    }),
  );
}
