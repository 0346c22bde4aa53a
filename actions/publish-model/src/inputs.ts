// Reads the action's inputs and the GitHub context once, into one typed settings object. Nothing else calls
// getInput or reads GITHUB_* variables. action.yml owns the defaults; "not given" is undefined.
import * as core from '@actions/core';
import { SlipwayError } from '@slipway/core/errors';
import type { PublishProjectRequest } from '@slipway/core/oci';

/** Everything publishProject needs except the callbacks, which main.ts adds. */
export type PublishModelSettings = Omit<PublishProjectRequest, 'onSecret' | 'log' | 'onPlan' | 'onProgress'>;

const optional = (name: string) => core.getInput(name) || undefined;

export function readSettings(): PublishModelSettings {
  const chunkText = core.getInput('chunk-size');
  const chunkSize = Number(chunkText);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 0) {
    throw new SlipwayError(
      `Input 'chunk-size' must be a whole number of bytes (0 for one streamed PUT); got '${chunkText}'.`,
      { where: 'input chunk-size', expected: 'a whole number of bytes' },
    );
  }
  const password = optional('password');
  const githubToken = optional('github-token');
  if (password) core.setSecret(password);
  if (githubToken) core.setSecret(githubToken);
  const env = process.env;
  return withoutUndefined({
    config: core.getInput('config'),
    root: env.GITHUB_WORKSPACE || process.cwd(),
    registry: optional('registry'),
    repository: optional('repository'),
    version: optional('version'),
    tags: core.getMultilineInput('tags'),
    layout: optional('layout'),
    report: optional('report'),
    created: optional('created'),
    modelcarBase: optional('modelcar-base'),
    sourceDateEpoch: env.SOURCE_DATE_EPOCH || undefined,
    source: withoutUndefined({
      repository: env.GITHUB_REPOSITORY || undefined,
      owner: env.GITHUB_REPOSITORY_OWNER || undefined,
      serverUrl: env.GITHUB_SERVER_URL || undefined,
      revision: env.GITHUB_SHA || undefined,
    }),
    credentials: withoutUndefined({ username: optional('username'), password, githubToken }),
    plainHttp: core.getBooleanInput('plain-http'),
    chunkSize,
    mountFrom: core.getMultilineInput('mount-from'),
  });
}

/** Drops undefined fields, so optional settings are absent rather than present-and-undefined. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
