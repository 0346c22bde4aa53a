// Rendering a template: its files with `{{ slipway.<key> }}` replaced by the answers. Substitution only,
// no logic in templates: an unrendered template is still valid YAML, Python and workflow syntax, so the
// repository's own linters check the templates as they are, and a typo in a key fails loudly.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { type Answers, answerList } from './answers.js';
import { type TemplateSpec, templateFile } from './catalog.js';
import { filesBelow } from './files-below.js';

/** Rendered files by project-relative path (forward slashes), in path order. */
export interface RenderedFiles extends ReadonlyMap<string, Buffer> {
  /** Paths whose template file is executable: the one mode bit git keeps, so the project keeps it too. */
  readonly executable: ReadonlySet<string>;
  /**
   * The template file each path was rendered from. Two versions rendering one origin to different paths is
   * a rename by an answer (`{{ slipway.name }}.py`), and an update carries your edits across it.
   */
  readonly origin: ReadonlyMap<string, string>;
}

/** Facts about the source, not asked of the user, that templates may use. */
export interface RenderContext {
  /** Git commit of the template source, used to pin Slipway's own actions; undefined when unknown. */
  readonly commit?: string;
}

const placeholder = /\{\{\s*slipway\.([a-z][a-z0-9-]*)\s*\}\}/g;
// Never part of a template: build leftovers of someone who ran a template in place.
const skipped = new Set([templateFile, '__pycache__', '.slipway', 'node_modules', '.DS_Store']);

/** The values placeholders may name: the answers, and what follows from them. */
export function variables(
  spec: TemplateSpec,
  answers: Answers,
  context: RenderContext,
): Record<string, string> {
  const environments = answerList(answers.environments);
  const [envOwner, envName] = (answers['environment-repository'] ?? '/').split('/');
  return {
    ...answers,
    template: spec.name,
    'template-version': spec.version,
    'first-environment': environments[0] ?? '',
    'last-environment': environments.at(-1) ?? '',
    'environment-repository-owner': envOwner ?? '',
    'environment-repository-name': envName ?? '',
    'slipway-ref': context.commit ?? 'v1',
  };
}

export function substitute(text: string, values: Record<string, string>, where: string): string {
  return text.replace(placeholder, (match, key: string, offset: number) => {
    const value = values[key];
    if (value !== undefined) return value;
    const line = text.slice(0, offset).split('\n').length;
    throw new SlipwayError(
      `${where}:${line}: unknown placeholder ${match}. Expected one of: ${Object.keys(values).sort().join(', ')}.`,
      { where: `${where}:${line}`, expected: 'a known slipway.<key>' },
    );
  });
}

function isText(content: Buffer): boolean {
  return !content.subarray(0, 8000).includes(0);
}

/** npm drops `.gitignore` from packages, so templates ship it as `_gitignore` (as create-vite does). */
function outputName(path: string): string {
  return path.replace(/(^|\/)_gitignore$/, '$1.gitignore');
}

/** A project-relative path that stays inside the project, or an error. */
export function safePath(path: string, where: string): string {
  const parts = path.split('/');
  if (
    path.startsWith('/') ||
    /^[A-Za-z]:/.test(path) ||
    parts.some((p) => p === '..' || p === '' || p === '.')
  ) {
    throw new SlipwayError(
      `${where} renders to '${path}', which is outside the project. Nothing was written.`,
      {
        where,
        expected: 'a path inside the project',
      },
    );
  }
  return path;
}

/** A template's own files as they are on disk, by template-relative path: what rendering reads. */
export interface TemplateFiles extends ReadonlyMap<string, Buffer> {
  /** Template-relative paths of the files that are executable on disk. */
  readonly executable?: ReadonlySet<string>;
}

/** Reads a template folder's files (not its skeleton) and which are executable; nothing is rendered yet. */
export function readTemplateFiles(spec: TemplateSpec): TemplateFiles {
  const paths = filesBelow(spec.dir, skipped);
  const executable = new Set(paths.filter((path) => (statSync(join(spec.dir, path)).mode & 0o111) !== 0));
  return Object.assign(new Map(paths.map((path) => [path, readFileSync(join(spec.dir, path))])), {
    executable,
  });
}

/**
 * Renders a template folder with the answers, in memory; nothing is written. `files` are the template's
 * files when they were read already (while something else ran).
 */
export async function renderTemplate(
  spec: TemplateSpec,
  answers: Answers,
  context: RenderContext = {},
  files: TemplateFiles = readTemplateFiles(spec),
): Promise<RenderedFiles> {
  const values = variables(spec, answers, context);
  const rendered = new Map<string, Buffer>();
  const origin = new Map<string, string>();
  const executable = new Set<string>();
  if (spec.skeleton !== undefined) {
    // Only a template with a skeleton (the environments one) loads the YAML editor that renders it.
    const { renderSkeleton } = await import('./skeleton.js');
    for (const [path, file] of renderSkeleton(join(spec.dir, spec.skeleton), values)) {
      rendered.set(path, file.content);
      origin.set(path, `skeleton:${file.origin}`);
    }
  }
  for (const [path, content] of files) {
    const where = `${spec.name}/${path}`;
    const target = safePath(substitute(outputName(path), values, where), where);
    rendered.set(
      target,
      isText(content) ? Buffer.from(substitute(content.toString('utf8'), values, where)) : content,
    );
    origin.set(target, path);
    if (files.executable?.has(path)) executable.add(target);
  }
  const sorted = new Map([...rendered.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Object.assign(sorted, { executable, origin });
}
