// `slipway`: a thin shell over @slipway/core. Each command lives in commands/<name>.ts and registers itself.
import { describeError } from '@slipway/core/errors';
import { Command } from 'commander';
import { registerEval } from './commands/eval.js';
import { registerPropose } from './commands/propose.js';
import { registerPublish } from './commands/publish.js';
import { registerPull } from './commands/pull.js';
import { registerValidate } from './commands/validate.js';

const program = new Command('slipway')
  .description(
    'Ship ML models on GitHub: validate, evaluate, publish as OCI artifacts, deploy by reviewed pull request.',
  )
  .version('0.1.0')
  .showHelpAfterError();

registerValidate(program);
registerEval(program);
registerPublish(program);
registerPull(program);
registerPropose(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A user error is one sentence, never a stack trace; anything else is our bug and says so.
  process.stderr.write(`slipway: ${describeError(error)}\n`);
  process.exitCode = 2;
}
