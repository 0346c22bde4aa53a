// Opens the store a publish or pull talks to, and works out the artifact's creation time.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gitEnvironment } from '../config/git-environment.js';
import type { RegistryCredentials } from './auth.js';
import { OciError } from './errors.js';
import { LayoutStore } from './layout-store.js';
import type { ModelcarBase } from './modelcar.js';
import type { PublishTarget } from './publish-plan.js';
import { type ArtifactReference, parseReference } from './reference.js';
import { RegistryStore } from './registry-store.js';
import type { RetryPolicy } from './retry.js';
import type { ArtifactStore } from './store.js';

export interface StoreOptions {
  readonly credentials?: RegistryCredentials;
  readonly plainHttp?: boolean;
  readonly chunkSize?: number;
  readonly mountFrom?: readonly string[];
  readonly retry?: RetryPolicy;
  readonly actions?: 'pull' | 'pull,push';
  readonly onSecret?: (secret: string) => void;
  readonly log?: (message: string) => void;
  /** No bytes moving on a request for this long abandons it (it is retried); default 60 s. */
  readonly idleTimeoutMs?: number;
  /** Ends the whole operation: see publishDeadline. */
  readonly signal?: AbortSignal;
}

export function openStore(target: PublishTarget, options: StoreOptions = {}): ArtifactStore {
  if (target.kind === 'layout') return new LayoutStore(target.directory);
  return new RegistryStore({
    registry: target.registry,
    repository: target.repository,
    actions: options.actions ?? 'pull,push',
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.plainHttp !== undefined ? { plainHttp: options.plainHttp } : {}),
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    ...(options.mountFrom ? { mountFrom: options.mountFrom } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onSecret ? { onSecret: options.onSecret } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * The store holding a modelcar's base image, named as the user wrote it (registry/repository:tag,
 * …@sha256:…, or oci:<dir>:<tag>). Credentials go only to the registry they were given for.
 */
export function openModelcarBase(
  name: string,
  publishTarget: PublishTarget,
  options: StoreOptions = {},
): ModelcarBase {
  let reference: ArtifactReference;
  try {
    reference = parseReference(name);
  } catch (error) {
    throw new OciError(`Modelcar base image: ${(error as Error).message}`);
  }
  if (reference.kind === 'layout') {
    return { store: new LayoutStore(reference.directory), ref: reference.ref, name };
  }
  const sameRegistry = publishTarget.kind === 'registry' && publishTarget.registry === reference.registry;
  const store = new RegistryStore({
    registry: reference.registry,
    repository: reference.repository,
    actions: 'pull',
    ...(sameRegistry && options.credentials ? { credentials: options.credentials } : {}),
    ...(options.plainHttp !== undefined ? { plainHttp: options.plainHttp } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onSecret ? { onSecret: options.onSecret } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return { store, ref: reference.ref, name };
}

/** Repositories to mount the base's layers from: the base's own, when it is in the target's registry. */
export function modelcarMountFrom(name: string | undefined, publishTarget: PublishTarget): string[] {
  if (!name || publishTarget.kind !== 'registry') return [];
  try {
    const reference = parseReference(name);
    return reference.kind === 'registry' && reference.registry === publishTarget.registry
      ? [reference.repository]
      : [];
  } catch {
    return [];
  }
}

/** The registry's `/` address form of a target: `registry/repository` or `oci:<dir>`. */
export function targetLocation(target: PublishTarget): string {
  return target.kind === 'layout' ? `oci:${target.directory}` : `${target.registry}/${target.repository}`;
}

const run = promisify(execFile);

/**
 * When the model was created, reproducibly: an explicit time, else SOURCE_DATE_EPOCH, else the commit
 * time of `revision` in `dir`. Never the wall clock: the same commit must give the same digest.
 */
export async function resolveCreated(options: {
  readonly explicit?: string;
  readonly sourceDateEpoch?: string;
  readonly dir: string;
  readonly revision?: string;
  /** The commit's time (%cI) as the caller read it already ('' when git had none): no git process runs. */
  readonly commitTime?: string;
}): Promise<string | undefined> {
  if (options.explicit) {
    const time = Date.parse(options.explicit);
    if (Number.isNaN(time)) throw new OciError(`created '${options.explicit}' is not an RFC 3339 time.`);
    return new Date(time).toISOString().replace(/\.000Z$/, 'Z');
  }
  if (options.sourceDateEpoch) {
    if (!/^\d+$/.test(options.sourceDateEpoch)) {
      throw new OciError(`SOURCE_DATE_EPOCH '${options.sourceDateEpoch}' is not a number of seconds.`);
    }
    return new Date(Number(options.sourceDateEpoch) * 1000).toISOString().replace(/\.000Z$/, 'Z');
  }
  try {
    const stdout =
      options.commitTime ??
      (
        await run('git', ['-C', options.dir, 'log', '-1', '--format=%cI', options.revision ?? 'HEAD', '--'], {
          env: gitEnvironment(),
        })
      ).stdout;
    const time = Date.parse(stdout.trim());
    return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace(/\.000Z$/, 'Z');
  } catch {
    return undefined;
  }
}
