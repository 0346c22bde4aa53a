import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/oci/auth.js';
import { RegistryError } from '../../src/oci/errors.js';
import { addReferrer } from '../../src/oci/model-manifest.js';
import { formatReference, parseReference } from '../../src/oci/reference.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryable,
  parseRetryAfter,
  RetryableStatusError,
  withRetry,
} from '../../src/oci/retry.js';

describe('WWW-Authenticate challenges', () => {
  it('reads the realm, service and scope of a Bearer challenge, commas inside quotes included', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/iris:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/iris:pull,push' },
    });
  });

  it('reads a Basic challenge', () => {
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
  });
});

describe('artifact references', () => {
  it('reads registry, repository and tag or digest, and writes them back the same', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`ghcr.io/acme/models/iris@${digest}`)).toEqual({
      kind: 'registry',
      registry: 'ghcr.io',
      repository: 'acme/models/iris',
      ref: digest,
    });
    expect(parseReference('127.0.0.1:5000/acme/iris:1.0.0')).toMatchObject({
      registry: '127.0.0.1:5000',
      ref: '1.0.0',
    });
    // A tag beside the digest is a label; the digest pins the artifact.
    expect(parseReference(`127.0.0.1:5000/acme/iris:1.3.0@${digest}`)).toEqual({
      kind: 'registry',
      registry: '127.0.0.1:5000',
      repository: 'acme/iris',
      ref: digest,
    });
    expect(parseReference('oci:/tmp/layout:1.0.0')).toEqual({
      kind: 'layout',
      directory: '/tmp/layout',
      ref: '1.0.0',
    });
    fc.assert(
      fc.property(
        fc.constantFrom('ghcr.io', 'localhost:5000', 'registry.example.com'),
        fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9]{1,8}){0,2}$/),
        fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/),
        (registry, repository, tag) => {
          const text = `${registry}/${repository}:${tag}`;
          expect(formatReference(parseReference(text))).toBe(text);
        },
      ),
    );
  });

  it('says what was expected for a repository with upper-case letters', () => {
    expect(() => parseReference('ghcr.io/Acme/Iris:1')).toThrow(/Repository 'Acme\/Iris' must be lower-case/);
  });
});

describe('referrers fallback index', () => {
  it('lists each referrer once, however often it is attached', () => {
    const referrer = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'b'.repeat(64)}`,
      size: 10,
    };
    const once = addReferrer(undefined, referrer);
    const twice = addReferrer(once.value, referrer);
    expect(twice.value.manifests).toHaveLength(1);
    expect(twice.bytes.equals(once.bytes)).toBe(true);
  });
});

describe('retries', () => {
  it('retries transient statuses and dropped connections, never auth or client errors', () => {
    expect(isRetryable(new RegistryError('x', 503))).toBe(true);
    expect(isRetryable(new RegistryError('x', 429))).toBe(true);
    expect(isRetryable(new RegistryError('x', 401))).toBe(false);
    expect(isRetryable(new RegistryError('x', 400))).toBe(false);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(isRetryable(new TypeError('fetch failed', { cause: reset }))).toBe(true);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("reads a Retry-After date against the answer's own Date, whatever this machine's clock says", () => {
    const server = new Date(1_000_000_000).toUTCString();
    const retryAt = new Date(1_000_030_000).toUTCString();
    // This machine's clock is five minutes behind the registry's: the wait is still 30 s.
    expect(parseRetryAfter(retryAt, 1_000_000_000 - 300_000, server)).toBe(30_000);
    expect(parseRetryAfter(retryAt, 1_000_000_000 - 300_000, 'not a date')).toBe(330_000);
  });

  it('does not retry again, around it, a request whose own retries gave up', async () => {
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 50 };
    let inner = 0;
    const busy = () =>
      withRetry('inner', policy, async () => {
        inner++;
        throw new RetryableStatusError('answered 503', 503, [], undefined);
      });
    await expect(withRetry('outer', policy, busy)).rejects.toThrow(/inner failed after 3 tries/);
    expect(inner).toBe(3);

    let asked = 0;
    const limited = () =>
      withRetry('inner', policy, async () => {
        asked++;
        throw new RetryableStatusError('answered 429', 429, [], 600_000);
      });
    await expect(withRetry('outer', policy, limited)).rejects.toThrow(/asks to wait 600 s/);
    expect(asked).toBe(1);
  });

  it('backs off within bounds and never sooner than Retry-After asks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        (attempt, after) => {
          const delay = backoffDelay(DEFAULT_RETRY, attempt, after);
          expect(delay).toBeLessThanOrEqual(Math.max(DEFAULT_RETRY.maxDelayMs, after ?? 0));
          expect(delay).toBeGreaterThanOrEqual(after ?? 0);
          expect(delay).toBeGreaterThan(0);
        },
      ),
    );
  });
});
