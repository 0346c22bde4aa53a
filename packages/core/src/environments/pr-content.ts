// What a deployment pull request says: branch name, commit message with Slipway's trailers, title, body
// (change, evaluation, lineage, policy) and the hidden marker plus machine-readable block that let the
// next run, and other tools, read the proposal back without guessing from prose.

import { fitBody } from '../errors/index.js';
import type { DeployedModel, ModelRelease } from './deployment.js';
import { artifactReferenceOf, storageUriOf } from './deployment.js';
import { type EvalSummary, maxTableRows, renderProposalEvalSummary } from './eval-summary.js';
import type { DeploymentTarget } from './repository-config.js';

/** One stable branch per (environment, model): every run regenerates it, so there is never a pile of branches. */
export const proposalBranch = (environment: string, model: string) => `slipway/${environment}/${model}`;

/** What the hidden marker in the PR body records; the next run compares it to decide whether anything changed. */
export interface ProposalMarker {
  readonly environment: string;
  readonly model: string;
  readonly version: string;
  readonly artifactDigest: string;
  /** sha256 of the manifest's proposed bytes. */
  readonly content: string;
  /** The base commit the proposal commit was built on, and the proposal commit itself. */
  readonly base: string;
  readonly commit: string;
}

const markerPrefix = '<!-- slipway:proposal ';

export function renderMarker(marker: ProposalMarker): string {
  // `<` and `>` escaped so no value can end the HTML comment early.
  const json = JSON.stringify(marker).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${markerPrefix}${json} -->`;
}

export function parseMarker(body: string | null | undefined): ProposalMarker | undefined {
  const start = body?.indexOf(markerPrefix) ?? -1;
  if (!body || start < 0) return undefined;
  const end = body.indexOf(' -->', start);
  if (end < 0) return undefined;
  try {
    const value = JSON.parse(body.slice(start + markerPrefix.length, end)) as Partial<ProposalMarker>;
    const fields = [
      'environment',
      'model',
      'version',
      'artifactDigest',
      'content',
      'base',
      'commit',
    ] as const;
    return fields.every((f) => typeof value[f] === 'string') ? (value as ProposalMarker) : undefined;
  } catch {
    return undefined;
  }
}

export const trailers = {
  proposal: 'Slipway-Proposal',
  version: 'Slipway-Version',
  base: 'Slipway-Base',
  tree: 'Slipway-Tree',
  promotedFrom: 'Slipway-Promoted-From',
  approvedBy: 'Slipway-Upstream-Approved-By',
  verifiedAt: 'Slipway-Upstream-Verified-At',
} as const;

/** Where a promotion comes from: the upstream environment's deployment of exactly this record. */
export interface PromotionProvenance {
  readonly environment: string;
  /** The upstream pull request that deployed it there. */
  readonly pullRequest?: { readonly number: number; readonly url: string };
  readonly approvedBy: readonly string[];
  readonly mergedBy?: string;
  readonly mergedAt?: string;
  /** The commit on the base branch that deployed it upstream. */
  readonly mergeCommit?: string;
  /** When the upstream verified it (ISO 8601), if it has yet. */
  readonly verifiedAt?: string;
}

/** The commit message: a subject line, then git trailers that mark the commit as Slipway's own. */
export function commitMessage(
  target: DeploymentTarget,
  release: ModelRelease,
  baseSha: string,
  treeSha?: string,
  promotion?: PromotionProvenance,
): string {
  const provenance = promotion
    ? [
        `${trailers.promotedFrom}: ${promotion.environment}${promotion.pullRequest ? `#${promotion.pullRequest.number}` : ''}`,
        ...(promotion.approvedBy.length > 0
          ? [`${trailers.approvedBy}: ${promotion.approvedBy.join(', ')}`]
          : []),
      ]
    : [];
  return [
    proposalTitle(target, release, {}),
    '',
    `${trailers.proposal}: ${target.environment.name}/${release.model}`,
    `${trailers.version}: ${release.version}`,
    `${trailers.base}: ${baseSha}`,
    // The tree Slipway wrote: an amended commit (same message, same parent, other content) is not Slipway's.
    ...(treeSha ? [`${trailers.tree}: ${treeSha}`] : []),
    ...provenance,
    '',
  ].join('\n');
}

/** The Slipway trailers of a commit message; empty when the commit is not Slipway's. */
export function readTrailers(message: string): {
  proposal?: string;
  version?: string;
  base?: string;
  tree?: string;
} {
  const read = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(message)?.[1]?.trim();
  const found = {
    proposal: read(trailers.proposal),
    version: read(trailers.version),
    base: read(trailers.base),
    tree: read(trailers.tree),
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

export function proposalTitle(
  target: DeploymentTarget,
  release: ModelRelease,
  before: DeployedModel,
): string {
  const from = before.version && before.version !== release.version ? `${before.version} → ` : '';
  return `Deploy ${release.model} ${from}${release.version} to ${target.environment.name}`;
}

export interface ProposalContent {
  readonly target: DeploymentTarget;
  readonly release: ModelRelease;
  readonly before: DeployedModel;
  readonly marker: ProposalMarker;
  readonly baseBranch: string;
  /** owner/name of the environment repository. */
  readonly repository: string;
  readonly evaluation?: EvalSummary;
  readonly autoMerge: boolean;
  /** Set when this deployment promotes the record of an upstream environment. */
  readonly promotion?: PromotionProvenance;
}

const short = (digest: string | undefined) => (digest ? `\`${digest.slice(0, 19)}…\`` : '—');

