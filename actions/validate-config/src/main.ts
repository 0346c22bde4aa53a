import { join, relative } from 'node:path';
import * as core from '@actions/core';
import { formatFinding, formatTotals, readSourceForFrames, validateConfigs } from '@slipway/core/config';
import { describeError, logSafeText } from '@slipway/core/errors';
import { readSettings } from './inputs.js';
import { writeSummary } from './summary.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const report = await validateConfigs({
      root: settings.root,
      ...(settings.files ? { patterns: settings.files } : {}),
      deeper: {
        // An environment repository's promotion contract: a bundle of its own, loaded only for such a file.
        environments: async (text, file) =>
          (await import('./on-demand/contract-findings.js')).contractFindings(text, file),
      },
    });

    for (const file of report.files) {
      const text = file.findings.length > 0 ? readSourceForFrames(join(settings.root, file.file)) : undefined;
      for (const finding of file.findings) {
        // Annotations need paths relative to the repository root to land on the PR diff.
        const annotationFile = relative(settings.workspace, join(settings.root, finding.file));
        const properties = {
          title: `${finding.rule}${finding.path ? ` at ${finding.path}` : ''}`,
          file: annotationFile,
          startLine: finding.line,
          endLine: finding.endLine,
          // GitHub ignores columns on multi-line annotations.
          ...(finding.line === finding.endLine
            ? { startColumn: finding.column, endColumn: finding.endColumn }
            : {}),
        };
        if (finding.severity === 'error') core.error(finding.message, properties);
        else core.warning(finding.message, properties);
        info(formatFinding(finding, text));
      }
    }
    info(formatTotals(report));

    const failing = report.errorCount + (settings.failOnWarning ? report.warningCount : 0);
    core.setOutput('valid', String(failing === 0));
    core.setOutput('error-count', String(report.errorCount));
    core.setOutput('warning-count', String(report.warningCount));
    core.setOutput('files-checked', String(report.files.length));
    await writeSummary(report, settings.workspace, settings.root);

    if (report.errorCount > 0) core.setFailed(`${formatTotals(report)} See the annotations above.`);
    else if (settings.failOnWarning && report.warningCount > 0)
      core.setFailed(`${formatTotals(report)} fail-on-warning is set.`);
  } catch (error) {
    core.setFailed(describeError(error));
  }
}

/** Every log line goes through here: no value in it can start a workflow command. */
function info(text: string): void {
  core.info(logSafeText(text));
}
