// trace: from a running model back to where it came from, and forward to everywhere it went — source
// repository and commit → workflow run → artifact digest → eval report (pulled from the registry, its
// digest checked) → every pull request that proposed or promoted it, who approved and merged each → the
// environments running it now. Start from `<environment>/<model>` or from an artifact digest.
import type { GitHubClient } from '../../github/client.js';
import { parseRepository } from '../../github/git-data.js';
import { fetchReport } from '../../oci/pull.js';
import type { ArtifactStore } from '../../oci/store.js';
import { type DeployedModel, readDeployedModel } from '../deployment.js';
import { parseMarker } from '../pr-content.js';
import { parseArtifactReference } from '../proposal-inputs.js';
import { environmentsConfigFile, resolveTarget } from '../repository-config.js';
import { PromotionError, parsePromotionContract } from './contract.js';
import { type HistoryEntry, history } from './history.js';
import { readFiles, readSnapshot } from './snapshot.js';

export interface TraceRequest {
  readonly repository: string;
  /** `<environment>/<model>` or `sha256:<64 hex>`. */
  readonly subject: string;
  readonly baseBranch?: string;
  /** Opens the registry repository the artifact lives in, to fetch its eval report. Without it, no fetch. */
  readonly openRegistry?: (registry: string, repository: string) => ArtifactStore;
}

export interface TraceResult {
  readonly repository: string;
  readonly artifactDigest: string;
  readonly model: string;
  readonly version?: string;
  readonly storageUri?: string;
  readonly source?: { readonly repository: string; readonly commit?: string };
  readonly workflowRun?: string;
  readonly evalReport?: {
    readonly digest: string;
    /** Whether the registry's report has the digest the manifests record. */
    readonly matches: boolean | undefined;
    readonly passed?: boolean;
  };
  /** Every merged pull request that put this artifact into an environment, oldest first. */
  readonly deployments: readonly Pick<
    HistoryEntry,
    'environment' | 'at' | 'commit' | 'pullRequest' | 'verification'
  >[];
  /** Open pull requests proposing it now. */
  readonly proposed: readonly {
    readonly environment: string;
    readonly number: number;
    readonly url: string;
  }[];
  /** Environments running it now. */
  readonly runningIn: readonly string[];
}

