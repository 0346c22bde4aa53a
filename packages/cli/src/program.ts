// The `slipway` program: a thin shell over @slipway/core. Each command lives in commands/<name>.ts and
// registers itself. Started by slipway.ts.
//
// Only the command being run is loaded (with its part of core): a no-op `slipway publish` is mostly
// start-up, and loading every command's dependencies (Octokit, the metrics, the GitHub layer) cost more
// than the publish itself. Help, --version and unknown commands load them all.
import { createRedactor, describeError } from '@slipway/core/errors';
import { Command } from 'commander';

type Register = (program: Command) => void;
const commands: Record<string, () => Promise<Register>> = {
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  train: async () => (await import('./commands/train.js')).registerTrain,
  eval: async () => (await import('./commands/eval.js')).registerEval,
  publish: async () => (await import('./commands/publish.js')).registerPublish,
  pull: async () => (await import('./commands/pull.js')).registerPull,
  propose: async () => (await import('./commands/propose.js')).registerPropose,
  promote: async () => (await import('./commands/promote.js')).registerPromote,
  status: async () => (await import('./commands/status.js')).registerStatus,
  history: async () => (await import('./commands/history.js')).registerHistory,
  rollback: async () => (await import('./commands/rollback.js')).registerRollback,
  hold: async () => (await import('./commands/hold.js')).registerHold,
  release: async () => (await import('./commands/hold.js')).registerRelease,
  trace: async () => (await import('./commands/trace.js')).registerTrace,
  new: async () => (await import('./commands/new.js')).registerNew,
  update: async () => (await import('./commands/update.js')).registerUpdate,
  template: async () => (await import('./commands/template.js')).registerTemplate,
};

const program = new Command('slipway')
  .description(
    'Ship ML models on GitHub: validate, evaluate, publish as OCI artifacts, deploy by reviewed pull request.',
  )
  .version('0.1.0')
  .showHelpAfterError();

try {
  const named = process.argv[2];
  const wanted = named && Object.hasOwn(commands, named) ? [commands[named]!] : Object.values(commands);
  for (const register of await Promise.all(wanted.map((load) => load()))) register(program);
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
