// Reads the action's inputs once, into one typed settings object. Nothing else calls getInput.
import * as core from '@actions/core';
import { SlipwayError } from '@slipway/core/errors';

export interface PromoteSettings {
  /** The environment manifest repository, owner/name. */
  readonly repository: string;
  readonly baseBranch: string;
  /** Undefined: every environment, every model. */
  readonly environments?: readonly string[];
  readonly models?: readonly string[];
  /** The clock for soak and freeze; undefined is the current time. */
  readonly now?: Date;
  /** Masked as soon as it is read. */
  readonly token: string;
  readonly baseUrl: string;
}

const list = (name: string): string[] | undefined => {
  const items = core
    .getMultilineInput(name)
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
};

export function readSettings(): PromoteSettings {
  // action.yml's defaults are runner expressions; the fallbacks only matter outside a runner (the harness, act).
  const token = core.getInput('token') || process.env.GITHUB_TOKEN || '';
  if (token) core.setSecret(token);
  if (!token)
    throw new SlipwayError(
      'Input required and not supplied: token (a GitHub App installation token that can write to the environment repository).',
      { where: 'input token', expected: 'a token' },
    );
  const nowText = core.getInput('now');
  const now = nowText ? new Date(nowText) : undefined;
  if (now && Number.isNaN(now.getTime()))
    throw new SlipwayError(
      `Invalid now '${nowText}'. Expected an ISO 8601 time such as 2026-12-02T14:00:00Z.`,
      {
        where: 'input now',
        expected: 'ISO 8601',
      },
    );
  const environments = list('environments');
  const models = list('models');
  return {
    repository: core.getInput('repository') || process.env.GITHUB_REPOSITORY || '',
    baseBranch: core.getInput('base-branch') || 'main',
    token,
    baseUrl: core.getInput('base-url') || process.env.GITHUB_API_URL || 'https://api.github.com',
    ...(environments ? { environments } : {}),
    ...(models ? { models } : {}),
    ...(now ? { now } : {}),
  };
}
