import {
  type AskPolicy,
  collectAnswers,
  findTemplate,
  modelNameFrom,
  type Prompter,
  parseSetPairs,
  questionFor,
  questions,
} from '@slipway/core/templates';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const templatesRoot = new URL('../../../../templates', import.meta.url).pathname;
const pytorch = findTemplate(templatesRoot, 'pytorch');
const defaults: AskPolicy = { useDefaults: true };

describe('answers', () => {
  it('builds later defaults on earlier answers: the org names the owner, repository and environment repo', async () => {
    const answers = await collectAnswers(
      pytorch,
      { org: 'Acme' },
      { directoryName: 'Fraud Detector' },
      defaults,
    );
    expect(answers).toEqual({
      name: 'fraud-detector',
      org: 'Acme',
      owner: '@Acme/ml-team',
      registry: 'ghcr.io',
      repository: 'acme/models/fraud-detector',
      'environment-repository': 'Acme/ml-environments',
      environments: 'dev,staging,prod',
    });
  });

  it('without a terminal and without --yes, refuses a missing answer naming its flag and form', async () => {
    await expect(
      collectAnswers(pytorch, { name: 'fraud' }, { directoryName: 'x' }, { useDefaults: false }),
    ).rejects.toThrow(
      /^Missing --org: there is no terminal to ask in\. Expected a GitHub organisation or user name \(e\.g\. acme\); or pass --yes/,
    );
  });

  it('refuses a value of the wrong form even with --yes, naming the flag and the expected form', async () => {
    await expect(
      collectAnswers(pytorch, { environments: 'dev,Prod' }, { directoryName: 'x' }, defaults),
    ).rejects.toThrow(
      "Invalid --environments: 'Prod' is not a valid environment. Expected comma-separated DNS labels",
    );
    await expect(
      collectAnswers(pytorch, { environments: 'dev,dev' }, { directoryName: 'x' }, defaults),
    ).rejects.toThrow("'dev' is named twice");
  });

  it('asks the prompter for what no flag gave, offering the default', async () => {
    const asked: string[] = [];
    const prompter: Prompter = {
      text: async (question, fallback) => {
        asked.push(`${question.key}=${fallback}`);
        return question.key === 'name' ? 'churn' : fallback;
      },
      select: async () => 'pytorch',
      confirm: async () => true,
    };
    const answers = await collectAnswers(
      pytorch,
      { org: 'acme' },
      { directoryName: 'x' },
      { useDefaults: false, prompter },
    );
    expect(asked[0]).toBe('name=x');
    expect(asked).toContain('repository=acme/models/churn');
    expect(answers.name).toBe('churn');
  });

  it('gives every question its own flag, named as its key', () => {
    for (const question of questions) expect(question.flag).toBe(question.key);
    expect(() => questionFor('colour')).toThrow(/No question 'colour'/);
  });

  it('reads --set pairs and refuses unknown keys', () => {
    expect(parseSetPairs(['name=a=b', 'org=x'])).toEqual({ name: 'a=b', org: 'x' });
    expect(() => parseSetPairs(['nmae=x'])).toThrow(
      "Invalid --set 'nmae=x'. Expected key=value with a key among: name, org",
    );
  });

  it('makes a valid model name out of any directory name', () => {
    const check = questionFor('name').check;
    fc.assert(fc.property(fc.string(), (directory) => check(modelNameFrom(directory)) === undefined));
  });
});
