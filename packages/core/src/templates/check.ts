// `slipway template check`: is the project behind its template? For CI (cruft check's job): the current
// template, rendered with the project's answers, is compared with the digests recorded at the last
// generate or update. Behind means `slipway update` would change something.
import { resolve } from 'node:path';
import { findTemplate } from './catalog.js';
import { digestsOf, readRecord } from './record.js';
import { renderTemplate } from './render.js';
import { describeSource } from './source.js';
import { answersFor } from './update.js';

export interface CheckTemplateRequest {
  readonly projectDir: string;
  /** The templates folder to compare with (the ones shipped with Slipway by default). */
  readonly templatesRoot: string;
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
  const record = await readRecord(resolve(request.projectDir));
  const spec = findTemplate(request.templatesRoot, record.template);
  const source = await describeSource(resolve(request.templatesRoot));
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
