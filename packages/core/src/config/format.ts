// Renders findings for people: `file:line:col` with a source snippet and a caret under the problem.
import type { Finding, ValidationReport } from './finding.js';

export interface Painter {
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

export const plain: Painter = { red: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

/** The lines around a finding with a caret under it; `text` is the file's contents. */
export function codeFrame(text: string, finding: Finding, paint: Painter = plain): string {
  const lines = text.split(/\r?\n/);
  const first = Math.max(1, finding.line - 1);
  const last = Math.min(lines.length, finding.line + 1);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === finding.line ? '>' : ' ';
    out.push(paint.dim(`${marker} ${String(n).padStart(width)} | `) + (lines[n - 1] ?? ''));
    if (n === finding.line) {
      const span = finding.endLine === finding.line ? Math.max(1, finding.endColumn - finding.column) : 1;
      const caret = '^'.repeat(Math.min(span, 80));
      const colour = finding.severity === 'error' ? paint.red : paint.yellow;
      out.push(`${paint.dim(`  ${' '.repeat(width)} | `)}${' '.repeat(finding.column - 1)}${colour(caret)}`);
    }
  }
  return out.join('\n');
}

export function formatFinding(finding: Finding, text: string | undefined, paint: Painter = plain): string {
  const label = finding.severity === 'error' ? paint.red('error') : paint.yellow('warning');
  const head = `${paint.bold(`${finding.file}:${finding.line}:${finding.column}`)} ${label} ${finding.message} ${paint.dim(`[${finding.rule}]`)}`;
  return text === undefined ? head : `${head}\n${codeFrame(text, finding, paint)}`;
}

export function formatTotals(report: ValidationReport): string {
  const files = report.files.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(files, 'file')} checked: ${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')}.`;
}
