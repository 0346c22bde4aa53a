// `slipway`: a thin shell over @slipway/core. Each command lives in commands/<name>.ts and registers itself.
import { createRedactor, describeError } from '@slipway/core/errors';
import { Command } from 'commander';
import { registerEval } from './commands/eval.js';
import { registerNew } from './commands/new.js';
import { registerPropose } from './commands/propose.js';
import { registerPublish } from './commands/publish.js';
import { registerPull } from './commands/pull.js';
import { registerTemplate } from './commands/template.js';
import { registerTrain } from './commands/train.js';
import { registerUpdate } from './commands/update.js';
import { registerValidate } from './commands/validate.js';

const program = new Command('slipway')
  .description(
    'Ship ML models on GitHub: validate, evaluate, publish as OCI artifacts, deploy by reviewed pull request.',
  )
  .version('0.1.0')
  .showHelpAfterError();

registerValidate(program);
registerTrain(program);
registerEval(program);
registerPublish(program);
registerPull(program);
registerPropose(program);
registerNew(program);
registerUpdate(program);
registerTemplate(program);

try {
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
