// The prompter for a person at a terminal, on @clack/prompts. Enter takes the default shown; a value of
// the wrong form is refused in place with the expected form; Ctrl-C cancels with nothing written.
import { cancel, confirm, isCancel, select, text } from '@clack/prompts';
import { SlipwayError } from '../errors/index.js';
import type { Prompter } from './collect.js';

function answered<T>(value: T | symbol): T {
  if (isCancel(value)) {
    cancel('Cancelled; nothing was written.');
    throw new SlipwayError('Cancelled at a prompt; nothing was written.', {});
  }
  return value as T;
}

export function createTerminalPrompter(): Prompter {
  return {
    async text(question, defaultValue) {
      const value = await text({
        message: question.message,
        placeholder: defaultValue,
        defaultValue,
        validate: (input) => (input ? question.check(input) : undefined),
      });
      return answered(value) || defaultValue;
    },
    async select(message, options, defaultValue) {
      const value = await select({
        message,
        options: options.map((o) => ({ value: o.value, label: o.value, hint: o.hint })),
        initialValue: defaultValue,
      });
      return answered(value);
    },
    async confirm(message, defaultValue) {
      return answered(await confirm({ message, initialValue: defaultValue }));
    },
  };
}
