// test/github-sim: a GitHub REST + GraphQL simulator for end-to-end tests, held to GitHub's OpenAPI
// description and backed by real bare git repositories. Typical use in a test file:
//
//   const sim = useGitHubSim();                       // starts before, checks after each test, stops after all
//   const { path } = await sim().createRepo('acme/envs', { 'envs/prod/a.yaml': 'x: 1\n' });
//   const octokit = createGitHubClient({ token: 't', baseUrl: sim().url, retryDelayUnitMs: 1 });
//   sim().inject({ path: 'git/create-tree', status: 502, times: 2 });
//   sim().pulls('acme/envs'); sim().comments('acme/envs', 1); sim().countRequests({ method: 'POST' });
export type { FaultHandle, FaultSpec, RefConflictHandle, RefConflictSpec } from './faults.js';
export { BareRepo, type GitPerson, git } from './git.js';
export {
  type CreateRepoOptions,
  GitHubSim,
  type GitHubSimOptions,
  type RecordedRequest,
  startGitHubSim,
} from './sim.js';
export type { SimComment, SimLabel, SimPull, SimRepo, SimUser } from './state.js';
export { useGitHubSim } from './vitest.js';
