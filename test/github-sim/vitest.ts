// Vitest wiring for the simulator: one server per test file, with every test failing when the simulator
// answered anything that breaks GitHub's description, and faults and request counts reset between tests.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { GitHubSimOptions } from './options.js';
import { type GitHubSim, startGitHubSim } from './sim.js';

/**
 * Starts a simulator for the calling test file and returns a getter for it.
 * After each test: `assertNoViolations()` (so a response that breaks GitHub's description fails that test).
 * Before each test: recorded requests, faults and tampering are cleared. Repositories persist across the file's tests; give
 * each test its own `owner/name`.
 */
export function useGitHubSim(options: GitHubSimOptions = {}): () => GitHubSim {
  let sim: GitHubSim | undefined;
  beforeAll(async () => {
    sim = await startGitHubSim(options);
  });
  beforeEach(() => {
    sim?.clearRequests();
    sim?.clearFaults();
  });
  afterEach(() => sim?.assertNoViolations());
  afterAll(async () => {
    await sim?.close();
  });
  return () => {
    if (!sim)
      throw new Error('useGitHubSim(): the simulator is started in beforeAll; use it inside tests or hooks.');
    return sim;
  };
}
