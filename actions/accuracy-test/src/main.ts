import { relative } from 'node:path';
import * as core from '@actions/core';
import {
  assertGpuAvailable,
  detectGpus,
  evaluate,
  loadProject,
  mergeShardResults,
  renderEvalSummary,
  runnerIdentity,
  writeJsonAtomic,
} from '@slipway/core/eval';
import type { BaselineSource, EvalReport } from '@slipway/core/metrics';
import { postStickyReport } from './comment.js';
import { type AccuracyTestSettings, readSettings } from './inputs.js';
import { renderShardSummary } from './shard-summary.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    // Independent look-ups run together: they are the action's own start-up time.
    const [gpus, loaded] = await Promise.all([detectGpus(), loadProject(settings.config, settings.root)]);
    const { report: baseline, source: baselineSource } = await chooseBaseline(settings, loaded.project);
    if (baselineSource) core.info(describeBaseline(baselineSource));
    core.info(
      gpus.length === 0
        ? 'GPUs: none (nvidia-smi not found or lists no device)'
        : `GPUs: ${gpus.map((g) => `#${g.index} ${g.name}, ${g.memoryMiB} MiB, driver ${g.driverVersion}`).join('; ')}`,
    );
    assertGpuAvailable(gpus, settings.requireGpu);
    const runner = runnerIdentity(process.env);
    const shown = (path: string) => relative(settings.root, path) || path;

    const provenance = {
      ...(settings.trainingRecord ? { trainingRecord: settings.trainingRecord } : {}),
      ...(baselineSource ? { baselineSource } : {}),
    };
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
        provenance,
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
        provenance,
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
        `${failed.length} of ${report.gates.length} gates failed:\n  ${first.join('\n  ')}` +
          (failed.length > 5 ? `\n  …and ${failed.length - 5} more (see the job summary)` : ''),
      );
    } else {
      core.info(`All ${report.gates.length} gates passed. Report: ${settings.reportPath}`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The baseline: a report file, the version deployed in an environment, or none. The environment
 * repository and registry client load only when a baseline needs them (most shard runs do not).
 */
async function chooseBaseline(
  settings: AccuracyTestSettings,
  project: { model: { name: string }; baseline?: { environment?: string } },
): Promise<{ report?: EvalReport; source?: BaselineSource }> {
  if (settings.mode === 'run' && settings.shard.count > 1) return {};
  if (!settings.baseline && !project.baseline?.environment) return {};
  const { findBaseline } = await import('@slipway/core/environments');
  return findBaseline({
    project,
    ...(settings.baseline ? { baseline: settings.baseline } : {}),
    root: settings.root,
    ...(settings.environmentRepository ? { environmentRepository: settings.environmentRepository } : {}),
    ...(settings.environmentToken ? { token: settings.environmentToken } : {}),
    ...(settings.apiUrl ? { apiUrl: settings.apiUrl } : {}),
    registryCredentials: (registry) => {
      if (settings.registryPassword)
        return {
          ...(settings.registryUsername ? { username: settings.registryUsername } : {}),
          password: settings.registryPassword,
        };
      if (registry === 'ghcr.io' && settings.token) return { token: settings.token };
      return settings.registryUsername ? { username: settings.registryUsername } : {};
    },
    onSecret: (secret) => core.setSecret(secret),
  });
}

function describeBaseline(source: BaselineSource): string {
  if (source.source === 'file') return `Baseline: ${source.path}`;
  if (!source.deployed) return `Baseline ${source.environment}: ${source.note}`;
  return `Baseline: ${source.version ?? 'the version'} deployed in ${source.environment}, ${source.artifact}, eval report ${source.reportDigest}`;
}
