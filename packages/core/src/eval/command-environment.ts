// The environment a user's eval or train command runs with. The doors pass the whole environment they run
// in (process.env of the action, which also names the runner and the commit), but inside an action that
// holds the step's inputs, tokens and passwords included (INPUT_GITHUB-TOKEN, INPUT_REGISTRY-PASSWORD, …),
// and the runner's own credentials (the cache/artifact runtime token, the OIDC token request). None of them
// is the command's: an eval script is the pull request's code, and whatever it can read it can print or
// send. What a script does need stays: PATH, HOME, the GITHUB_* and RUNNER_* context, CUDA_*, SLIPWAY_*,
// and every variable the workflow set for the step itself (a Hugging Face token given as `env:` is meant
// for the script).

/** Variables the runner sets for its own use, never for a step's programs. */
const runnerCredentials = new Set([
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  // Not set by the runner, but the name workflows give github.token; a GITHUB_* name reads as context.
  'GITHUB_TOKEN',
]);

/** True for a variable the command must not see: an action input (INPUT_*) or a runner credential. */
export function isWithheldVariable(name: string): boolean {
  // The runner upper-cases input names (INPUT_GITHUB-TOKEN); compare case-blind all the same.
  const upper = name.toUpperCase();
  return upper.startsWith('INPUT_') || runnerCredentials.has(upper);
}

/** `environment` without action inputs and runner credentials; `extra` (SLIPWAY_*, CUDA_*) is set on top. */
export function commandEnvironment(
  environment: Record<string, string | undefined>,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const kept: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(environment)) {
    if (!isWithheldVariable(name)) kept[name] = value;
  }
  return { ...kept, ...extra };
}
