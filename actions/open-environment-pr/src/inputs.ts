// Reads the action's inputs and the GitHub context once, into one typed settings object. Nothing else calls
// getInput or reads GITHUB_* variables. action.yml owns the defaults; "not given" is undefined.
import * as core from '@actions/core';
import { lineageFromEnvironment, type ProposeDeploymentRequest } from '@slipway/core/environments';
import { createRedactor, type Redactor, SlipwayError } from '@slipway/core/errors';

/** Everything proposeDeployment needs except the callbacks, which main.ts adds. */
export type OpenEnvironmentPrSettings = Omit<ProposeDeploymentRequest, 'log' | 'clientLog' | 'onRelease'>;

const optional = (name: string) => core.getInput(name) || undefined;

/** A required input, missing: the user's to fix, said as @actions/core says it (its own throw reads as our bug). */
function required(name: string): string {
  const value = core.getInput(name);
  if (!value) throw new SlipwayError(`Input required and not supplied: ${name}`, { where: `input ${name}` });
  return value;
}

export function readSettings(): OpenEnvironmentPrSettings {
  // `${{ github.token }}` and `${{ github.api_url }}` are action.yml's defaults; the runner fills them in.
  // The environment fallbacks only matter when the action runs outside a runner (the test harness, act).
  const token = core.getInput('token') || process.env.GITHUB_TOKEN || '';
  if (token) core.setSecret(token);
  const settings = {
    config: core.getInput('config'),
    root: process.env.GITHUB_WORKSPACE || process.cwd(),
    reference: required('reference'),
    servingReference: optional('serving-reference'),
    repository: optional('repository'),
    environment: optional('environment'),
    model: optional('model'),
    version: optional('version'),
    evalReport: optional('eval-report'),
    currentEvalReport: optional('current-eval-report'),
    evalReportDigest: optional('eval-report-digest'),
    baseBranch: optional('base-branch'),
    lineage: lineageFromEnvironment(process.env),
    apiUrl: optional('base-url') ?? (process.env.GITHUB_API_URL || undefined),
  };
  if (!token)
    throw new SlipwayError(
      'Input required and not supplied: token (a GitHub App installation token that can write to the environment repository).',
      { where: 'input token' },
    );
  return {
    ...(Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as typeof settings),
    token,
  };
}

/** The token, in every form it travels in, for describeError to remove from any message an API echoed back. */
export function secretRedactor(): Redactor {
  return createRedactor([core.getInput('token'), process.env.GITHUB_TOKEN]);
}
