// test/github-sim: a GitHub REST + GraphQL simulator for end-to-end tests, held to GitHub's OpenAPI
// description (@octokit/openapi) and backed by real bare git repositories. Typical use in a test file:
//
//   const sim = useGitHubSim();                 // start in beforeAll, clear faults/requests before each test,
//                                               // assertNoViolations() after each, close() after all
//   const { path } = await sim().createRepo('acme/envs', { 'envs/prod/a.yaml': 'x: 1\n' }, { historyCommits: 0 });
//   const octokit = createGitHubClient({ token: 't', baseUrl: sim().url, retryDelayUnitMs: 1 });
//   // …or run the bundled action with env GITHUB_API_URL=sim().url (GHES form: sim().enterpriseUrl).
//   git clone `path` (or sim().readFile(repo, branch, file)) to see exactly what the API made.
//
// Faults and other writers:
//   sim().inject({ path: 'git/create-tree', status: 502, times: 2 });          // operationId, template, path or RegExp
//   sim().inject({ path: /\/pulls$/, method: 'POST', status: 429, retryAfter: 2 }); // secondary limit by default
//   sim().inject({ path: 'git/create-ref', status: 502, when: 'after' });      // applied, then the answer is lost
//   sim().injectRefConflict({ repo: 'acme/envs', ref: 'heads/main' });         // next update of it meets a real commit
//                                         (REST git/refs and GraphQL updateRefs alike; updateRefs then fails its beforeOid)
//   sim().blockForcePushes('acme/envs', 'slipway/**');                           // a ruleset: forced rewrites refused
//   await sim().pushCommit('acme/envs', { branch: 'slipway/prod/fraud', files: { 'x.yaml': 'y\n' } }); // a person pushes
//   sim().addComment('acme/envs', 1, 'LGTM', 'grace');                          // a person comments
//
// State and counts for assertions and benchmarks:
//   sim().pulls('acme/envs') (SimPull: title, body, state, head, base, labels, requestedReviewers, autoMerge, …),
//   sim().comments('acme/envs', n), sim().repo('acme/envs').labels, sim().requests (method, path, operationId,
//   status, at), sim().countRequests({ method: 'POST' }), sim().clearRequests(), sim().violations.
//
// Benchmarks run .ts with plain Node, which cannot map this code's `.js` imports: bundle the bench entry
// with esbuild (conditions: ['source']) as bench/accuracy.bench.ts does; the simulator finds
// @octokit/openapi and @octokit/graphql-schema by walking up from the working directory.
export type { FaultHandle, FaultSpec, RefConflictHandle, RefConflictSpec } from './faults.js';
export { BareRepo, type GitPerson, git } from './git.js';
export type { CreateRepoOptions, GitHubSimOptions, RecordedRequest } from './options.js';
export { GitHubSim, startGitHubSim } from './sim.js';
export type { SimComment, SimLabel, SimPull, SimRepo, SimUser } from './state.js';
export { useGitHubSim } from './vitest.js';
