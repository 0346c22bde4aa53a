// The prompter for a person at a terminal, on @clack/prompts. Enter takes the default shown; a value of
// the wrong form is refused in place with the expected form; Ctrl-C cancels with nothing written.
// @clack/prompts (with readline and tty) is loaded at the first question, not with the generator: a run
// with --yes or without a terminal never asks, and loading it cost such a run about a tenth of its time.
import { SlipwayError } from '../errors/index.js';
import type { Prompter } from './collect.js';

type Clack = typeof import('@clack/prompts');
let loaded: Promise<Clack> | undefined;
const clack = (): Promise<Clack> => {
  loaded ??= import('@clack/prompts');
  return loaded;
};

async function answered<T>(value: T | symbol): Promise<T> {
  const { cancel, isCancel } = await clack();
  if (isCancel(value)) {
    cancel('Cancelled; nothing was written.');
    throw new SlipwayError('Cancelled at a prompt; nothing was written.', {});
  }
  return value as T;
}

export function createTerminalPrompter(): Prompter {
  return {
    async text(question, defaultValue) {
      const { text } = await clack();
      const value = await text({
        message: question.message,
        placeholder: defaultValue,
        defaultValue,
        validate: (input) => (input ? question.check(input) : undefined),
      });
      return (await answered(value)) || defaultValue;
    },
    async select(message, options, defaultValue) {
      const { select } = await clack();
      const value = await select({
        message,
        options: options.map((o) => ({ value: o.value, label: o.value, hint: o.hint })),
        initialValue: defaultValue,
      });
      return answered(value);
    },
    async confirm(message, defaultValue) {
      const { confirm } = await clack();
      return answered(await confirm({ message, initialValue: defaultValue }));
    },
  };
}
