// `slipway train`: the train-model action for a person at a terminal. Runs train.command with the runner
// evaluation uses and writes the training record; the command's output goes to stderr, so `--json` leaves
// stdout to the record alone. Exit code 2 on an error.
import { relative } from 'node:path';
import { formatDuration, parseTimeoutMinutes, trainProject } from '@slipway/core/eval';
import type { Command } from 'commander';
import pc from 'picocolors';

interface TrainOptions {
  config: string;
  command?: string;
  timeoutMinutes?: string;
  requireGpu?: boolean;
  out?: string;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train the model with train.command of slipway.yaml and write its training record.')
    .option('-c, --config <path>', 'the project file', 'slipway.yaml')
    .option('--command <command>', 'train command replacing train.command (split on whitespace, no shell)')
    .option('--timeout-minutes <minutes>', 'kill the train command and its process tree after this long')
    .option('--require-gpu', 'fail when this machine has no GPU')
    .option(
      '-o, --out <record.json>',
      'write the record here (default: .slipway/train/record.json beside slipway.yaml, where slipway eval finds it)',
    )
    .option('--json', 'print the training record as JSON on stdout')
    .action(async (options: TrainOptions) => {
      const cwd = process.cwd();
      const colours = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
      const timeoutMinutes = parseTimeoutMinutes(options.timeoutMinutes, '--timeout-minutes');
      const { record, recordPath } = await trainProject({
        config: options.config,
        root: cwd,
        ...(options.command ? { command: options.command } : {}),
        ...(timeoutMinutes !== undefined ? { timeoutMinutes } : {}),
        requireGpu: options.requireGpu === true,
        env: process.env,
        ...(options.out ? { recordPath: options.out } : {}),
        log: (line) => process.stderr.write(`${colours.dim(line)}\n`),
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        return;
      }
      const lines = [
        colours.green(
          `Trained ${record.model.name}${record.model.version ? ` ${record.model.version}` : ''}`,
        ) + ` in ${formatDuration(record.wallTimeSeconds * 1000)} at ${record.commit.slice(0, 12)}`,
        ...record.outputs.map((file) => `  wrote ${file.path}  ${colours.dim(file.digest)}`),
        ...record.data.map((file) => `  read  ${file.path}  ${colours.dim(file.digest)}`),
        ...(Object.keys(record.parameters).length > 0
          ? [`  parameters ${JSON.stringify(record.parameters)}`]
          : []),
        `Training record: ${relative(cwd, recordPath) || recordPath}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
