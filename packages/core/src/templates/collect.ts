// Answers come from flags first, then (in a terminal) from prompts with the defaults shown, or from the
// defaults with --yes. Without a terminal nothing is ever asked: a missing answer is an error naming its
// flag, the way CI needs it (next.js#62494 is the prompt that hung a pipeline).
import { SlipwayError } from '../errors/index.js';
import { type AnswerContext, type Answers, checkAnswer, type Question, questionFor } from './answers.js';
import type { TemplateSpec } from './catalog.js';

/** Asks one thing at a time; a terminal door creates one (see createTerminalPrompter). */
export interface Prompter {
  text(question: Question, defaultValue: string): Promise<string>;
  select(
    message: string,
    options: readonly { value: string; hint: string }[],
    defaultValue: string,
  ): Promise<string>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
}

export interface AskPolicy {
  /** Take the default for anything not given (--yes). */
  readonly useDefaults: boolean;
  /** Present only when a person is at a terminal. */
  readonly prompter?: Prompter;
}

function missing(flag: string, expected: string): SlipwayError {
  return new SlipwayError(
    `Missing ${flag}: there is no terminal to ask in. Expected ${expected}; or pass --yes to take the defaults.`,
    { where: flag, expected },
  );
}

/** Every answer `spec` asks for, from `given`, the prompter or the defaults, each checked. */
export async function collectAnswers(
  spec: TemplateSpec,
  given: Readonly<Record<string, string | undefined>>,
  context: AnswerContext,
  policy: AskPolicy,
): Promise<Answers> {
  const answers: Record<string, string> = {};
  for (const key of spec.questions) {
    const question = questionFor(key);
    const value = given[key];
    const fallback = question.defaultValue(answers, context);
    if (value !== undefined) checkAnswer(question, value);
    answers[key] =
      value ??
      (policy.useDefaults
        ? fallback
        : policy.prompter
          ? await policy.prompter.text(question, fallback)
          : (() => {
              throw missing(`--${question.flag}`, question.expected);
            })());
    checkAnswer(question, answers[key] as string);
  }
  return answers;
}

/** The template: the flag, else a choice in a terminal; never a silent default (vite#22836). */
export async function chooseTemplate(
  given: string | undefined,
  templates: readonly TemplateSpec[],
  policy: AskPolicy,
): Promise<string> {
  if (given !== undefined) return given;
  const names = templates.map((t) => t.name).join(', ');
  if (!policy.prompter) throw missing('--template', `one of: ${names}`);
  const first = templates[0]?.name ?? '';
  return policy.prompter.select(
    'Template',
    templates.map((t) => ({ value: t.name, hint: t.description })),
    templates.find((t) => t.name === 'pytorch')?.name ?? first,
  );
}

export async function chooseDirectory(given: string | undefined, policy: AskPolicy): Promise<string> {
  if (given !== undefined) return given;
  if (policy.useDefaults) return 'my-model';
  if (!policy.prompter) throw missing('<directory>', 'a folder name such as my-model');
  return policy.prompter.text(
    {
      key: 'directory',
      flag: '<directory>',
      message: 'Project directory',
      expected: 'a plain folder name',
      defaultValue: () => 'my-model',
      check: (v) => (/^[^/\\]+$/.test(v) && v !== '..' ? undefined : `'${v}' is not a plain folder name`),
    },
    'my-model',
  );
}

export async function chooseGit(given: boolean | undefined, policy: AskPolicy): Promise<boolean> {
  if (given !== undefined) return given;
  if (policy.useDefaults) return true;
  if (!policy.prompter)
    throw missing('--git or --no-git', '--git to make a git repository with a first commit, or --no-git');
  return policy.prompter.confirm('Initialise a git repository with a first commit?', true);
}
