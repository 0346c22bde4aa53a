// promote: one run of the promoter over an environment repository — on a push to main, on a schedule, or
// on a notification from Argo CD or Flux. For every model whose upstream deployment changed it opens or
// updates the promotion pull request carrying the upstream's exact record, and on every open Slipway pull
// request it sets the four gate statuses. Branch protection requires the gates and GitHub's auto-merge
// merges, so this never merges anything itself.
import { didYouMean } from '../../config/did-you-mean.js';
import type { GitHubClient } from '../../github/client.js';
import { parseRepository } from '../../github/git-data.js';
import { compareVersions, type DeployedModel, type ModelRelease, readDeployedModel } from '../deployment.js';
import { openEnvironmentPr, type ProposalOutcome } from '../open-environment-pr.js';
import { parseMarker, proposalBranch, renderMarker } from '../pr-content.js';
import { parseArtifactReference } from '../proposal-inputs.js';
import {
  type DeploymentTarget,
  type EnvironmentsConfig,
  environmentsConfigFile,
  resolveTarget,
} from '../repository-config.js';
import {
  holdOn,
  type PromotionContract,
  PromotionError,
  parsePromotionContract,
  verifyContexts,
} from './contract.js';
import {
  evaluateGates,
  type GateStatus,
  gateContexts,
  recordedVerification,
  type UpstreamState,
  verification,
} from './gates.js';
import { evaluationOf, provenance } from './provenance.js';
import { type OpenPull, readFiles, readSnapshot } from './snapshot.js';
import { retireStale, staleProposal } from './stale.js';
import { findUpstreamPull } from './upstream-pull.js';

export interface PromoteRequest {
  /** The environment manifest repository, owner/name. */
  readonly repository: string;
  /** The branch the GitOps controllers deploy from. Default main. */
  readonly baseBranch?: string;
  /** The clock. Default: now. Tests and rehearsals move it instead of waiting. */
  readonly now?: Date;
  /** Only promotions into these environments (and the gates of their pull requests), of these models. Default: all. */
  readonly environments?: readonly string[];
  readonly models?: readonly string[];
  /**
   * A person asked for it (`slipway promote`): open the promotion pull request even where the policy's
   * auto-promote is off, and even into a held model (its hold gate still keeps it from merging).
   */
  readonly manual?: boolean;
  readonly log?: (line: string) => void;
}

export type PromotionOutcome =
  | ProposalOutcome
  /** The model is held in the environment: nothing is proposed into it until the hold is released. */
  | 'held'
  /** auto-promote is off for the environment: a person promotes with `slipway promote`. */
  | 'not-automatic'
  /** No upstream runs a version of the model yet. */
  | 'nothing-upstream'
  /** The open promotion proposed what no upstream runs any more; it was closed, saying why. */
  | 'closed-stale'
  /** The same, but its branch carries commits Slipway did not make: left open, with a comment. */
  | 'stale-left-open';

export interface PromotionStep {
  readonly environment: string;
  readonly model: string;
  readonly from: readonly string[];
  readonly version?: string;
  readonly artifactDigest?: string;
  readonly outcome: PromotionOutcome;
  readonly message: string;
  readonly pullRequest?: { readonly number: number; readonly url: string };
  /** What the proposal could not do in full (the upstream pull request not found, reviewers refused). */
  readonly warnings?: readonly string[];
}

export interface GateReport {
  readonly environment: string;
  readonly model: string;
  readonly pullRequest: { readonly number: number; readonly url: string };
  readonly gates: readonly GateStatus[];
  /** How many statuses this run posted (only those that changed). */
  readonly posted: number;
}

export interface PromoteResult {
  readonly repository: string;
  /** The base branch commit the run read. */
  readonly commit: string;
  readonly promotions: readonly PromotionStep[];
  readonly gates: readonly GateReport[];
}

