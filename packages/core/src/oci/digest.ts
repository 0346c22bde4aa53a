// sha256 digests in the OCI form `sha256:<64 hex>`.
import { createHash } from 'node:crypto';
import { OciError } from './errors.js';

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** The 64 hex characters of a digest: blob paths and the referrers fallback tag use them. */
export function digestHex(digest: string): string {
  if (!isDigest(digest))
    throw new OciError(`Invalid digest '${digest}'. Expected sha256:<64 lower-case hex>.`);
  return digest.slice('sha256:'.length);
}

/** The tag that holds an index of referrers where the registry has no referrers API. */
export function referrersFallbackTag(digest: string): string {
  return `sha256-${digestHex(digest)}`;
}
