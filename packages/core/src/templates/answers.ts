// The questions a template may ask, in one place: each has the flag that answers it without a prompt,
// a default (which may build on earlier answers), and a check that says the expected form. A template
// lists the keys it asks; it cannot invent a question that has no flag.
import { SlipwayError } from '../errors/index.js';

export type Answers = Readonly<Record<string, string>>;

export interface Question {
  /** The key in `.slipway/template.yaml` and in `{{ slipway.<key> }}` placeholders. */
  readonly key: string;
  /** The flag that answers it: `--<flag> <value>`. */
  readonly flag: string;
  /** What the prompt asks, in the user's words. */
  readonly message: string;
  /** The form a value must take, as said in error messages and `--help`. */
  readonly expected: string;
  readonly defaultValue: (earlier: Answers, context: AnswerContext) => string;
  /** Undefined when the value is fine; otherwise what is wrong with it. */
  readonly check: (value: string) => string | undefined;
}

export interface AnswerContext {
  /** The target directory's name, the default model name. */
  readonly directoryName: string;
}

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const githubName = /^[A-Za-z0-9]([A-Za-z0-9-]{0,38})$/;
const repositoryPath = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const host = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/;

const pattern = (re: RegExp, what: string) => (value: string) =>
  re.test(value) ? undefined : `'${value}' is not ${what}`;

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function checkList(re: RegExp, what: string, atLeast: number) {
  return (value: string) => {
    const items = list(value);
    if (items.length < atLeast) return `'${value}' names fewer than ${atLeast} ${what}`;
    const bad = items.find((item) => !re.test(item));
    if (bad !== undefined) return `'${bad}' is not a valid ${what.replace(/s$/, '')}`;
    const seen = new Set<string>();
    const twice = items.find((item) => seen.size === seen.add(item).size);
    return twice === undefined ? undefined : `'${twice}' is named twice`;
  };
}

/** A model name made from a directory name: lower case, dashes for anything else. */
export function modelNameFrom(directoryName: string): string {
  const name = directoryName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return dnsLabel.test(name) ? name : 'my-model';
}

export const questions: readonly Question[] = [
  {
    key: 'name',
    flag: 'name',
    message: 'Model name',
    expected: 'lower-case letters, digits and dashes (a DNS label, e.g. fraud-detector)',
    defaultValue: (_, context) => modelNameFrom(context.directoryName),
    check: pattern(dnsLabel, 'a DNS label'),
  },
  {
    key: 'org',
    flag: 'org',
    message: 'GitHub organisation (or user) that owns the repositories',
    expected: 'a GitHub organisation or user name (e.g. acme)',
    defaultValue: () => 'my-org',
    check: pattern(githubName, 'a GitHub organisation or user name'),
  },
  {
    key: 'owner',
    flag: 'owner',
    message: 'Code owners of the project (a team or user)',
    expected: '@org/team or @user',
    defaultValue: (earlier) => `@${earlier.org ?? 'my-org'}/ml-team`,
    check: pattern(/^@[A-Za-z0-9-]+(\/[A-Za-z0-9._-]+)?$/, 'a GitHub team (@org/team) or user (@user)'),
  },
  {
    key: 'registry',
    flag: 'registry',
    message: 'OCI registry the model is published to',
    expected: 'a registry host name, optionally with a port (e.g. ghcr.io)',
    defaultValue: () => 'ghcr.io',
    check: pattern(host, 'a registry host name'),
  },
  {
    key: 'repository',
    flag: 'repository',
    message: 'Repository of the model in that registry',
    expected: 'a lower-case registry path (e.g. acme/models/fraud-detector)',
    defaultValue: (earlier) =>
      `${(earlier.org ?? 'my-org').toLowerCase()}/models/${earlier.name ?? 'my-model'}`,
    check: pattern(repositoryPath, 'a lower-case registry path'),
  },
  {
    key: 'environment-repository',
    flag: 'environment-repository',
    message: 'Environment manifest repository that deployments are proposed to',
    expected: 'owner/name (e.g. acme/ml-environments)',
    defaultValue: (earlier) => `${earlier.org ?? 'my-org'}/ml-environments`,
    check: pattern(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'owner/name'),
  },
  {
    key: 'environments',
    flag: 'environments',
    message: 'Environments, in promotion order (comma-separated)',
    expected: 'comma-separated DNS labels, first to last (e.g. dev,staging,prod)',
    defaultValue: () => 'dev,staging,prod',
    check: checkList(dnsLabel, 'environments', 1),
  },
  {
    key: 'reviewers',
    flag: 'reviewers',
    message: 'Teams that review deployments after the first environment (comma-separated)',
    expected: 'comma-separated GitHub team slugs (e.g. ml-platform,sre)',
    defaultValue: () => 'ml-platform',
    check: checkList(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'team slugs', 1),
  },
];

const byKey = new Map(questions.map((q) => [q.key, q]));

export function questionFor(key: string): Question {
  const question = byKey.get(key);
  if (!question)
    throw new Error(`No question '${key}': every template question needs an entry in answers.ts`);
  return question;
}

export function answerList(value: string | undefined): string[] {
  return value === undefined ? [] : list(value);
}

/** Parses `key=value` pairs of `--set`, refusing keys no question has. */
export function parseSetPairs(pairs: readonly string[]): Record<string, string> {
  const set: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : '';
    if (!byKey.has(key)) {
      throw new SlipwayError(
        `Invalid --set '${pair}'. Expected key=value with a key among: ${[...byKey.keys()].join(', ')}.`,
        { where: '--set', expected: 'key=value' },
      );
    }
    set[key] = pair.slice(at + 1);
  }
  return set;
}

/** Throws when a value is not of the question's form, naming the flag and the expected form. */
export function checkAnswer(question: Question, value: string): void {
  const problem = question.check(value);
  if (problem !== undefined) {
    throw new SlipwayError(`Invalid --${question.flag}: ${problem}. Expected ${question.expected}.`, {
      where: `--${question.flag}`,
      expected: question.expected,
    });
  }
}
