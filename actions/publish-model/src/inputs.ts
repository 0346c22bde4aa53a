// Reads the action's inputs once, into one typed settings object. Nothing else calls getInput.
import { resolve } from 'node:path';
import * as core from '@actions/core';

export interface PublishModelSettings {
  /** Absolute path of slipway.yaml. */
  readonly config: string;
  /** Overrides of slipway.yaml; empty strings mean "not given". */
  readonly registry: string;
  readonly repository: string;
  readonly version: string;
  readonly tags: readonly string[];
  readonly layout: string;
  /** Absolute path of the eval report, or empty for none. */
  readonly report: string;
  readonly username: string;
  readonly password: string;
  /** Only ever sent to ghcr.io. */
  readonly githubToken: string;
  readonly mountFrom: readonly string[];
  /** Bytes per PATCH; 0 for one streamed PUT. */
  readonly chunkSize: number;
  readonly plainHttp: boolean;
  readonly created: string;
  /** Base image of the KServe modelcar, overriding artifact.modelcar.base; empty for the config's. */
  readonly modelcarBase: string;
  /** GitHub context: owner for the default repository, source URL and revision annotations. */
  readonly owner: string;
  readonly sourceUrl: string;
  readonly revision: string;
  readonly sourceDateEpoch: string;
}

export function readSettings(): PublishModelSettings {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const chunkText = core.getInput('chunk-size') || '0';
  const chunkSize = Number(chunkText);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 0) {
    throw new Error(
      `Input 'chunk-size' must be a whole number of bytes (0 for one streamed PUT); got '${chunkText}'.`,
    );
  }
  const report = core.getInput('report');
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  const password = core.getInput('password');
  const githubToken = core.getInput('github-token');
  if (password) core.setSecret(password);
  if (githubToken) core.setSecret(githubToken);
  return {
    config: resolve(workspace, core.getInput('config') || 'slipway.yaml'),
    registry: core.getInput('registry'),
    repository: core.getInput('repository'),
    version: core.getInput('version'),
    tags: core.getMultilineInput('tags'),
    layout: core.getInput('layout'),
    report: report ? resolve(workspace, report) : '',
    username: core.getInput('username'),
    password,
    githubToken,
    mountFrom: core.getMultilineInput('mount-from'),
    chunkSize,
    plainHttp: core.getBooleanInput('plain-http'),
    created: core.getInput('created'),
    modelcarBase: core.getInput('modelcar-base'),
    owner: process.env.GITHUB_REPOSITORY_OWNER ?? repository.split('/')[0] ?? '',
    sourceUrl: repository ? `${server}/${repository}` : '',
    revision: process.env.GITHUB_SHA ?? '',
    sourceDateEpoch: process.env.SOURCE_DATE_EPOCH ?? '',
  };
}
