// The promotion contract of an environment repository: for each environment, where it is promoted from
// and the gates a promotion into it must pass (verify, soak, freeze, holds), read from the same
// slipway.yaml as the proposal settings, checked and given their defaults once.
import { LineCounter, parseDocument } from 'yaml';
import { didYouMean } from '../../config/did-you-mean.js';
import { locateValue, type PathSegment } from '../../config/locate.js';
import { SlipwayError } from '../../errors/index.js';
import {
  type EnvironmentsConfig,
  environmentsConfigFile,
  parseEnvironmentsConfig,
} from '../repository-config.js';
import { parseDuration } from './duration.js';
import { checkFreezeWindow, type FreezeWindow } from './freeze.js';

/** A user's mistake in the promotion contract (or a request that names what is not there). */
export class PromotionError extends SlipwayError {
  override name = 'PromotionError';
}

export interface Upstream {
  /** `all`: every upstream must have verified the version; `any`: one is enough. */
  readonly require: 'all' | 'any';
  readonly environments: readonly string[];
}

export interface PromotionPolicy {
  readonly environment: string;
  /** Empty environments: nothing is promoted into this one (it is fed by proposals). */
  readonly upstream: Upstream;
  readonly autoPromote: boolean;
  readonly soakMs: number;
  /** Commit-status contexts, with {model} and {environment} still in them. */
  readonly verify: readonly string[];
  readonly freeze: readonly FreezeWindow[];
  readonly rollbackHolds: boolean;
}

export interface Hold {
  readonly environment: string;
  readonly model: string;
  readonly reason: string;
  readonly since?: string;
  readonly by?: string;
}

export interface PromotionContract {
  readonly config: EnvironmentsConfig;
  readonly policies: ReadonlyMap<string, PromotionPolicy>;
  readonly holds: readonly Hold[];
  /** Environments in an order where every upstream comes before what it feeds. */
  readonly order: readonly string[];
}

interface RawFreeze {
  rrule?: string;
  cron?: string;
  duration: string;
  timezone?: string;
  reason?: string;
}
interface RawEnvironment {
  name: string;
  'promote-from'?: string | string[] | { all?: string[]; any?: string[] };
  policy?: {
    'auto-promote'?: boolean;
    soak?: string;
    verify?: string[];
    freeze?: RawFreeze[];
    'rollback-holds'?: boolean;
  };
}

/** Parses slipway.yaml (validated against the schema first) into the promotion contract. */
export function parsePromotionContract(text: string, where = environmentsConfigFile): PromotionContract {
  const config = parseEnvironmentsConfig(text, where);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const at = (segments: PathSegment[]) => {
    const p = locateValue(document, lineCounter, segments);
    return `${where}:${p.line}:${p.column}`;
  };
  const raw = document.toJS() as { environments: RawEnvironment[]; holds?: Hold[] };
  const names = config.environments.map((e) => e.name);
  const policies = new Map<string, PromotionPolicy>();
  raw.environments.forEach((env, index) => {
    const upstream = readUpstream(env['promote-from'], names[index - 1]);
    for (const name of upstream.environments) {
      if (names.includes(name)) continue;
      const hint = didYouMean(name, names);
      const key = ['environments', index, 'promote-from'];
      throw new PromotionError(
        `${at(key)}: environment '${env.name}' is promoted from '${name}', which is not an environment here (known: ${names.join(', ')}).${hint ? ` Did you mean '${hint}'?` : ''}`,
        { where: at(key), expected: 'names of environments listed under environments' },
      );
    }
    const policy = env.policy ?? {};
    const freeze = (policy.freeze ?? []).map((f, i): FreezeWindow => {
      const window = {
        ...(f.rrule === undefined ? {} : { rrule: f.rrule }),
        ...(f.cron === undefined ? {} : { cron: f.cron }),
        timezone: f.timezone ?? 'UTC',
        ...(f.reason === undefined ? {} : { reason: f.reason }),
      };
      const problem = checkFreezeWindow(window);
      const path = ['environments', index, 'policy', 'freeze', i, f.rrule === undefined ? 'cron' : 'rrule'];
      if (problem) {
        throw new PromotionError(
          `${at(path)}: freeze window of '${env.name}': ${problem}. Nothing was changed; fix the rule in slipway.yaml.`,
          {
            where: at(path),
            expected:
              'an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0, or a cron expression such as 0 16 * * 5',
          },
        );
      }
      return { ...window, durationMs: parseDuration(f.duration) ?? 0 };
    });
    policies.set(env.name, {
      environment: env.name,
      upstream,
      autoPromote: policy['auto-promote'] ?? false,
      soakMs: parseDuration(policy.soak ?? '0s') ?? 0,
      verify: policy.verify ?? [],
      freeze,
      rollbackHolds: policy['rollback-holds'] ?? true,
    });
  });
  const order = promotionOrder(names, policies, (name) =>
    at(['environments', names.indexOf(name), 'promote-from']),
  );
  const holds = (raw.holds ?? []).map((hold, i) => {
    if (!names.includes(hold.environment)) {
      const hint = didYouMean(hold.environment, names);
      throw new PromotionError(
        `${at(['holds', i, 'environment'])}: hold names environment '${hold.environment}', which is not listed (known: ${names.join(', ')}).${hint ? ` Did you mean '${hint}'?` : ''}`,
        { where: at(['holds', i, 'environment']) },
      );
    }
    return hold;
  });
  return { config, policies, holds, order };
}

function readUpstream(value: RawEnvironment['promote-from'], previous: string | undefined): Upstream {
  if (value === undefined) return { require: 'all', environments: previous ? [previous] : [] };
  if (typeof value === 'string') return { require: 'all', environments: [value] };
  if (Array.isArray(value)) return { require: 'all', environments: value };
  if (value.any) return { require: 'any', environments: value.any };
  return { require: 'all', environments: value.all ?? [] };
}

/** Topological order of environments by promote-from; a cycle is an error naming it. */
function promotionOrder(
  names: readonly string[],
  policies: ReadonlyMap<string, PromotionPolicy>,
  at: (name: string) => string,
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new PromotionError(
        `${at(name)}: promote-from makes a cycle: ${cycle.join(' ← ')}. A version could never enter it; make one of them promoted from outside the cycle (or from nothing: promote-from: []).`,
        { where: at(name), expected: 'promote-from links that lead back to a first environment' },
      );
    }
    state.set(name, 'visiting');
    for (const up of policies.get(name)?.upstream.environments ?? []) visit(up, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}

/** The environments promoted from `environment` (directly). */
export function downstreamOf(contract: PromotionContract, environment: string): string[] {
  return contract.order.filter((name) =>
    contract.policies.get(name)?.upstream.environments.includes(environment),
  );
}

/** The verify contexts of an environment for a model, placeholders filled in. */
export function verifyContexts(policy: PromotionPolicy, model: string): string[] {
  return policy.verify.map((c) =>
    c.replaceAll('{model}', model).replaceAll('{environment}', policy.environment),
  );
}

export function holdOn(contract: PromotionContract, environment: string, model: string): Hold | undefined {
  return contract.holds.find((h) => h.environment === environment && h.model === model);
}
