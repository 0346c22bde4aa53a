import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { describeError, isUserError, SlipwayError } from '../../src/errors/index.js';
import { EvaluationError } from '../../src/eval/errors.js';
import { atGitHubBoundary, GitHubApiError, isGitHubFailure } from '../../src/github/failures.js';
import { DataProblemError, MetricsInputError } from '../../src/metrics/errors.js';
import { OciError, RegistryError, VersionExistsError } from '../../src/oci/errors.js';
import { parseReference } from '../../src/oci/reference.js';

describe('describeError', () => {
  it('prints a user error as its own sentence, without a stack trace', () => {
    const error = new SlipwayError('slipway.yaml:4:3: model.version is missing.', {
      where: 'slipway.yaml:4:3',
      expected: 'a semantic version',
    });
    expect(describeError(error)).toBe('slipway.yaml:4:3: model.version is missing.');
    expect(error.where).toBe('slipway.yaml:4:3');
    expect(error.expected).toBe('a semantic version');
  });

  it('calls anything else a bug in Slipway and asks for a report', () => {
    const text = describeError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(text).toMatch(/^Slipway failed unexpectedly: this is a bug in Slipway, not in your input\./);
    expect(text).toContain('Please report it at https://github.com/');
    expect(text).toContain("Cannot read properties of undefined (reading 'x')");
  });

  it('removes secrets from what it prints', () => {
    expect(
      describeError(new SlipwayError('token ghs_secret refused'), (t) => t.replaceAll('ghs_secret', '***')),
    ).toBe('token *** refused');
  });

  it('treats every error a user can cause as a user error', () => {
    const errors = [
      new OciError('x'),
      new RegistryError('x', 500),
      new VersionExistsError('x'),
      new EvaluationError('x'),
      new MetricsInputError('preds.jsonl:3', 'x'),
      new DataProblemError('duplicate-ids', 'x'),
      new ConfigError('x', []),
    ];
    for (const error of errors) expect(isUserError(error), error.name).toBe(true);
  });

  it('says where a metrics input and a config problem are', () => {
    expect(new MetricsInputError('preds.jsonl:3', 'not JSON').where).toBe('preds.jsonl:3');
    const finding = { file: 'slipway.yaml', line: 4, column: 3 } as never;
    expect(new ConfigError('bad', [finding]).where).toBe('slipway.yaml:4:3');
  });

  it('reports a malformed artifact reference as the user’s to fix', () => {
    let caught: unknown;
    try {
      parseReference('Not A Reference');
    } catch (error) {
      caught = error;
    }
    expect(isUserError(caught)).toBe(true);
  });
});

describe('the GitHub boundary', () => {
  const requestError = Object.assign(new Error('Resource not accessible by integration'), {
    status: 403,
    request: { method: 'PUT', url: 'https://api.github.com/repos/acme/env/git/refs' },
    response: { status: 403, data: { message: 'Resource not accessible by integration' } },
  });

  it('turns a GitHub API failure into one sentence naming the request', async () => {
    const failing = atGitHubBoundary(async () => {
      throw requestError;
    });
    await expect(failing).rejects.toBeInstanceOf(GitHubApiError);
    const error = (await failing.catch((e: unknown) => e)) as GitHubApiError;
    expect(describeError(error)).toBe(
      'GitHub API PUT https://api.github.com/repos/acme/env/git/refs failed with 403: Resource not accessible by integration.',
    );
    expect(error.where).toBe('PUT https://api.github.com/repos/acme/env/git/refs');
    expect(error.status).toBe(403);
    expect(isGitHubFailure(error, 'resourceNotAccessible')).toBe(true);
  });

  it('lets other errors through as they are', async () => {
    const bug = new RangeError('oops');
    await expect(
      atGitHubBoundary(async () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
  });
});

describe('reading a JSON file the user points at', () => {
  it('names the file, what is wrong and what belongs there', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readJsonFile, JsonFileError } = await import('../../src/config/json-file.js');
    const dir = await mkdtemp(join(tmpdir(), 'slipway-json-'));
    const missing = join(dir, 'missing.json');
    await expect(readJsonFile(missing, 'a baseline eval report')).rejects.toThrow(
      `${missing}: no such file. Expected a baseline eval report.`,
    );
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"passed": tru');
    const error = await readJsonFile(broken, 'a baseline eval report').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonFileError);
    expect(describeError(error)).toMatch(
      /broken\.json: not valid JSON \(.*\)\. Expected a baseline eval report\.$/,
    );
    expect((error as JsonFileError).where).toBe(broken);
    const good = join(dir, 'good.json');
    await writeFile(good, '{"passed": true}');
    const read = await readJsonFile(good, 'a report');
    expect(read.value).toEqual({ passed: true });
    expect(read.bytes.toString('utf8')).toBe('{"passed": true}');
  });
});