/** The machine-readable proposal, also printed in the body's <details> block. */
export function proposalRecord(content: ProposalContent) {
  const { target, release, before, marker, evaluation } = content;
  return {
    apiVersion: 'slipway.dev/v1',
    kind: 'DeploymentProposal',
    repository: content.repository,
    environment: target.environment.name,
    model: release.model,
    from:
      before.version || before.storageUri
        ? {
            version: before.version ?? null,
            artifactDigest: before.artifactDigest ?? null,
            artifact: before.artifact ?? null,
            storageUri: before.storageUri ?? null,
          }
        : null,
    to: {
      version: release.version,
      artifactDigest: release.artifactDigest,
      artifact: artifactReferenceOf(release),
      storageUri: storageUriOf(release),
      evalReportDigest: release.evalReportDigest ?? null,
    },
    manifest: { path: target.manifestPath, contentDigest: marker.content },
    base: { branch: content.baseBranch, commit: marker.base },
    commit: marker.commit,
    lineage: {
      sourceRepository: release.sourceRepository ?? null,
      sourceCommit: release.sourceCommit ?? null,
      workflowRun: release.workflowRunUrl ?? null,
    },
    evaluation: evaluation
      ? { passed: evaluation.passed ?? null, metrics: evaluation.rows.slice(0, maxTableRows) }
      : null,
    next: target.next ?? null,
    promotion: content.promotion
      ? {
          from: content.promotion.environment,
          pullRequest: content.promotion.pullRequest ?? null,
          approvedBy: content.promotion.approvedBy,
          mergedBy: content.promotion.mergedBy ?? null,
          mergedAt: content.promotion.mergedAt ?? null,
          mergeCommit: content.promotion.mergeCommit ?? null,
          verifiedAt: content.promotion.verifiedAt ?? null,
        }
      : null,
  };
}

function promotionLines(p: PromotionProvenance): string[] {
  const pr = p.pullRequest ? `[#${p.pullRequest.number}](${p.pullRequest.url})` : 'a change to its manifest';
  return [
    '### Promotion',
    '',
    `Promotes exactly the record **${p.environment}** runs (same artifact digest, eval report digest and lineage; nothing is rebuilt).`,
    '',
    `- Deployed to ${p.environment} by ${pr}${p.mergeCommit ? ` (merge commit ${p.mergeCommit.slice(0, 7)})` : ''}`,
    `- Approved by: ${p.approvedBy.length > 0 ? p.approvedBy.map((a) => `@${a}`).join(', ') : 'nobody (no approving review)'}`,
    `- Merged by: ${p.mergedBy ? `@${p.mergedBy}` : '—'}${p.mergedAt ? ` at ${p.mergedAt}` : ''}`,
    `- Verified in ${p.environment}: ${p.verifiedAt ?? 'not yet — the `slipway/verified` status on this pull request says what it waits for'}`,
    '',
  ];
}

