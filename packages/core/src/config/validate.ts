// Validates Slipway config files: finds them, reads them safely, selects the schema by `kind`, and reports
// every problem located in the YAML source.

import { join, relative, resolve } from 'node:path';
import { SlipwayError } from '../errors/index.js';
import type { CompiledValidator } from './compiled-validator.js';
import { didYouMean } from './did-you-mean.js';
import { type FileReport, type Finding, summarize, type ValidationReport } from './finding.js';
import { locateValue } from './locate.js';
import { projectChecks } from './project-checks.js';
import { schemaFindings } from './schema-findings.js';
import { readConfigSource } from './source.js';
import * as validators from './validators.generated.js';

export const defaultConfigGlobs = ['**/slipway.yaml'];

/** Directories never searched: dependencies and VCS metadata hold no configs of the project's own. */
const ignored = ['**/node_modules/**', '**/.git/**'];

export interface FindOptions {
  /** Directory globs are matched in and file names are reported relative to. */
  readonly root: string;
}

/** Expands globs (and plain paths) into a sorted, de-duplicated list of files relative to root. */
export async function findConfigFiles(patterns: readonly string[], { root }: FindOptions): Promise<string[]> {
  // Loaded on use: every command that reads one config (publish, eval…) imports this room, and only
  // validate expands globs.
  const { glob, isDynamicPattern } = await import('tinyglobby');
  // A plain path is taken as given, so a missing file is reported rather than silently matching nothing.
  const plain = patterns
    .filter((p) => !p.startsWith('!') && !isDynamicPattern(p))
    .map((p) => relative(root, resolve(root, p)));
  const globs = patterns.filter((p) => p.startsWith('!') || isDynamicPattern(p));
  const negated = globs.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const matched = globs.some((p) => !p.startsWith('!'))
    ? await glob(
        globs.filter((p) => !p.startsWith('!')),
        { cwd: root, ignore: [...ignored, ...negated], dot: true, onlyFiles: true, expandDirectories: false },
      )
    : [];
  return [...new Set([...plain, ...matched])].sort();
}

export class NoConfigFilesError extends SlipwayError {
  readonly patterns: readonly string[];
  readonly root: string;
  constructor(patterns: readonly string[], root: string) {
    super(
      `No config files matched ${patterns.map((p) => `'${p}'`).join(', ')} in ${root}. Check the 'files' globs (they are relative to the workspace).`,
      { where: root, expected: 'at least one config file matching the globs' },
    );
    this.name = 'NoConfigFilesError';
    this.patterns = patterns;
    this.root = root;
  }
}

/** Validates one config file. `file` is how it is named in findings (relative to the workspace). */
export async function validateConfigFile(path: string, file = path): Promise<FileReport> {
  return checkConfigFile(path, file).report;
}

export interface CheckedConfig {
  readonly report: FileReport;
  /** The document as data, when it could be read (it may still have findings). */
  readonly data?: unknown;
  /** The file's text, when it could be read. */
  readonly text?: string;
}

/** Reads and validates one file once, keeping both the findings and the data. */
export function checkConfigFile(path: string, file = path): CheckedConfig {
  const read = readConfigSource(path, file);
  if (!read.ok) return { report: { file, findings: [read.finding] } };
  const source = read.source;
  const { data, text } = source;
  // Positions are parsed only when a finding needs one.
  const context = {
    file,
    get document() {
      return source.document;
    },
    get lineCounter() {
      return source.lineCounter;
    },
  };
  const document = () => source.document;
  const lineCounter = () => source.lineCounter;

  if (typeof data !== 'object' || Array.isArray(data) || data === null) {
    const report: FileReport = {
      file,
      findings: [
        {
          file,
          ...locateValue(document(), lineCounter(), []),
          severity: 'error',
          rule: 'schema.type',
          path: '',
          message: 'Expected a YAML mapping with apiVersion and kind at the top of the file.',
        },
      ],
    };
    return { report, data, text };
  }
  const kind = (data as Record<string, unknown>).kind;
  const knownKinds = Object.keys(validators.kinds);
  const schemaName = typeof kind === 'string' ? validators.kinds[kind] : undefined;
  if (!schemaName) {
    const suggestion = typeof kind === 'string' ? didYouMean(kind, knownKinds) : undefined;
    const found = kind === undefined ? "no 'kind'" : `kind ${JSON.stringify(kind)}`;
    const position =
      kind === undefined
        ? locateValue(document(), lineCounter(), [])
        : locateValue(document(), lineCounter(), ['kind']);
    const report: FileReport = {
      file,
      findings: [
        {
          file,
          ...position,
          severity: 'error',
          rule: 'config.kind',
          path: 'kind',
          message: `Found ${found}; expected kind: ${knownKinds.join(' or ')}.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`,
          ...(suggestion ? { suggestion } : {}),
        },
      ],
    };
    return { report, data, text };
  }

  const validator = (validators as unknown as Record<string, CompiledValidator>)[schemaName]!;
  const findings: Finding[] = validator(data) ? [] : schemaFindings(validator.errors ?? [], context);
  // Deeper checks only make sense on a document of the right shape.
  if (findings.length === 0 && kind === 'Project') findings.push(...projectChecks(data, context, path));
  return { report: { file, schema: schemaName, findings }, data, text };
}

/**
 * Checks beyond the schema for a kind of config, by schema name, run on a file the schema passed: the rules
 * another room owns (an environment repository's promotion contract), given by the door that validates.
 */
export type DeeperChecks = Readonly<Record<string, (text: string, file: string) => Promise<Finding[]>>>;

export interface ValidateOptions extends FindOptions {
  /** Globs or paths, relative to root. */
  readonly patterns?: readonly string[];
  readonly deeper?: DeeperChecks;
}

export async function validateConfigs({
  root,
  patterns = defaultConfigGlobs,
  deeper = {},
}: ValidateOptions): Promise<ValidationReport> {
  const files = await findConfigFiles(patterns, { root });
  if (files.length === 0) throw new NoConfigFilesError(patterns, root);
  const reports: FileReport[] = [];
  for (const file of files) {
    const { report, text } = checkConfigFile(join(root, file), file);
    const check = report.schema ? deeper[report.schema] : undefined;
    if (check && text !== undefined && report.findings.length === 0) {
      reports.push({ ...report, findings: await check(text, file) });
    } else reports.push(report);
  }
  return summarize(reports);
}
