import { relative } from 'node:path';
import * as core from '@actions/core';
import {
  assertGpuAvailable,
  detectGpus,
  evaluate,
  gatesVerdict,
  loadProject,
  mergeShardResults,
  renderEvalSummary,
  runnerIdentity,
  writeJsonAtomic,
} from '@slipway/core/eval';
import { type EvalReport, readEvalReport } from '@slipway/core/metrics';
import { postStickyReport } from './comment.js';
import { readSettings } from './inputs.js';
import { renderShardSummary } from './shard-summary.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    // Independent look-ups run together: they are the action's own start-up time.
    const [gpus, loaded, baseline] = await Promise.all([
      detectGpus(),
      loadProject(settings.config, settings.root),
      settings.baseline ? readEvalReport(settings.baseline) : undefined,
    ]);
    core.info(
      gpus.length === 0
        ? 'GPUs: none (nvidia-smi not found or lists no device)'
        : `GPUs: ${gpus.map((g) => `#${g.index} ${g.name}, ${g.memoryMiB} MiB, driver ${g.driverVersion}`).join('; ')}`,
    );
    assertGpuAvailable(gpus, settings.requireGpu);
    const runner = runnerIdentity(process.env);
    const shown = (path: string) => relative(settings.root, path) || path;

    let report: EvalReport;
    if (settings.mode === 'merge') {
      const merged = await mergeShardResults({
        loaded,
        partials: settings.partials,
        root: settings.root,
        testSets: settings.testSets,
        ...(settings.command ? { command: settings.command } : {}),
        runner,
        gpus,
        ...(baseline ? { baseline } : {}),
      });
      core.info(`Merged ${merged.files.length} partial result files: ${merged.files.join(', ')}`);
      report = merged.report;
    } else {
      const result = await evaluate({
        loaded,
        ...(settings.command ? { command: settings.command } : {}),
        testSets: settings.testSets,
        shard: settings.shard,
        gpus,
        ...(settings.timeoutMinutes !== undefined ? { timeoutMinutes: settings.timeoutMinutes } : {}),
        workDir: settings.workDir,
        env: process.env,
        runner,
        ...(baseline ? { baseline } : {}),
        log: (line) => core.info(line),
      });
      if (result.kind === 'partials') {
        const summary = renderShardSummary(result.shard, result.partials, result.partialFiles.map(shown));
        core.setOutput('passed', '');
        core.setOutput('report-path', '');
        core.setOutput('summary', summary);
        core.setOutput('partials-dir', `${settings.workDir}/partials`);
        await core.summary.addRaw(summary).write();
        return;
      }
      report = result.report;
    }

    await writeJsonAtomic(settings.reportPath, report);
    const summary = renderEvalSummary(report, {
      ...(baseline ? { baseline } : {}),
      reportPath: shown(settings.reportPath),
    });
    core.setOutput('passed', String(report.passed));
    core.setOutput('report-path', settings.reportPath);
    core.setOutput('summary', summary);
    await core.summary.addRaw(summary).write();
    for (const warning of report.warnings)
      core.warning(`${warning.testSet}${warning.slice ? ` / ${warning.slice}` : ''}: ${warning.message}`);
    if (settings.comment) await postStickyReport(settings, summary, shown(settings.config));

    const failed = report.gates.filter((gate) => !gate.passed);
    if (failed.length > 0) {
      const first = failed
        .slice(0, 5)
        .map((g) => `${g.testSet}${g.slice ? ` / ${g.slice}` : ''}: ${g.reason}`);
      core.setFailed(
        `${gatesVerdict(report.gates)}:\n  ${first.join('\n  ')}` +
          (failed.length > 5 ? `\n  …and ${failed.length - 5} more (see the job summary)` : ''),
      );
    } else {
      core.info(`${gatesVerdict(report.gates)}. Report: ${settings.reportPath}`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
