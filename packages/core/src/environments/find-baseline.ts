// Which report a change is compared with, decided once for the action and the CLI: a report file, the
// model deployed in an environment (`environment:prod`, or baseline.environment of slipway.yaml when no
// baseline is given), or none.
import { resolve } from 'node:path';
import type { BaselineSource, EvalReport } from '../metrics/index.js';
import { readEvalReport } from '../metrics/report.js';
import type { RegistryCredentials } from '../oci/auth.js';
import {
  DeployedBaselineError,
  parseEnvironmentBaseline,
  resolveDeployedBaseline,
} from './deployed-baseline.js';
import { environmentRepository } from './environment-repository.js';

/** The parts of slipway.yaml the choice reads. */
export interface BaselineProject {
  readonly model: { readonly name: string };
  readonly baseline?: { readonly environment?: string };
  readonly deploy?: { readonly repository?: string };
}

/** Where and how the version deployed in an environment is read: the doors fill it from inputs and flags. */
export interface DeployedBaselineAccess {
  /** owner/name; default deploy.repository of slipway.yaml. */
  readonly environmentRepository?: string;
  /** The branch the GitOps controller deploys from. Default main. */
  readonly environmentBranch?: string;
  /** Token that can read the environment repository. */
  readonly token?: string;
  /** REST API root (GitHub Enterprise Server: https://HOST/api/v3). Default https://api.github.com. */
  readonly apiUrl?: string;
  /** Credentials for the deployed artifact's registry. */
  readonly registryCredentials?: (registry: string) => RegistryCredentials;
  readonly plainHttp?: boolean;
  /** Read the deployed report from this OCI layout directory instead of the artifact's registry. */
  readonly layout?: string;
  readonly onSecret?: (secret: string) => void;
}

export interface BaselineRequest extends DeployedBaselineAccess {
  readonly project: BaselineProject;
  /**
   * As the user gave it: a report path (relative to `root`), `environment:<name>`, `none`, or undefined
   * for slipway.yaml's baseline.environment (no comparison when it has none).
   */
  readonly baseline?: string;
  readonly root: string;
}

export interface BaselineChoice {
  readonly report?: EvalReport;
  /** What was compared with, for the report, the comment and the summary; absent without a baseline. */
  readonly source?: BaselineSource;
}

export async function findBaseline(request: BaselineRequest): Promise<BaselineChoice> {
  const given = request.baseline?.trim() || undefined;
  if (given === 'none') return {};
  const configured = request.project.baseline?.environment;
  const environment = given ? parseEnvironmentBaseline(given) : configured;
  if (given && environment === undefined) {
    const path = resolve(request.root, given);
    return { report: await readEvalReport(path), source: { source: 'file', path: given } };
  }
  if (environment === undefined) return {};

  const repository = request.environmentRepository ?? request.project.deploy?.repository;
  const asked = given ? `baseline ${given}` : `baseline.environment: ${environment} in slipway.yaml`;
  if (!repository) {
    throw new DeployedBaselineError(
      `The ${asked} needs the environment repository: set deploy.repository in slipway.yaml or the environment-repository input (--environment-repository).`,
      { where: 'slipway.yaml', expected: 'deploy.repository: owner/name' },
    );
  }
  if (!request.token) {
    if (given) {
      throw new DeployedBaselineError(
        `The ${asked} needs a token that can read ${repository}: set the environment-token input, or GITHUB_TOKEN for slipway eval.`,
        { where: repository, expected: 'a token with contents: read' },
      );
    }
    // Only the default taken from slipway.yaml: a run without any token (a laptop) still evaluates.
    return {
      source: {
        source: 'environment',
        environment,
        repository,
        deployed: false,
        note: `not compared with ${environment}: no token to read ${repository} (set GITHUB_TOKEN, or give another baseline); the gates are the thresholds alone`,
      },
    };
  }
  // Loaded only here: a run that compares with nothing deployed does not parse Octokit or the OCI client.
  const [{ createGitHubClient }, { LayoutStore }, { RegistryStore }] = await Promise.all([
    import('../github/client.js'),
    import('../oci/layout-store.js'),
    import('../oci/registry-store.js'),
  ]);
  const octokit = createGitHubClient({
    token: request.token,
    ...(request.apiUrl ? { baseUrl: request.apiUrl } : {}),
  });
  const found = await resolveDeployedBaseline({
    environment,
    model: request.project.model.name,
    repository: environmentRepository(octokit, repository, request.environmentBranch ?? 'main'),
    openStore: (artifactRepository) => {
      if (request.layout) return new LayoutStore(resolve(request.root, request.layout));
      const slash = artifactRepository.indexOf('/');
      const registry = artifactRepository.slice(0, slash);
      return new RegistryStore({
        registry,
        repository: artifactRepository.slice(slash + 1),
        actions: 'pull',
        credentials: request.registryCredentials?.(registry) ?? {},
        ...(request.plainHttp ? { plainHttp: true } : {}),
        ...(request.onSecret ? { onSecret: request.onSecret } : {}),
      });
    },
  });
  return found.deployed ? { report: found.report, source: found.source } : { source: found.source };
}