export function proposalBody(content: ProposalContent): string {
  const { target, release, before } = content;
  const env = target.environment.name;
  const server = (release.serverUrl ?? 'https://github.com').replace(/\/+$/, '');
  const lines = [
    renderMarker(content.marker),
    `Deploys **${release.model} ${release.version}** to **${env}** by changing \`${target.manifestPath}\`. Merging this pull request is the deployment: the GitOps controller applies it.`,
    '',
    `| | Now in ${env} | Proposed |`,
    '|---|---|---|',
    `| Version | ${before.version ?? '—'} | **${release.version}** |`,
    `| Artifact digest | ${short(before.artifactDigest)} | ${short(release.artifactDigest)} |`,
    `| Storage URI | ${before.storageUri ? `\`${before.storageUri}\`` : '—'} | \`${storageUriOf(release)}\` |`,
    '',
    ...(content.promotion ? promotionLines(content.promotion) : []),
    '### Evaluation',
    '',
    content.evaluation
      ? renderProposalEvalSummary(content.evaluation, env)
      : '_No eval report was given with this version._',
    '',
    '### Lineage',
    '',
  ];
  if (release.sourceRepository && release.sourceCommit) {
    const sha = release.sourceCommit;
    lines.push(
      `- Source: [${release.sourceRepository}@${sha.slice(0, 7)}](${server}/${release.sourceRepository}/commit/${sha})`,
    );
  }
  if (release.workflowRunUrl) lines.push(`- Workflow run: ${release.workflowRunUrl}`);
  lines.push(`- Artifact: \`${artifactReferenceOf(release)}\``);
  if (release.serving) lines.push(`- Serving image: \`${storageUriOf(release)}\``);
  if (release.evalReportDigest) lines.push(`- Eval report: \`${release.evalReportDigest}\``);
  const policy = target.environment.policy;
  lines.push('', '### Review', '');
  lines.push(
    content.autoMerge
      ? `Auto-merge (${policy.mergeMethod}) is enabled by ${env}'s policy: this merges once required reviews and checks pass.`
      : `${env}'s policy needs a person to merge this pull request.`,
  );
  if (target.next) lines.push(`After it is deployed, promote it to **${target.next}**.`);
  const tail = [
    '',
    '',
    '<details><summary>Machine-readable proposal</summary>',
    '',
    '```json',
    JSON.stringify(proposalRecord(content), null, 2),
    '```',
    '',
    '</details>',
    '',
    `<sub>Opened by Slipway. Branch \`${proposalBranch(env, release.model)}\` is regenerated on every run; commits pushed to it by people are never overwritten.</sub>`,
  ].join('\n');
  // However many gates failed, the body fits GitHub's limit; the full report is where the lineage says.
  const rest = release.workflowRunUrl
    ? `The full eval report is in the workflow run: ${release.workflowRunUrl}`
    : release.evalReportDigest
      ? `The full eval report is the artifact's referrer ${release.evalReportDigest}.`
      : 'The full eval report is attached to the artifact.';
  return fitBody(lines.join('\n'), { rest, tail });
}

/** The comment on a PR Slipway closes because the base already holds what it proposed. */
export function closedAsEmptyComment(env: string, release: ModelRelease, baseBranch: string): string {
  return `Closing: \`${baseBranch}\` already deploys ${release.model} \`${release.artifactDigest}\` (${release.version}) to ${env}, so this pull request no longer changes anything.`;
}

/** The comment on a PR whose branch carries someone else's commits, which Slipway will not overwrite. */
export function leftAloneComment(
  branch: string,
  headSha: string,
  release: ModelRelease,
  env: string,
): string {
  return [
    `Slipway did not update this pull request with ${release.model} ${release.version} for ${env}: branch \`${branch}\` now ends in commit ${headSha}, which Slipway did not make.`,
    '',
    "Slipway never force-pushes over other people's commits. To let it take over again, either merge or close this pull request and delete the branch, or reset the branch to its Slipway commit; the next run then regenerates it.",
  ].join('\n');
}
