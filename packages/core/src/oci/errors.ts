import { SlipwayError, type SlipwayErrorDetails } from '../errors/index.js';

// Typed errors of the OCI client. Each message names where (registry/repository, file), what was found
// and what was expected, so the action and the CLI print it as is.

/** Anything that went wrong talking to a registry or an OCI layout. */
export class OciError extends SlipwayError {
  override name = 'OciError';
}

/** The registry answered with an HTTP status we cannot go on from. */
export class RegistryError extends OciError {
  override name = 'RegistryError';
  readonly status: number;
  /** OCI error codes from the response body (BLOB_UNKNOWN, DENIED, …). */
  readonly codes: readonly string[];
  constructor(
    message: string,
    status: number,
    codes: readonly string[] = [],
    details: SlipwayErrorDetails = {},
  ) {
    super(message, details);
    this.status = status;
    this.codes = codes;
  }
}

/**
 * A request given up on: its retries are spent, or the registry asked to wait longer than Slipway waits.
 * Never retried again, by this loop or by one around it (a blob check inside an upload's retries).
 */
export class RetriesExhaustedError extends RegistryError {
  override name = 'RetriesExhaustedError';
}

/** Credentials missing or refused. Never retried: the same credentials will be refused again. */
export class AuthError extends OciError {
  override name = 'AuthError';
}

/** The version tag already names another manifest: versions are immutable. */
export class VersionExistsError extends OciError {
  override name = 'VersionExistsError';
}

/** Another publish wrote the same tag at the same time, and this run's write did not stand. */
export class VersionRaceLostError extends VersionExistsError {
  override name = 'VersionRaceLostError';
}

/** Content did not match its digest (a changed file, a corrupt blob). Never retried. */
export class DigestMismatchError extends OciError {
  override name = 'DigestMismatchError';
}

/**
 * The store received bytes whose digest is not the one they were sent as (the registry's
 * DIGEST_INVALID): for a model file, one that changed during its upload.
 */
export class BlobRejectedError extends DigestMismatchError {
  override name = 'BlobRejectedError';
}

/** Statuses worth another try: the registry or something in front of it is briefly unwell. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Reads the OCI error body `{"errors":[{"code","message"}]}`; any other body gives no codes. */
export function errorCodes(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: unknown }> };
    return (parsed.errors ?? []).map((e) => String(e.code ?? '')).filter(Boolean);
  } catch {
    return [];
  }
}
