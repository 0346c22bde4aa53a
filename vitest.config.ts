import { defineConfig } from 'vitest/config';

// One config for the whole repo: `unit` runs beside the code, `e2e` drives the bundled actions
// through the runner harness against real git repositories and a real OCI registry.
// `source` makes @slipway/core/<area> resolve to its TypeScript source, so tests need no build first.
const conditions = ['source', 'module', 'node', 'development|production'];
const shared = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};

export default defineConfig({
  test: {
    reporters: process.env.GITHUB_ACTIONS ? ['default', 'github-actions'] : ['default'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: [
            'packages/*/tests/**/*.test.ts',
            'actions/*/tests/**/*.test.ts',
            'test/harness/**/*.test.ts',
            'test/contract/**/*.test.ts',
          ],
          testTimeout: 30_000,
          // GitHub's workflow parser imports JSON without import attributes; let vite load it.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The templates tests parse generated workflows with GitHub's parser, as the unit project does.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
    ],
  },
});