export async function promote(octokit: GitHubClient, request: PromoteRequest): Promise<PromoteResult> {
  const at = parseRepository(request.repository);
  const repo = `${at.owner}/${at.repo}`;
  const baseBranch = request.baseBranch ?? 'main';
  const now = request.now ?? new Date();
  const log = request.log ?? (() => {});
  const snapshot = await readSnapshot(octokit, at, baseBranch, environmentsConfigFile);
  if (!snapshot)
    throw new PromotionError(
      `${repo}: branch '${baseBranch}' not found (or the token cannot see the repository). Set base-branch to the branch your GitOps controller deploys from.`,
      { where: repo, expected: 'an environment repository with that branch' },
    );
  const baseCommit = snapshot.commit;
  const where = `${repo}@${baseBranch}:${environmentsConfigFile}`;
  if (snapshot.configText === undefined)
    throw new PromotionError(
      `${where}: not found. The environment repository needs a slipway.yaml with kind: Environments at its root.`,
      { where },
    );
  const contract = parsePromotionContract(snapshot.configText, where);
  checkNames(contract, request, where);

  // Every manifest of every model in every environment, in one read.
  const targets = allTargets(contract.config, where);
  const texts = await readFiles(
    octokit,
    at,
    snapshot.commit,
    [...targets.values()].map((t) => t.manifestPath),
  );
  const deployed = (environment: string, model: string): DeployedModel | undefined => {
    const target = targets.get(key(environment, model));
    const text = target && texts.get(target.manifestPath);
    return target && text !== undefined ? readDeployedModel(text, target) : undefined;
  };
  const upstreamStates = (environment: string, model: string): UpstreamState[] =>
    (contract.policies.get(environment)?.upstream.environments ?? [])
      .filter((u) => targets.has(key(u, model)))
      .map((u) => {
        const d = deployed(u, model);
        return {
          environment: u,
          ...(d?.artifactDigest ? { artifactDigest: d.artifactDigest } : {}),
          ...(d?.version ? { version: d.version } : {}),
          contexts: verifyContexts(contract.policies.get(u)!, model),
          statuses: snapshot.statuses,
          // An upstream that names no verify contexts counts as verified once deployed; the promoter
          // records the first time it saw it, and soak counts from there.
          deployedAt: now.toISOString(),
        };
      });
  const pulls = new Map(snapshot.pulls.map((p) => [p.headRefName, p]));

  const promotions: PromotionStep[] = [];
  // A promotion that fails must not stop the gate pass below: a freeze or a hold that starts now has to
  // turn pending on every pull request all the same. The first failure is thrown once the gates are set.
  const failures: unknown[] = [];
  for (const environment of contract.order) {
    const policy = contract.policies.get(environment)!;
    if (policy.upstream.environments.length === 0) continue;
    if (request.environments && !request.environments.includes(environment)) continue;
    for (const model of contract.config.models.map((m) => m.name)) {
      if (request.models && !request.models.includes(model)) continue;
      if (!targets.has(key(environment, model))) continue;
      let steps: PromotionStep[];
      try {
        steps = await promoteOne(environment, model);
      } catch (error) {
        failures.push(error);
        log(
          `${model} → ${environment}: not promoted: ${error instanceof Error ? error.message : String(error)}`,
        );
        continue;
      }
      for (const step of steps) {
        promotions.push(step);
        log(step.message);
      }
    }
  }

  async function promoteOne(environment: string, model: string): Promise<PromotionStep[]> {
    const upstreams = upstreamStates(environment, model);
    const base = { environment, model, from: upstreams.map((u) => u.environment) };
    const candidate = chooseCandidate(upstreams, (u) => deployed(u.environment, model));
    const branch = proposalBranch(environment, model);
    const decision = decide(base, candidate);
    const stale = staleProposal(pulls.get(branch), model, upstreams);
    const steps: PromotionStep[] = [];
    // A newer (or equal) version replaces a stale proposal in place; an older one cannot (openEnvironmentPr
    // keeps a newer proposal), so the stale one is closed first and the candidate proposed anew.
    const inPlace =
      stale &&
      decision.propose &&
      candidate?.record.version !== undefined &&
      compareVersions(stale.marker.version, candidate.record.version) <= 0;
    if (stale && !inPlace) {
      const target = targets.get(key(environment, model))!;
      const retired = await retireStale(octokit, at, stale, target, decision.afterwards);
      steps.push({
        ...base,
        version: stale.marker.version,
        artifactDigest: stale.marker.artifactDigest,
        outcome: retired.outcome,
        message: retired.message,
        pullRequest: { number: stale.pr.number, url: stale.pr.url },
      });
      if (retired.outcome === 'stale-left-open') return steps;
      pulls.delete(branch);
    }
    if (decision.step) steps.push(decision.step);
    else if (decision.propose && candidate) steps.push(await proposeCandidate(base, candidate));
    return steps;
  }

  /**
   * What this run does for the model in the environment: a step to report without proposing, or a
   * proposal; and, for a stale pull request closed on the way, what follows it, in a sentence.
   */
  function decide(
    base: Pick<PromotionStep, 'environment' | 'model' | 'from'>,
    candidate: Candidate | undefined,
  ): { step?: PromotionStep; propose: boolean; afterwards: string } {
    const { environment, model, from } = base;
    if (!candidate)
      return {
        step: {
          ...base,
          outcome: 'nothing-upstream',
          message: `${model}: nothing to promote into ${environment}; ${from.join(' or ') || 'no upstream'} runs no version of it yet.`,
        },
        propose: false,
        afterwards: 'No upstream runs a version to propose in its place.',
      };
    const { upstream, record } = candidate;
    const version = record.version;
    const digest = record.artifactDigest!;
    if (deployed(environment, model)?.artifactDigest === digest)
      return { propose: false, afterwards: `${environment} already runs what ${upstream} runs.` };
    if (parseMarker(pulls.get(proposalBranch(environment, model))?.body)?.artifactDigest === digest)
      return { propose: false, afterwards: '' }; // already proposed: gates only
    const withVersion = { ...base, ...(version ? { version } : {}), artifactDigest: digest };
    const hold = holdOn(contract, environment, model);
    if (hold && !request.manual)
      return {
        step: {
          ...withVersion,
          outcome: 'held',
          message: `${model} is held in ${environment} (${hold.reason}); ${version ?? digest} from ${upstream} is not proposed until the hold is released.`,
        },
        propose: false,
        afterwards: `${model} is held in ${environment} (${hold.reason}): nothing is proposed in its place until the hold is released.`,
      };
    const command = `slipway promote --environment ${environment} --model ${model}`;
    if (!contract.policies.get(environment)!.autoPromote && !request.manual)
      return {
        step: {
          ...withVersion,
          outcome: 'not-automatic',
          message: `${environment} does not auto-promote; run \`${command}\` to propose ${model} ${version ?? digest} from ${upstream}.`,
        },
        propose: false,
        afterwards: `${environment} does not auto-promote: run \`${command}\` to propose what ${upstream} runs now.`,
      };
    return {
      propose: true,
      afterwards: `Slipway proposes what ${upstream} runs now (${model} ${version ?? digest}) in a new pull request.`,
    };
  }

  async function proposeCandidate(
    base: Pick<PromotionStep, 'environment' | 'model' | 'from'>,
    { upstream, record }: Candidate,
  ): Promise<PromotionStep> {
    const { environment, model } = base;
    const policy = contract.policies.get(environment)!;
    const digest = record.artifactDigest!;
    const branch = proposalBranch(environment, model);
    const pr = pulls.get(branch);
    const release = releaseOf(model, record, `${where} (${upstream}/${model})`);
    const found = await findUpstreamPull(octokit, at, {
      branch: proposalBranch(upstream, model),
      artifactDigest: digest,
      commit: baseCommit,
      target: targets.get(key(upstream, model))!,
    });
    const verified = verification({
      policy,
      model,
      artifactDigest: digest,
      upstreams: upstreamStates(environment, model).filter((u) => u.environment === upstream),
      now,
    });
    const promotion = provenance(upstream, found.pull, verified);
    const result = await openEnvironmentPr(octokit, {
      repository: repo,
      environment,
      release,
      baseBranch,
      promotion,
      ...evaluationOf(found),
      log,
    });
    if (result.pullRequest && result.commit && result.commit !== pr?.headRefOid) {
      // A new head with the new record and no statuses yet: the gates below are set on it.
      pulls.set(branch, {
        number: result.pullRequest.number,
        url: result.pullRequest.url,
        title: '',
        body: renderMarker({
          environment,
          model,
          version: release.version,
          artifactDigest: digest,
          content: '',
          base: '',
          commit: result.commit,
        }),
        isDraft: false,
        headRefName: branch,
        headRefOid: result.commit,
        statuses: [],
      });
    }
    const warnings = [...(found.warning ? [found.warning] : []), ...result.warnings];
    for (const warning of warnings) log(`${model} → ${environment}: ${warning}`);
    return {
      ...base,
      version: release.version,
      artifactDigest: digest,
      outcome: result.outcome,
      message: result.message,
      ...(result.pullRequest ? { pullRequest: result.pullRequest } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }

  // Gates on every open Slipway pull request, whether this run opened it or an earlier one did.
  const gates: GateReport[] = [];
  for (const pr of pulls.values()) {
    const match = /^slipway\/([^/]+)\/([^/]+)$/.exec(pr.headRefName);
    if (!match) {
      // Branch protection requires the gates on every pull request into the base branch: Slipway's own
      // rollbacks and holds, and people's changes, pass them (their review is CODEOWNERS' business).
      const posted = await postGates(pr, notGated(pr.headRefName));
      if (posted > 0) log(`PR #${pr.number} (${pr.headRefName}): not a promotion; gates set to success.`);
      continue;
    }
    const [, environment = '', model = ''] = match;
    // A run for some environments (one job per environment, each in its own concurrency group) gates only theirs.
    if (request.environments && !request.environments.includes(environment)) continue;
    const policy = contract.policies.get(environment);
    const digest = parseMarker(pr.body)?.artifactDigest;
    if (!policy || !digest || !targets.has(key(environment, model))) continue;
    const head = pr;
    const hold = holdOn(contract, environment, model);
    const recorded = recordedVerification(head.statuses.find((s) => s.context === gateContexts.verified));
    const evaluated = Object.values(
      evaluateGates({
        policy,
        model,
        artifactDigest: digest,
        upstreams: upstreamStates(environment, model),
        now,
        ...(hold ? { hold } : {}),
        ...(recorded ? { recordedVerifiedAt: recorded } : {}),
      }),
    );
    const posted = await postGates(head, evaluated);
    gates.push({
      environment,
      model,
      pullRequest: { number: head.number, url: head.url },
      gates: evaluated,
      posted,
    });
    if (posted > 0)
      log(
        `PR #${head.number} (${model} → ${environment}): ${evaluated.map((g) => `${g.context} ${g.state}`).join(', ')}.`,
      );
  }
  if (failures.length > 0) throw failures[0];
  return { repository: repo, commit: snapshot.commit, promotions, gates };

  /** Posts the gates that differ from what the head already carries; returns how many it posted. */
  async function postGates(head: OpenPull, evaluated: readonly GateStatus[]): Promise<number> {
    let posted = 0;
    // Every gate that is not green goes first: were a success posted first (soak turning green before
    // freeze turns pending), all four would be green in between and auto-merge could merge right then.
    const order = [...evaluated].sort(
      (a, b) => Number(a.state === 'success') - Number(b.state === 'success'),
    );
    for (const gate of order) {
      const current = head.statuses.find((s) => s.context === gate.context);
      if (current?.state === gate.state && (current.description ?? '') === gate.description) continue;
      await octokit.rest.repos.createCommitStatus({
        ...at,
        sha: head.headRefOid,
        state: gate.state,
        context: gate.context,
        description: gate.description,
      });
      posted += 1;
    }
    return posted;
  }
}

function notGated(branch: string): GateStatus[] {
  const why = /^slipway\/(rollback|hold|release)\//.test(branch)
    ? 'Rollbacks and holds restore or stop; they are not gated.'
    : 'Not a Slipway promotion: no promotion gate applies.';
  return Object.values(gateContexts).map((context) => ({
    context,
    state: 'success' as const,
    description: why,
  }));
}

const key = (environment: string, model: string) => `${environment}\u0000${model}`;

function allTargets(config: EnvironmentsConfig, where: string): Map<string, DeploymentTarget> {
  const targets = new Map<string, DeploymentTarget>();
  for (const env of config.environments) {
    for (const model of config.models) {
      if (model.environments && !model.environments.includes(env.name)) continue;
      targets.set(key(env.name, model.name), resolveTarget(config, env.name, model.name, where));
    }
  }
  return targets;
}

/** The upstream record to promote: the newest version an upstream runs, preferring verified ones. */
interface Candidate {
  readonly upstream: string;
  readonly record: DeployedModel;
}

function chooseCandidate(
  upstreams: readonly UpstreamState[],
  record: (u: UpstreamState) => DeployedModel | undefined,
): Candidate | undefined {
  const running = upstreams
    .map((u) => ({ upstream: u.environment, record: record(u) }))
    .filter((c): c is Candidate => Boolean(c.record?.artifactDigest));
  running.sort((a, b) =>
    a.record.version && b.record.version ? compareVersions(b.record.version, a.record.version) : 0,
  );
  return running[0];
}

/** The upstream's record as a release: the same artifact, digests and lineage, byte for byte. */
export function releaseOf(model: string, record: DeployedModel, where: string): ModelRelease {
  if (!record.storageUri || !record.version)
    throw new PromotionError(
      `${where}: the manifest has no ${record.storageUri ? 'slipway.dev/version annotation' : 'storage URI'}, so there is no record to promote. Deploy the model there through Slipway first.`,
      { where },
    );
  // The ModelPack artifact (slipway.dev/artifact, else the storage URI) and, when the storage URI names
  // another image (the modelcar), that image as the serving image: both carried over unchanged.
  const { repository, digest } = parseArtifactReference(record.artifact ?? record.storageUri);
  const pulled = parseArtifactReference(record.storageUri);
  const artifactDigest = record.artifactDigest ?? digest;
  const serving = pulled.repository === repository && pulled.digest === artifactDigest ? undefined : pulled;
  return {
    model,
    version: record.version,
    artifactRepository: repository,
    artifactDigest,
    ...(serving ? { serving } : {}),
    ...(record.evalReportDigest ? { evalReportDigest: record.evalReportDigest } : {}),
    ...(record.sourceRepository ? { sourceRepository: record.sourceRepository } : {}),
    ...(record.sourceCommit ? { sourceCommit: record.sourceCommit } : {}),
    ...(record.workflowRunUrl ? { workflowRunUrl: record.workflowRunUrl } : {}),
  };
}

function checkNames(contract: PromotionContract, request: PromoteRequest, where: string): void {
  const envs = contract.order;
  for (const name of request.environments ?? []) {
    if (envs.includes(name)) continue;
    const hint = didYouMean(name, envs);
    throw new PromotionError(
      `${where}: environment '${name}' is not listed (known: ${envs.join(', ')}).${hint ? ` Did you mean '${hint}'?` : ''} Nothing was changed.`,
      { where, expected: 'an environment listed in slipway.yaml' },
    );
  }
  const models = contract.config.models.map((m) => m.name);
  for (const name of request.models ?? []) {
    if (models.includes(name)) continue;
    const hint = didYouMean(name, models);
    throw new PromotionError(
      `${where}: model '${name}' is not listed (known: ${models.join(', ')}).${hint ? ` Did you mean '${hint}'?` : ''} Nothing was changed.`,
      { where, expected: 'a model listed in slipway.yaml' },
    );
  }
}
