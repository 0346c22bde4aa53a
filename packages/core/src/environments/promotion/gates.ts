// The four gates of a promotion pull request, as the commit statuses Slipway posts on its head:
// slipway/verified, slipway/soak, slipway/freeze, slipway/hold. Branch protection requires all four and
// GitHub's auto-merge merges when the last turns green, so whoever clicks, nothing merges early.
// Everything here is a pure function of what was read and of `now`.
import type { Hold, PromotionPolicy } from './contract.js';
import { formatDuration, formatTime } from './duration.js';
import { activeFreeze, describeFreeze, type FreezeWindow } from './freeze.js';

export const gateContexts = {
  verified: 'slipway/verified',
  soak: 'slipway/soak',
  freeze: 'slipway/freeze',
  hold: 'slipway/hold',
} as const;
export type GateName = keyof typeof gateContexts;
export type GateState = 'pending' | 'success' | 'failure';

export interface GateStatus {
  readonly context: string;
  readonly state: GateState;
  /** One sentence: what is awaited and until when, or why it passed. At most 140 characters (GitHub's limit). */
  readonly description: string;
}

/** A commit status as read back from GitHub. */
export interface ObservedStatus {
  readonly context: string;
  readonly state: 'pending' | 'success' | 'failure' | 'error';
  readonly description?: string | null;
  readonly createdAt: string;
}

/** What one upstream environment runs for the model, and what its deployment's statuses say. */
export interface UpstreamState {
  readonly environment: string;
  readonly artifactDigest?: string;
  readonly version?: string;
  /** The verify contexts (placeholders filled in) and their statuses on the commit main points at. */
  readonly contexts: readonly string[];
  readonly statuses: readonly ObservedStatus[];
  /** When the deployment merged, for upstreams that verify nothing (verified = merged). */
  readonly deployedAt?: string;
}

export interface GateInput {
  readonly policy: PromotionPolicy;
  readonly model: string;
  /** The artifact the pull request promotes. */
  readonly artifactDigest: string;
  readonly upstreams: readonly UpstreamState[];
  readonly hold?: Hold;
  readonly now: Date;
  /** The verified time recorded earlier on this PR's slipway/verified status for the same artifact. */
  readonly recordedVerifiedAt?: Date;
}

export interface Verification {
  readonly state: GateState;
  readonly at?: Date;
  readonly why: string;
}

const verifiedPrefix = 'Verified in ';

/** Whether the artifact is verified upstream (all or any of the upstreams), and since when. */
export function verification(input: GateInput): Verification {
  const { policy } = input;
  if (policy.upstream.environments.length === 0)
    return {
      state: 'success',
      why: `Nothing is promoted into ${policy.environment}; no upstream to verify.`,
    };
  const each = input.upstreams.map((u) => verifyOne(u, input.artifactDigest));
  const failed = each.find((v) => v.state === 'failure');
  if (failed) return failed;
  const verified = each.filter((v) => v.state === 'success');
  const enough = policy.upstream.require === 'any' ? verified.length > 0 : verified.length === each.length;
  if (enough) {
    // "all": verified when the last one was; "any": when the first one was.
    const times = verified.map((v) => v.at!.getTime());
    const at = new Date(policy.upstream.require === 'any' ? Math.min(...times) : Math.max(...times));
    const recorded = input.recordedVerifiedAt;
    const since = recorded && recorded < at ? recorded : at;
    const where = verified.map((v) => v.why).join(', ');
    return { state: 'success', at: since, why: `${verifiedPrefix}${where} at ${since.toISOString()}` };
  }
  if (input.recordedVerifiedAt) {
    // Verified before and nothing failed since: a newer commit on main that the controller has not
    // reported on yet does not withdraw it, and soak keeps counting from the recorded time. That holds
    // only where the upstream still runs this artifact: one rolled back to another no longer vouches for it.
    const running = input.upstreams.filter((u) => u.artifactDigest === input.artifactDigest);
    const gone = input.upstreams.filter((u) => u.artifactDigest !== input.artifactDigest);
    if (policy.upstream.require === 'any' ? running.length > 0 : gone.length === 0)
      return {
        state: 'success',
        at: input.recordedVerifiedAt,
        why: `${verifiedPrefix}${running.map((u) => u.environment).join(', ')} at ${input.recordedVerifiedAt.toISOString()}`,
      };
    const moved = gone.map(
      (u) =>
        `${u.environment} no longer runs ${short(input.artifactDigest)} (it runs ${u.artifactDigest ? short(u.artifactDigest) : 'nothing'})`,
    );
    return {
      state: 'pending',
      why: `${moved.join('; ')}; this PR waits until it does (or promote what runs there now, or close it).`,
    };
  }
  const waiting = each.filter((v) => v.state === 'pending').map((v) => v.why);
  return { state: 'pending', why: `Awaiting ${waiting.join('; ')}.` };
}

