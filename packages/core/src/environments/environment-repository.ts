// The environment repository read through the Contents API, one branch, no clone: what the deployed
// baseline needs (slipway.yaml and one manifest) in one request per file.
import type { GitHubClient } from '../github/client.js';
import { parseRepository, readTextFile } from '../github/git-data.js';
import type { EnvironmentRepository } from './deployed-baseline.js';

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
