// accuracy-test: inputs → evaluateProject → outputs, job summary, annotations and the sticky PR comment.
import { relative } from 'node:path';
import * as core from '@actions/core';
import { describeError, logSafeText } from '@slipway/core/errors';
import { evaluateProject, gatesVerdict, renderEvalSummary } from '@slipway/core/eval';
import { postStickyReport } from './comment.js';
import { evaluateRequest, readSettings, secretRedactor } from './inputs.js';
import { renderShardSummary } from './shard-summary.js';

export async function run(): Promise<void> {
  const redactor = secretRedactor();
  try {
    const settings = readSettings();
    const shown = (path: string) => relative(settings.root, path) || path;
    const outcome = await evaluateProject(evaluateRequest(settings, (line) => info(line)));

    if (outcome.kind === 'partials') {
      const summary = renderShardSummary(outcome.shard, outcome.partials, outcome.partialFiles.map(shown));
      core.setOutput('passed', '');
      core.setOutput('report-path', '');
      core.setOutput('summary', summary);
      core.setOutput('partials-dir', outcome.partialsDir);
      await core.summary.addRaw(summary).write();
      return;
    }

    const { report, reportPath } = outcome;
    if (outcome.mergedFiles)
      info(`Merged ${outcome.mergedFiles.length} partial result files: ${outcome.mergedFiles.join(', ')}`);
    const summary = renderEvalSummary(report, {
      ...(outcome.baseline ? { baseline: outcome.baseline } : {}),
      reportPath: shown(reportPath),
    });
    core.setOutput('passed', String(report.passed));
    core.setOutput('report-path', reportPath);
    core.setOutput('summary', summary);
    await core.summary.addRaw(summary).write();
    for (const warning of report.warnings)
      core.warning(`${warning.testSet}${warning.slice ? ` / ${warning.slice}` : ''}: ${warning.message}`);
    if (settings.comment) await postStickyReport(settings, summary, shown(outcome.loaded.configPath));

    if (outcome.failure) core.setFailed(outcome.failure);
    else info(`${gatesVerdict(report.gates)}. Report: ${reportPath}`);
  } catch (error) {
    core.setFailed(describeError(error, (text) => redactor.redact(text)));
  }
}

/** Every log line goes through here: no value in it can start a workflow command. */
function info(text: string): void {
  core.info(logSafeText(text));
}
