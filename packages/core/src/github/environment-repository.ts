// The environment repository read through the Contents API, one branch, no clone: what the deployed
// baseline needs (slipway.yaml and one manifest) in one request per file.
import type { EnvironmentRepository } from '../environments/deployed-baseline.js';
import type { GitHubClient } from './client.js';
import { parseRepository, readTextFile } from './git-data.js';

export function environmentRepository(
  octokit: GitHubClient,
  repository: string,
  branch = 'main',
): EnvironmentRepository {
  const at = parseRepository(repository);
  return {
    location: `${at.owner}/${at.repo}@${branch}`,
    readFile: (path) => readTextFile(octokit, at, path, branch),
  };
}
