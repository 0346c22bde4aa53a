// train-model: slipway.yaml's train.command on this runner → model files and a training record.
import { relative } from 'node:path';
import * as core from '@actions/core';
import { describeError } from '@slipway/core/errors';
import { formatDuration, trainProject } from '@slipway/core/eval';
import type { TrainingRecord } from '@slipway/core/metrics';
import { readSettings } from './inputs.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const { record, recordPath } = await trainProject({
      config: settings.config,
      root: settings.root,
      ...(settings.command ? { command: settings.command } : {}),
      ...(settings.timeoutMinutes !== undefined ? { timeoutMinutes: settings.timeoutMinutes } : {}),
      requireGpu: settings.requireGpu,
      env: process.env,
      log: (line) => core.info(line),
    });
    core.setOutput('record-path', recordPath);
    core.setOutput('wall-time-seconds', String(record.wallTimeSeconds));
    core.info(`Training record: ${recordPath}`);
    await core.summary
      .addRaw(renderSummary(record, relative(settings.root, recordPath) || recordPath))
      .write();
  } catch (error) {
    core.setFailed(describeError(error));
  }
}

function renderSummary(record: TrainingRecord, recordPath: string): string {
  const model = `${record.model.name}${record.model.version ? ` ${record.model.version}` : ''}`;
  const gpus = record.gpus.length === 0 ? 'no GPU' : record.gpus.map((g) => g.name).join(', ');
  const rows = (files: TrainingRecord['data']) =>
    files.map((file) => `| \`${file.path}\` | \`${file.digest}\` | ${file.size} |`).join('\n');
  const parameters = Object.keys(record.parameters).length
    ? `\n\nParameters the command reported:\n\n\`\`\`json\n${JSON.stringify(record.parameters, null, 2)}\n\`\`\``
    : '';
  return (
    `## 🏋️ Trained ${model}\n\n` +
    `Commit \`${record.commit.slice(0, 12)}\` · \`${record.command.join(' ')}\` · runner ${record.runner.name} · ${gpus} · ` +
    `${formatDuration(record.wallTimeSeconds * 1000)}\n\n` +
    `| Wrote | sha256 | Bytes |\n| --- | --- | ---: |\n${rows(record.outputs)}\n\n` +
    `| Read | sha256 | Bytes |\n| --- | --- | ---: |\n${rows(record.data)}` +
    `${parameters}\n\nTraining record: \`${recordPath}\`\n`
  );
}
