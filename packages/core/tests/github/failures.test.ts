import { RequestError } from '@octokit/request-error';
import { describe, expect, it } from 'vitest';
import { describeGitHubFailure, isGitHubFailure } from '../../src/github/failures.js';

function restError(status: number, data: unknown, retryCount = 0): RequestError {
  const request = {
    method: 'PATCH' as const,
    url: 'https://api.github.com/repos/acme/envs/git/refs/heads%2Fmain',
    headers: { authorization: 'token ghs_secret' },
    request: { retryCount },
  };
  const message = (data as { message: string }).message;
  return new RequestError(message, status, {
    request,
    response: { status, url: request.url, headers: {}, data },
  });
}

describe('known GitHub failures', () => {
  it('recognises a ref update that is not a fast forward', () => {
    const error = restError(422, { message: 'Update is not a fast forward' });
    expect(isGitHubFailure(error, 'notFastForward')).toBe(true);
    expect(isGitHubFailure(error, 'referenceAlreadyExists')).toBe(false);
  });

  it('finds the reason inside the errors list of a 422 Validation Failed', () => {
    const error = restError(422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'A pull request already exists for acme:slipway/prod/fraud.',
        },
      ],
    });
    expect(isGitHubFailure(error, 'pullRequestAlreadyExists')).toBe(true);
  });

  it('does not match the right text under the wrong status', () => {
    expect(
      isGitHubFailure(restError(500, { message: 'Update is not a fast forward' }), 'notFastForward'),
    ).toBe(false);
  });

  it('recognises GraphQL errors, which come without an HTTP status', () => {
    const error = Object.assign(new Error('Request failed due to following response errors'), {
      errors: [
        { type: 'UNPROCESSABLE', message: 'Pull request Auto merge is not allowed for this repository' },
      ],
    });
    expect(isGitHubFailure(error, 'autoMergeNotAllowed')).toBe(true);
  });

  it('describes a failure in one line with request, status and reason, and never the token', () => {
    const line = describeGitHubFailure(restError(502, { message: 'Server Error' }));
    expect(line).toBe(
      'GitHub API PATCH https://api.github.com/repos/acme/envs/git/refs/heads%2Fmain failed with 502: Server Error.',
    );
    expect(line).not.toContain('ghs_secret');
  });
});
