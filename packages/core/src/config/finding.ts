// A problem found in a config file, located in its YAML source.
export type Severity = 'error' | 'warning';

export interface SourcePosition {
  /** 1-based line and column of the first character. */
  readonly line: number;
  readonly column: number;
  /** 1-based line and column just past the last character. */
  readonly endLine: number;
  readonly endColumn: number;
}

export interface Finding extends SourcePosition {
  /** Path of the file as given or found (relative to the search root for globbed files). */
  readonly file: string;
  readonly severity: Severity;
  /** What was found and what was expected, in one sentence or two. */
  readonly message: string;
  /** Where in the document, as a YAML path: `test-sets[0].thresholds[1].direction`; empty for the whole file. */
  readonly path: string;
  /** Stable identifier of the check, e.g. `schema.enum`, `yaml.duplicate-key`, `file.binary`. */
  readonly rule: string;
  /** The closest valid spelling, when the value or key looks misspelt. */
  readonly suggestion?: string;
}

export interface FileReport {
  readonly file: string;
  /** The schema the file was checked against (`project`, `environments`, …), when one was selected. */
  readonly schema?: string;
  readonly findings: readonly Finding[];
}

export interface ValidationReport {
  readonly files: readonly FileReport[];
  readonly errorCount: number;
  readonly warningCount: number;
}

export const wholeFile: SourcePosition = { line: 1, column: 1, endLine: 1, endColumn: 1 };

export function summarize(files: readonly FileReport[]): ValidationReport {
  let errorCount = 0;
  let warningCount = 0;
  for (const file of files) {
    for (const finding of file.findings) {
      if (finding.severity === 'error') errorCount++;
      else warningCount++;
    }
  }
  return { files, errorCount, warningCount };
}
