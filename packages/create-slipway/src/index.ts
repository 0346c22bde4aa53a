// `npm create slipway@latest <directory> -- --template <name>`: the second door of `slipway new`. The
// command is built by the same defineNewCommand, so flags, prompts and output cannot drift apart.
import { defineNewCommand } from '@slipway/cli/commands/new';
import { describeError } from '@slipway/core/errors';
import { Command } from 'commander';

const program = defineNewCommand(new Command('create-slipway')).showHelpAfterError();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`create-slipway: ${describeError(error)}\n`);
  process.exitCode = 2;
}