export async function trace(octokit: GitHubClient, request: TraceRequest): Promise<TraceResult> {
  const at = parseRepository(request.repository);
  const repo = `${at.owner}/${at.repo}`;
  const baseBranch = request.baseBranch ?? 'main';
  const where = `${repo}@${baseBranch}:${environmentsConfigFile}`;
  const snapshot = await readSnapshot(octokit, at, baseBranch, environmentsConfigFile);
  if (!snapshot?.configText)
    throw new PromotionError(`${where}: not found; is ${repo} an environment repository?`, { where });
  const contract = parsePromotionContract(snapshot.configText, where);
  const pairs = contract.config.environments.flatMap((env) =>
    contract.config.models
      .filter((m) => !m.environments || m.environments.includes(env.name))
      .map((m) => resolveTarget(contract.config, env.name, m.name, where)),
  );
  const texts = await readFiles(
    octokit,
    at,
    snapshot.commit,
    pairs.map((t) => t.manifestPath),
  );
  const running = pairs.map((target) => {
    const text = texts.get(target.manifestPath);
    return { target, record: text === undefined ? ({} as DeployedModel) : readDeployedModel(text, target) };
  });

  let digest: string;
  let model: string | undefined;
  if (/^sha256:[a-f0-9]{64}$/.test(request.subject)) {
    digest = request.subject;
  } else {
    const match = /^([^/]+)\/([^/]+)$/.exec(request.subject);
    if (!match)
      throw new PromotionError(
        `Invalid trace subject '${request.subject}'. Expected <environment>/<model> (prod/iris) or an artifact digest (sha256:<64 hex>).`,
        { expected: '<environment>/<model> or sha256:…' },
      );
    const target = resolveTarget(contract.config, match[1]!, match[2]!, where);
    const here = running.find(
      (r) =>
        r.target === target || (r.target.environment.name === match[1] && r.target.model.name === match[2]),
    );
    if (!here?.record.artifactDigest)
      throw new PromotionError(
        `${repo}: ${match[1]} runs no Slipway record of ${match[2]} (no slipway.dev/artifact-digest in ${target.manifestPath}).`,
        { where: `${repo}@${baseBranch}:${target.manifestPath}` },
      );
    digest = here.record.artifactDigest;
    model = match[2]!;
  }

  const holders = running.filter((r) => r.record.artifactDigest === digest);
  model ??= holders[0]?.target.model.name;
  // Not running anywhere now: look for it in the history of every environment.
  const deployments: TraceResult['deployments'][number][] = [];
  let record: DeployedModel | undefined = holders[0]?.record;
  for (const env of contract.config.environments) {
    const models = model ? [model] : contract.config.models.map((m) => m.name);
    for (const m of models) {
      if (!pairs.some((p) => p.environment.name === env.name && p.model.name === m)) continue;
      const past = await history(octokit, { repository: repo, environment: env.name, model: m, baseBranch });
      for (const entry of past.entries.filter((e) => e.artifactDigest === digest)) {
        model ??= m;
        record ??= readDeployedModel(entry.manifest, resolveTarget(contract.config, env.name, m, where));
        // The first commit that brought it in, not later commits that kept it.
        const previous = past.entries[past.entries.indexOf(entry) + 1];
        if (previous?.artifactDigest === digest) continue;
        deployments.push({
          environment: env.name,
          at: entry.at,
          commit: entry.commit,
          ...(entry.pullRequest ? { pullRequest: entry.pullRequest } : {}),
          verification: entry.verification,
        });
      }
    }
  }
  if (!record || !model)
    throw new PromotionError(
      `${repo}: artifact ${digest} was never deployed to any environment here. Nothing to trace.`,
      { where: repo },
    );
  deployments.sort((a, b) => a.at.localeCompare(b.at));

  let evalReport: TraceResult['evalReport'];
  if (record.evalReportDigest) {
    let matches: boolean | undefined;
    let passed: boolean | undefined;
    // The report refers to the ModelPack artifact, not to the modelcar the storage URI may name.
    const artifact = record.artifact ?? record.storageUri;
    if (request.openRegistry && artifact) {
      const { repository } = parseArtifactReference(artifact);
      const slash = repository.indexOf('/');
      const store = request.openRegistry(repository.slice(0, slash), repository.slice(slash + 1));
      const fetched = await fetchReport(store, digest);
      matches = fetched?.digest === record.evalReportDigest;
      if (fetched) passed = (JSON.parse(fetched.bytes.toString('utf8')) as { passed?: boolean }).passed;
    }
    evalReport = {
      digest: record.evalReportDigest,
      matches,
      ...(passed === undefined ? {} : { passed }),
    };
  }
  const proposed = snapshot.pulls
    .filter((p) => parseMarker(p.body)?.artifactDigest === digest)
    .map((p) => ({ environment: parseMarker(p.body)!.environment, number: p.number, url: p.url }));
  return {
    repository: repo,
    artifactDigest: digest,
    model,
    ...(record.version ? { version: record.version } : {}),
    ...(record.storageUri ? { storageUri: record.storageUri } : {}),
    ...(record.sourceRepository
      ? {
          source: {
            repository: record.sourceRepository,
            ...(record.sourceCommit ? { commit: record.sourceCommit } : {}),
          },
        }
      : {}),
    ...(record.workflowRunUrl ? { workflowRun: record.workflowRunUrl } : {}),
    ...(evalReport ? { evalReport } : {}),
    deployments,
    proposed,
    runningIn: holders.map((h) => h.target.environment.name),
  };
}
