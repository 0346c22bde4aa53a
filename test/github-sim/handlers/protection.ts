// Branch protection (required status checks and approving reviews) and the auto-merge it drives: a pull
// request with auto-merge enabled merges, as the person who enabled it, the moment nothing blocks it —
// its last required check turned green, or the last approval arrived.
import { GitHubHttpError, type Handler, type SimContext, type SimRequest } from '../http.js';
import { repoApi } from '../shapes.js';
import type { SimProtection, SimPull, SimRepo } from '../state.js';
import { mergeNow } from './pulls.js';
import { latestStatuses } from './statuses.js';

/** Why branch protection refuses to merge `pull` at `headSha`, in GitHub's words; undefined when nothing does. */
export function protectionBlocks(repo: SimRepo, pull: SimPull, headSha: string): string | undefined {
  const rule = repo.protection.get(pull.base);
  if (!rule) return undefined;
  const latest = latestStatuses(repo, headSha);
  for (const context of rule.contexts) {
    const status = latest.find((s) => s.context === context);
    if (status?.state !== 'success')
      return status
        ? `Required status check "${context}" is ${status.state === 'pending' ? 'expected' : 'failing'}.`
        : `Required status check "${context}" is expected.`;
  }
  if (rule.approvals > 0) {
    const latestByUser = new Map<string, string>();
    for (const review of repo.reviews.get(pull.number) ?? []) {
      if (review.commitId === headSha || review.state !== 'APPROVED')
        latestByUser.set(review.user.login, review.state);
    }
    const approvals = [...latestByUser.values()].filter((s) => s === 'APPROVED').length;
    if (approvals < rule.approvals)
      return `At least ${rule.approvals} approving review${rule.approvals > 1 ? 's are' : ' is'} required by reviewers with write access.`;
  }
  return undefined;
}

/**
 * GitHub's text when a ruleset blocks a forced update of `ref` (a full ref name), else undefined. Only
 * rewrites are refused: a fast-forward is no force push, whatever the `force` flag says.
 */
export async function forcePushRefusal(
  repo: SimRepo,
  ref: string,
  current: string,
  after: string,
): Promise<string | undefined> {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  if (branch === undefined || !repo.forcePushBlocked.some((p) => branchPattern(p).test(branch)))
    return undefined;
  if (await repo.git.isAncestor(current, after)) return undefined;
  return 'Repository rule violations found\n\nCannot force-push to this branch\n\n';
}

/** A ruleset's branch pattern as a RegExp: `*` within a path segment, `**` across segments. */
function branchPattern(pattern: string): RegExp {
  const body = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** Merges every open pull request whose auto-merge is on and that nothing blocks any more. */
export async function fireAutoMerge(_ctx: SimContext, repo: SimRepo): Promise<void> {
  for (const pull of repo.pulls.values()) {
    if (pull.state !== 'open' || !pull.autoMerge || pull.draft) continue;
    const head = await repo.git.readRef(`refs/heads/${pull.head}`);
    const base = await repo.git.readRef(`refs/heads/${pull.base}`);
    if (!head || !base || protectionBlocks(repo, pull, head)) continue;
    // Without protection GitHub has nothing to wait for: it refused to enable auto-merge on a clean PR.
    if (!repo.protection.has(pull.base)) continue;
    if (!(await repo.git.mergeTrees(base, head))) continue;
    const auto = pull.autoMerge;
    await mergeNow(repo, pull, auto.enabledBy, {
      method: auto.mergeMethod,
      title: auto.commitTitle,
      message: auto.commitMessage,
    });
  }
}

function protectionJson(request: SimRequest, repo: SimRepo, branch: string, rule: SimProtection) {
  const url = `${repoApi(request.urls, repo)}/branches/${branch}/protection`;
  return {
    url,
    required_status_checks: {
      url: `${url}/required_status_checks`,
      strict: false,
      contexts: rule.contexts,
      contexts_url: `${url}/required_status_checks/contexts`,
      checks: rule.contexts.map((context) => ({ context, app_id: null })),
    },
    ...(rule.approvals > 0
      ? {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: false,
            require_code_owner_reviews: false,
            required_approving_review_count: rule.approvals,
          },
        }
      : {}),
    enforce_admins: { url: `${url}/enforce_admins`, enabled: true },
  };
}

export const getProtection: Handler = async (_ctx, request, repo) => {
  const branch = request.params.branch!;
  const rule = repo.protection.get(branch);
  if (!rule) throw new GitHubHttpError(404, 'Branch not protected');
  return { status: 200, body: protectionJson(request, repo, branch, rule) };
};

export const updateProtection: Handler = async (ctx, request, repo) => {
  const branch = request.params.branch!;
  if (!(await repo.git.readRef(`refs/heads/${branch}`))) throw new GitHubHttpError(404, 'Branch not found');
  const body = request.body as {
    required_status_checks: { contexts?: string[]; checks?: { context: string }[] } | null;
    required_pull_request_reviews: { required_approving_review_count?: number } | null;
  };
  const contexts = body.required_status_checks
    ? [
        ...new Set([
          ...(body.required_status_checks.contexts ?? []),
          ...(body.required_status_checks.checks ?? []).map((c) => c.context),
        ]),
      ]
    : [];
  const rule: SimProtection = {
    contexts,
    approvals: body.required_pull_request_reviews?.required_approving_review_count ?? 0,
  };
  repo.protection.set(branch, rule);
  await fireAutoMerge(ctx, repo);
  return { status: 200, body: protectionJson(request, repo, branch, rule) };
};