function verifyOne(u: UpstreamState, digest: string): Verification {
  if (u.artifactDigest !== digest) {
    return {
      state: 'pending',
      why: `${u.environment} to run ${short(digest)} (it runs ${u.artifactDigest ? short(u.artifactDigest) : 'nothing'})`,
    };
  }
  if (u.contexts.length === 0) {
    return u.deployedAt
      ? { state: 'success', at: new Date(u.deployedAt), why: u.environment }
      : { state: 'pending', why: `${u.environment}'s deployment to merge` };
  }
  let latest = 0;
  const waiting: string[] = [];
  for (const context of u.contexts) {
    const status = u.statuses.find((s) => s.context === context);
    if (status?.state === 'failure' || status?.state === 'error') {
      return {
        state: 'failure',
        why: `${context} reports ${status.state} in ${u.environment}${status.description ? `: ${status.description}` : ''}`,
      };
    }
    if (status?.state !== 'success') waiting.push(context);
    else latest = Math.max(latest, Date.parse(status.createdAt));
  }
  if (waiting.length > 0)
    return { state: 'pending', why: `${waiting.join(', ')} to report success in ${u.environment}` };
  return { state: 'success', at: new Date(latest), why: u.environment };
}

/** The first 12 hex digits of a sha256:… digest, as people quote them. */
const short = (digest: string) => digest.slice(7, 19);

/** The verified time a slipway/verified status recorded, when it is a success. */
export function recordedVerification(status: ObservedStatus | undefined): Date | undefined {
  if (status?.state !== 'success' || !status.description) return undefined;
  const match = /at (\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(status.description);
  return match ? new Date(match[1]!) : undefined;
}

/** The four gate statuses for a promotion pull request. */
export function evaluateGates(input: GateInput): Record<GateName, GateStatus> {
  const { policy, now } = input;
  const verified = verification(input);
  const status = (name: GateName, state: GateState, description: string): GateStatus => ({
    context: gateContexts[name],
    state,
    description: clip(description),
  });
  const soak = (): GateStatus => {
    if (policy.soakMs === 0) return status('soak', 'success', 'No soak time required.');
    if (verified.state !== 'success' || !verified.at)
      return status(
        'soak',
        'pending',
        `Soak of ${formatDuration(policy.soakMs)} starts once verified upstream.`,
      );
    const until = new Date(verified.at.getTime() + policy.soakMs);
    return now >= until
      ? status(
          'soak',
          'success',
          `Soaked ${formatDuration(policy.soakMs)} since verified (${formatTime(verified.at)}).`,
        )
      : status(
          'soak',
          'pending',
          `Soaking until ${formatTime(until)} (${formatDuration(policy.soakMs)} after verified upstream).`,
        );
  };
  const freeze = freezeGate(policy.freeze, now);
  return {
    verified: status(
      'verified',
      verified.state,
      verified.state === 'failure' ? `Withdrawn: ${verified.why}.` : verified.why,
    ),
    soak: soak(),
    freeze: status('freeze', freeze.state, freeze.description),
    hold: input.hold
      ? status('hold', 'pending', `Held: ${input.hold.reason}. Remove the hold (slipway release) to go on.`)
      : status('hold', 'success', `${input.model} is not held in ${policy.environment}.`),
  };
}

function freezeGate(windows: readonly FreezeWindow[], now: Date): Omit<GateStatus, 'context'> {
  const active = activeFreeze(windows, now);
  if (!active) return { state: 'success', description: 'No freeze window in force.' };
  return {
    state: 'pending',
    description: `Frozen until ${formatTime(active.end)}: ${describeFreeze(active)}.`,
  };
}

/** True when every gate is green: the pull request may merge. */
export const allGreen = (gates: Record<GateName, GateStatus>) =>
  Object.values(gates).every((g) => g.state === 'success');

/** GitHub keeps 140 characters of a status description. */
function clip(text: string): string {
  return text.length <= 140 ? text : `${text.slice(0, 139)}…`;
}
