// Reads the action's inputs once, into one typed settings object. Nothing else calls getInput.
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { SlipwayError } from '@slipway/core/errors';

export interface OpenEnvironmentPrSettings {
  /** Environment manifest repository (owner/name); undefined falls back to the project's deploy.repository. */
  readonly repository?: string;
  /** Environment name; undefined falls back to the project's deploy.environment. */
  readonly environment?: string;
  /** Artifact pinned by digest: registry/repository@sha256:…. */
  readonly reference: string;
  readonly model?: string;
  readonly version?: string;
  /** Absolute paths of the eval reports (new version, version now deployed). */
  readonly evalReport?: string;
  readonly currentEvalReport?: string;
  readonly evalReportDigest?: string;
  /** The branch the GitOps controller deploys from. */
  readonly baseBranch: string;
  /** Absolute path of the project's slipway.yaml (read for defaults when present). */
  readonly config: string;
  /** Token with write access to the environment repository; masked as soon as it is read. */
  readonly token: string;
  /** REST API root (GitHub Enterprise Server: https://HOST/api/v3). */
  readonly baseUrl: string;
}

const optional = (name: string) => core.getInput(name) || undefined;

/** A required input, missing: the user's to fix, said as @actions/core says it (its own throw reads as our bug). */
function required(name: string): string {
  const value = core.getInput(name);
  if (!value) throw new SlipwayError(`Input required and not supplied: ${name}`, { where: `input ${name}` });
  return value;
}

export function readSettings(): OpenEnvironmentPrSettings {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const path = (name: string) => {
    const value = optional(name);
    return value ? resolve(workspace, value) : undefined;
  };
  // `${{ github.token }}` and `${{ github.api_url }}` are action.yml's defaults; the runner fills them in.
  // The environment fallbacks only matter when the action runs outside a runner (the test harness, act).
  const token = core.getInput('token') || process.env.GITHUB_TOKEN || '';
  if (token) core.setSecret(token);
  const settings: OpenEnvironmentPrSettings = {
    reference: required('reference'),
    baseBranch: core.getInput('base-branch') || 'main',
    config: resolve(workspace, core.getInput('config') || 'slipway.yaml'),
    token,
    baseUrl: core.getInput('base-url') || process.env.GITHUB_API_URL || 'https://api.github.com',
  };
  const extra = {
    repository: optional('repository'),
    environment: optional('environment'),
    model: optional('model'),
    version: optional('version'),
    evalReport: path('eval-report'),
    currentEvalReport: path('current-eval-report'),
    evalReportDigest: optional('eval-report-digest'),
  };
  return { ...settings, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) };
}
