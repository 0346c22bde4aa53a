// The templates a source offers: every folder of the templates root holding a `template.yaml`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { didYouMean } from '../config/did-you-mean.js';
import { SlipwayError } from '../errors/index.js';
import { questionFor } from './answers.js';
import { parseYamlData } from './yaml-data.js';

export interface TemplateSpec {
  readonly name: string;
  /** The template's own version (semver); `slipway update --to` names one. */
  readonly version: string;
  readonly description: string;
  /** Keys of the questions it asks, in order (see answers.ts). */
  readonly questions: readonly string[];
  /** Path prefixes of files the template owns outright: replaced on update, hand edits reported. */
  readonly managed: readonly string[];
  /** Commands printed after generation, with placeholders. */
  readonly nextSteps: readonly string[];
  /** A folder (relative to the template) whose files are rendered as a whole repository skeleton. */
  readonly skeleton?: string;
  /** Absolute path of the template folder. */
  readonly dir: string;
}

export const templateFile = 'template.yaml';

function stringList(value: unknown, where: string, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new SlipwayError(`'${field}' in ${where} is not a list of strings.`, {
      where,
      expected: 'a list of strings',
    });
  }
  return value as string[];
}

/** Reads one template's `template.yaml`; the folder name is the template's name. */
export function readTemplateSpec(dir: string, name: string): TemplateSpec {
  const where = join(dir, templateFile);
  const raw = parseYamlData(readFileSync(where, 'utf8'), where) as Record<string, unknown> | null;
  const version = raw?.version;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+([-+].*)?$/.test(version)) {
    throw new SlipwayError(`${where} has no valid 'version'. Expected a semantic version such as 1.0.0.`, {
      where,
      expected: 'version: <semver>',
    });
  }
  const questions = stringList(raw?.questions, where, 'questions');
  for (const key of questions) questionFor(key);
  return {
    name,
    version,
    description: typeof raw?.description === 'string' ? raw.description : '',
    questions,
    managed: stringList(raw?.managed, where, 'managed'),
    nextSteps: stringList(raw?.['next-steps'], where, 'next-steps'),
    ...(typeof raw?.skeleton === 'string' ? { skeleton: raw.skeleton } : {}),
    dir,
  };
}

/** Every template under `root`, sorted by name. */
export function listTemplates(root: string): TemplateSpec[] {
  if (!existsSync(root)) {
    throw new SlipwayError(`The templates folder ${root} does not exist.`, {
      where: root,
      expected: 'a folder of templates, each with a template.yaml',
    });
  }
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, templateFile)))
    .map((entry) => readTemplateSpec(resolve(root, entry.name), entry.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The named template, or an error listing the others with a did-you-mean; never a silent default. */
export function findTemplate(root: string, name: string): TemplateSpec {
  const all = listTemplates(root);
  const found = all.find((t) => t.name === name);
  if (found) return found;
  const names = all.map((t) => t.name);
  const suggestion = didYouMean(name, names);
  throw new SlipwayError(
    `Unknown template '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''} Expected one of: ${names.join(', ')}.`,
    { where: '--template', expected: names.join(', ') },
  );
}
