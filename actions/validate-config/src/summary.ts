import { join, relative } from 'node:path';
import * as core from '@actions/core';
import { formatTotals, type ValidationReport } from '@slipway/core/config';

/** The job summary: a table of every finding, or one line saying all files are valid. */
export async function writeSummary(report: ValidationReport, workspace: string, root: string): Promise<void> {
  const summary = core.summary
    .addHeading('Slipway config validation', 2)
    .addRaw(`${formatTotals(report)}\n\n`);
  const rows = report.files.flatMap((file) =>
    file.findings.map((f) => [
      { data: f.severity === 'error' ? '❌ error' : '⚠️ warning' },
      { data: `<code>${escapeHtml(relative(workspace, join(root, f.file)))}:${f.line}:${f.column}</code>` },
      { data: escapeHtml(f.message) },
      { data: `<code>${escapeHtml(f.rule)}</code>` },
    ]),
  );
  if (rows.length > 0) {
    summary.addTable([
      [
        { data: 'Severity', header: true },
        { data: 'Where', header: true },
        { data: 'Problem', header: true },
        { data: 'Rule', header: true },
      ],
      ...rows,
    ]);
  } else if (report.files.length > 0) {
    summary.addRaw(`✅ All ${report.files.length} config file(s) are valid.\n`);
  }
  await summary.write();
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
