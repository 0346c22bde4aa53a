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

  it('tells an unknown commit from a missing repository when reading a branch tip', () => {
    const unknown = restError(422, { message: 'No commit found for SHA: heads/nope' });
    expect(isGitHubFailure(unknown, 'noCommitFound')).toBe(true);
    expect(isGitHubFailure(restError(404, { message: 'Not Found' }), 'noCommitFound')).toBe(false);
  });

  it('recognises a server whose GraphQL schema predates updateRefs, and only that', () => {
    const old = Object.assign(new Error('Request failed due to following response errors'), {
      errors: [{ message: "Field 'updateRefs' doesn't exist on type 'Mutation'" }],
    });
    expect(isGitHubFailure(old, 'updateRefsUnsupported')).toBe(true);
    const refused = Object.assign(new Error('Request failed due to following response errors'), {
      errors: [{ type: 'UNPROCESSABLE', message: 'Reference refs/heads/x is at 1234, not at 5678.' }],
    });
    expect(isGitHubFailure(refused, 'updateRefsUnsupported')).toBe(false);
  });

  it('describes a failure in one line with request, status and reason, and never the token', () => {
    const line = describeGitHubFailure(restError(502, { message: 'Server Error' }));
    expect(line).toBe(
      'GitHub API PATCH https://api.github.com/repos/acme/envs/git/refs/heads%2Fmain failed with 502: Server Error.',
    );
    expect(line).not.toContain('ghs_secret');
  });

  it('says a request that got no answer was not reached, not that GitHub failed with a 500', () => {
    const request = {
      method: 'POST' as const,
      url: 'https://github.invalid/api/graphql',
      headers: {},
      request: { retryCount: 3 },
    };
    const line = describeGitHubFailure(
      new RequestError('getaddrinfo ENOTFOUND github.invalid', 500, { request }),
    );
    expect(line).toBe(
      'GitHub API POST https://github.invalid/api/graphql could not be reached: getaddrinfo ENOTFOUND github.invalid after 4 attempts. ' +
        "Check the API URL (--api-url, or GITHUB_API_URL in Actions) and this machine's network.",
    );
  });
});
