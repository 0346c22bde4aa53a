// Loading a config for use (not just for a report): valid or a ConfigError that lists every error by position.

import { SlipwayError } from '../errors/index.js';
import type { Finding } from './finding.js';
import { checkConfigFile } from './validate.js';

/** A config that cannot be used; `where` is its first error's file:line:col (or the file). */
export class ConfigError extends SlipwayError {
  readonly findings: readonly Finding[];
  constructor(
    message: string,
    findings: readonly Finding[],
    details: { where?: string; expected?: string } = {},
  ) {
    const first = findings[0];
    super(message, { where: first ? `${first.file}:${first.line}:${first.column}` : undefined, ...details });
    this.name = 'ConfigError';
    this.findings = findings;
  }
}

export interface LoadedConfig<T> {
  readonly data: T;
  /** Which schema it matched (`project`, `environments`, …). */
  readonly schema: string;
  /** Findings that do not stop its use. */
  readonly warnings: readonly Finding[];
}

/**
 * Reads, validates and returns a config in one pass. `file` names it in messages; `schema`, when given, is
 * the schema it must match (`project` for slipway.yaml of kind Project).
 */
export function loadConfig<T>(
  path: string,
  { file = path, schema }: { file?: string; schema?: string } = {},
): LoadedConfig<T> {
  const { report, data } = checkConfigFile(path, file);
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const lines = errors.map((f) => `  ${f.file}:${f.line}:${f.column}: ${f.message}`);
    const what = schema === 'project' ? 'Slipway project' : 'Slipway config';
    throw new ConfigError(
      `${file} is not a valid ${what} (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      errors,
    );
  }
  if (schema && report.schema !== schema) {
    throw new ConfigError(
      `${file} holds a ${report.schema ?? 'unknown'} config; expected one of kind ${schema === 'project' ? 'Project' : schema}.`,
      [],
      { where: file, expected: `kind ${schema === 'project' ? 'Project' : schema}` },
    );
  }
  return { data: data as T, schema: report.schema ?? '', warnings: report.findings };
}
