// The `slipway` program: a thin shell over @slipway/core. Each command lives in commands/<name>.ts and
// registers itself; command-table.ts lists them.
//
// The build makes one bundle per command, each a single file that calls runSlipway with that command
// alone, and one with every command for help, --version and unknown commands. A command is mostly
// start-up (a no-op `slipway publish` spends longer loading code than talking to the registry): a process
// loads only the command it runs, as one module, and within it core's heavier parts (the YAML parsers,
// the schema validators, Octokit) are still evaluated only when the command reaches them.
import { createRedactor, describeError } from '@slipway/core/errors';
import { Command } from 'commander';

export type Register = (program: Command) => void;

export async function runSlipway(commands: readonly Register[]): Promise<void> {
  const program = new Command('slipway')
    .description(
      'Ship ML models on GitHub: validate, evaluate, publish as OCI artifacts, deploy by reviewed pull request.',
    )
    .version('0.1.0')
    .showHelpAfterError();
  try {
    for (const register of commands) register(program);
    await program.parseAsync(process.argv);
  } catch (error) {
    // A user error is one sentence, never a stack trace; anything else is our bug and says so.
    // A registry or API that echoes request headers must not get the credentials printed back.
    const env = process.env;
    const redactor = createRedactor([env.SLIPWAY_REGISTRY_TOKEN, env.GITHUB_TOKEN, env.GH_TOKEN]);
    redactor.addBasic(
      env.SLIPWAY_REGISTRY_USERNAME || 'slipway',
      env.SLIPWAY_REGISTRY_PASSWORD ?? env.SLIPWAY_REGISTRY_TOKEN,
    );
    process.stderr.write(`slipway: ${describeError(error, (text) => redactor.redact(text))}\n`);
    process.exitCode = 2;
  }
}
