// Global-setup service: one plain (no auth) docker-registry for every e2e test, its address given to
// tests as inject('registry'). Tests use their own repository names so they never see each other.
import type { TestProject } from 'vitest/node';
import { startRegistry } from '../registry/registry-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the shared test registry (HTTP, no auth). */
    registry: string;
  }
}

export async function startRegistryService(project: TestProject): Promise<() => Promise<void>> {
  const registry = await startRegistry();
  project.provide('registry', registry.address);
  return () => registry.stop();
}
