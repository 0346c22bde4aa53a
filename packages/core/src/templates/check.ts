// `slipway template check`: is the project behind its template? For CI (cruft check's job): the current
// template, rendered with the project's answers, is compared with the digests recorded at the last
// generate or update. Behind means `slipway update` would change something.
import { join, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import { findTemplate } from './catalog.js';
import { digestsOf, readRecord, recordPath } from './record.js';
import { renderTemplate } from './render.js';
import { describeSource } from './source.js';
import { answersFor, recordedFolder } from './update.js';

export interface CheckTemplateRequest {
  readonly projectDir: string;
  /** The templates folder to compare with. Default: the one the project was generated from, as updates take it. */
  readonly templatesRoot?: string;
  /** Where the running Slipway's own templates are, for a project generated from them (see updateProject). */
  readonly builtinTemplatesRoot?: string;
}

export interface CheckTemplateResult {
  readonly template: string;
  readonly recordedVersion: string;
  readonly currentVersion: string;
  readonly behind: boolean;
  /** Files the current template would add, change or remove. */
  readonly changed: readonly string[];
}

export async function checkTemplate(request: CheckTemplateRequest): Promise<CheckTemplateResult> {
  const projectDir = resolve(request.projectDir);
  const record = await readRecord(projectDir);
  const templatesRoot =
    request.templatesRoot ??
    (record.source.builtin ? request.builtinTemplatesRoot : recordedFolder(record.source));
  if (templatesRoot === undefined) {
    const recorded = resolve(record.source.repository, record.source.path);
    throw new SlipwayError(
      `The templates ${projectDir} was generated from (${recorded}) are not on this machine: pass --templates <folder> with a checkout of them.`,
      { where: join(projectDir, recordPath), expected: `the templates folder ${recorded}` },
    );
  }
  const spec = findTemplate(templatesRoot, record.template);
  const source = await describeSource(resolve(templatesRoot));
  const current = digestsOf(
    await renderTemplate(
      spec,
      answersFor(spec, record, {}).answers,
      source.record.commit ? { commit: source.record.commit } : {},
    ),
  );
  const paths = new Set([...Object.keys(current), ...Object.keys(record.files)]);
  const changed = [...paths].filter((path) => current[path] !== record.files[path]).sort();
  return {
    template: record.template,
    recordedVersion: record.version,
    currentVersion: spec.version,
    behind: changed.length > 0 || spec.version !== record.version,
    changed,
  };
}
