// Reads the action's inputs and the GitHub context once, into one typed settings object. Nothing else calls
// getInput or reads GITHUB_* variables. action.yml owns the defaults; "not given" is undefined.
import * as core from '@actions/core';
import { createRedactor, type Redactor, SlipwayError } from '@slipway/core/errors';
import type { PublishProjectRequest } from '@slipway/core/oci/publish';

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
  const idleTimeoutSeconds = positiveNumber('idle-timeout-seconds');
  const timeoutMinutes = positiveNumber('timeout-minutes');
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
    idleTimeoutSeconds,
    timeoutMinutes,
  });
}

/** A positive number input; empty is "not given" (undefined), and core's default applies. */
function positiveNumber(name: string): number | undefined {
  const text = core.getInput(name);
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new SlipwayError(`Input '${name}' must be a positive number; got '${text}'.`, {
      where: `input ${name}`,
      expected: 'a positive number',
    });
  }
  return value;
}

/** Drops undefined fields, so optional settings are absent rather than present-and-undefined. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The secrets this run was given, in every form they travel in (the Basic header's base64 included), for
 * describeError to remove from any message a registry echoed back. Each form is masked too.
 */
export function secretRedactor(): Redactor {
  const redactor = createRedactor([core.getInput('github-token')]);
  redactor.addBasic(core.getInput('username') || 'slipway', core.getInput('password'));
  for (const form of redactor.forms) core.setSecret(form);
  return redactor;
}
