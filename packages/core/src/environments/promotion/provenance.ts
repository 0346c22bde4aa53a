// What a promotion carries from its upstream: the pull request that deployed the artifact there (who
// approved and merged it), when the upstream verified it, and the evaluation that pull request recorded.
import type { EvalSummary } from '../eval-summary.js';
import type { PromotionProvenance } from '../pr-content.js';
import type { Verification } from './gates.js';
import type { UpstreamPull } from './snapshot.js';
import type { UpstreamPullFound } from './upstream-pull.js';

export function provenance(
  upstream: string,
  pull: UpstreamPull | undefined,
  verified: Verification,
): PromotionProvenance {
  return {
    environment: upstream,
    approvedBy: pull?.approvedBy ?? [],
    ...(pull
      ? {
          pullRequest: { number: pull.number, url: pull.url },
          ...(pull.mergedBy ? { mergedBy: pull.mergedBy } : {}),
          ...(pull.mergedAt ? { mergedAt: pull.mergedAt } : {}),
          ...(pull.mergeCommit ? { mergeCommit: pull.mergeCommit } : {}),
        }
      : {}),
    ...(verified.state === 'success' && verified.at ? { verifiedAt: verified.at.toISOString() } : {}),
  };
}

/**
 * The evaluation to show: the upstream pull request's, or, when that pull request was not found, the
 * warning in its place. The body's promotion section would otherwise read "approved by nobody" as if
 * that were known; the evaluation section is where the missing record is missed, so it says so there.
 */
export function evaluationOf(found: UpstreamPullFound): { evaluation?: EvalSummary } {
  if (found.pull?.evaluation) return { evaluation: found.pull.evaluation };
  if (found.warning) return { evaluation: { rows: [], failedGates: [], notes: [found.warning] } };
  return {};
}
