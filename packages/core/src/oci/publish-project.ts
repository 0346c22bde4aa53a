// publishProject: the one entry point of a publish, for the publish-model action and `slipway publish`
// (imported as @slipway/core/oci/publish, which loads none of the publish code an unchanged model skips).
// slipway.yaml + overrides → plan; the source (repository, commit) and the creation time are decided here,
// once, so both doors write the same manifest, byte for byte, for the same commit.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitEnvironment } from '../config/git-environment.js';
import type { RegistryCredentials } from './auth.js';
import { DEFAULT_PUBLISH_TIMEOUT_MINUTES, startDeadline } from './deadline.js';
import type { PublishProgress, PublishResult } from './publish.js';
import type { PublishPlan } from './publish-plan.js';
import { keepReceipt, republishUnchanged, stampOf } from './publish-receipt.js';
import { DEFAULT_IDLE_TIMEOUT_MS } from './registry-http.js';

export type { PublishProgress, PublishResult } from './publish.js';
export { DEFAULT_PARALLEL_UPLOADS } from './publish-defaults.js';

/** Where the model's source lives: GitHub's context in a workflow, the git checkout elsewhere. */
export interface SourceContext {
  /** owner/name of the source repository. */
  readonly repository?: string;
  /** The repository owner, for the default artifact repository `<owner>/<model>`; default: repository's owner. */
  readonly owner?: string;
  /** Web root of the GitHub server (https://github.com, or GitHub Enterprise Server's). */
  readonly serverUrl?: string;
  /** The commit being published. */
  readonly revision?: string;
}

/** What the user gave to log in; which of it is sent where is decided here. */
export interface CredentialInputs {
  readonly username?: string;
  readonly password?: string;
  /** A GitHub token: offered to ghcr.io only, never to another registry. */
  readonly githubToken?: string;
}

export interface PublishProjectRequest {
  /** slipway.yaml: absolute, or relative to `root`. */
  readonly config: string;
  /** The directory paths given at the door (config, layout, report) are relative to. */
  readonly root: string;
  readonly registry?: string;
  readonly repository?: string;
  readonly version?: string;
  /** OCI layout directory (relative to `root`) when no registry is set. */
  readonly layout?: string;
  /** Moving tags added to artifact.tags. */
  readonly tags?: readonly string[];
  /** The eval report JSON to attach, relative to `root`. */
  readonly report?: string;
  /** RFC 3339; default SOURCE_DATE_EPOCH, else the commit time. */
  readonly created?: string;
  readonly sourceDateEpoch?: string;
  /** Undefined fields are read from the project's git checkout (HEAD, remote `origin`). */
  readonly source?: SourceContext;
  readonly credentials?: CredentialInputs;
  readonly plainHttp?: boolean;
  /** Bytes per PATCH; 0 or undefined for one streamed PUT. */
  readonly chunkSize?: number;
  readonly mountFrom?: readonly string[];
  /** A request with no bytes moving for this long is abandoned and retried; default 60. */
  readonly idleTimeoutSeconds?: number;
  /** The whole publish stops after this long, tagging nothing more; default DEFAULT_PUBLISH_TIMEOUT_MINUTES. */
  readonly timeoutMinutes?: number;
  /** Base image (with sh) of the KServe modelcar, overriding artifact.modelcar.base; e.g. oci:<dir>:<tag> is read as-is. */
  readonly modelcarBase?: string;
  /** Model files sent at once (default DEFAULT_PARALLEL_UPLOADS); 1 sends them one by one. */
  readonly parallelUploads?: number;
  /** Called for every secret the store learns (a registry token), so the door can mask it. */
  readonly onSecret?: (secret: string) => void;
  /** Retries and other notes worth a warning. */
  readonly log?: (line: string) => void;
  /** Called once the plan is known, before any upload. */
  readonly onPlan?: (plan: PublishPlan, location: string) => void;
  readonly onProgress?: (event: PublishProgress) => void;
}

export interface PublishOutcome extends PublishResult {
  readonly plan: PublishPlan;
  /** `registry/repository@sha256:…` (or `oci:<dir>@sha256:…`). */
  readonly reference: string;
  /** What KServe deploys, pinned by digest: the modelcar image when one was published, else `reference`. */
  readonly servingReference: string;
  /** The source as written into the manifest. */
  readonly source: { readonly url?: string; readonly revision?: string };
}

export async function publishProject(request: PublishProjectRequest): Promise<PublishOutcome> {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(request.root, path));
  const configPath = at(request.config);
  const projectDir = dirname(configPath);
  // The commit time is read with the commit, in one git process, only when nothing else gives the time.
  const withCommitTime = !request.created && !request.sourceDateEpoch;
  // Git starts first and runs while slipway.yaml is read and checked: a no-op re-publish is mostly
  // start-up, and waiting for git before reading the config put both on its path one after the other.
  // (It never rejects: what git cannot tell is simply not known.)
  const checkoutRead = readCheckout(projectDir, request.source ?? {}, withCommitTime);
  // Before anything is read: a file written after this instant is not trusted unchanged by its identity.
  const startedAtMs = Date.now();
  const configStamp = stampOf(configPath);
  const checkout = await checkoutRead;
  // Everything besides the files that shapes what is published, as given: the receipt's key.
  const inputs = {
    config: configPath,
    registry: request.registry,
    repository: request.repository,
    version: request.version,
    layout: request.layout ? at(request.layout) : undefined,
    tags: request.tags ?? [],
    report: request.report ? at(request.report) : undefined,
    created: request.created,
    sourceDateEpoch: request.sourceDateEpoch,
    modelcarBase: request.modelcarBase,
    source: request.source ?? {},
    checkout,
    // This very Slipway: another version may build another manifest from the same inputs.
    build: buildIdentity(),
  };
  const credentials = (registry: string) =>
    registryCredentials(registry, request.credentials ?? {}, checkout.owner);
  const idleTimeoutMs = (request.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_MS / 1000) * 1000;
  const unchanged = await republishUnchanged({
    projectDir,
    inputs,
    credentials,
    idleTimeoutMs,
    ...(request.plainHttp ? { plainHttp: true } : {}),
    ...(request.onSecret ? { onSecret: request.onSecret } : {}),
  });
  if (unchanged) {
    request.onPlan?.(unchanged.plan, unchanged.outcome.location);
    return { ...unchanged.outcome, plan: unchanged.plan };
  }

  // The full publish, and with it the YAML parsers, the schema validators and the manifest code.
  const [{ loadPublishConfig, planPublish, readEvalReportBytes }, { resolveCreated }] = await Promise.all([
    import('./publish-plan.js'),
    import('./open-store.js'),
  ]);
  const config = loadPublishConfig(configPath);
  const plan = planPublish(config, {
    ...(request.registry ? { registry: request.registry } : {}),
    ...(request.repository ? { repository: request.repository } : {}),
    ...(request.version ? { version: request.version } : {}),
    ...(request.layout ? { layout: at(request.layout) } : {}),
    ...(request.tags ? { tags: request.tags } : {}),
    ...(checkout.owner ? { owner: checkout.owner } : {}),
    ...(request.modelcarBase ? { modelcarBase: request.modelcarBase } : {}),
  });
  const reportPath = request.report ? at(request.report) : undefined;
  const stamps = [configStamp, ...plan.files.map((file) => stampOf(file.source))];
  if (reportPath) stamps.push(stampOf(reportPath));
  // A model file reached through a symbolic link below the project is stamped at the link's target, so
  // the link could move alone, which no stamp shows; its source is then the resolved path. A link above
  // the project (a linked home, macOS's /tmp) is followed afresh by every stat, config's included.
  const throughLinks = !plan.files.every((file) => file.source === join(plan.projectDir, file.path));
  const report = reportPath ? await readEvalReportBytes(reportPath) : undefined;
  const created = await resolveCreated({
    ...(request.created ? { explicit: request.created } : {}),
    ...(request.sourceDateEpoch ? { sourceDateEpoch: request.sourceDateEpoch } : {}),
    dir: plan.projectDir,
    ...(checkout.revision ? { revision: checkout.revision } : {}),
    ...(withCommitTime ? { commitTime: checkout.commitTime ?? '' } : {}),
  });
  const registry = plan.target.kind === 'registry' ? plan.target.registry : '';
  const deadline = startDeadline(
    request.timeoutMinutes ?? DEFAULT_PUBLISH_TIMEOUT_MINUTES,
    `Publishing ${plan.name} ${plan.version}`,
    'Raise timeout-minutes (the --timeout flag) if the model is large and the link slow; check the registry otherwise.',
  );
  let outcome: PublishOutcome;
  try {
    outcome = await publishWithin(
      request,
      plan,
      checkout,
      report,
      created,
      credentials(registry),
      idleTimeoutMs,
      deadline.signal,
    );
  } catch (error) {
    // A failed upload fails the publish at once, while other files may still be on their way: they end
    // now, rather than go on sending (up to an idle timeout) and hold the process open after the error.
    deadline.stop(error);
    throw error;
  } finally {
    deadline.clear();
  }
  const { plan: published, ...rest } = outcome;
  keepReceipt({
    projectDir,
    inputs,
    throughLinks,
    startedAtMs,
    files: stamps,
    plan: published,
    outcome: rest,
  });
  return outcome;
}

async function publishWithin(
  request: PublishProjectRequest,
  plan: PublishPlan,
  checkout: Checkout,
  report: Buffer | undefined,
  created: string | undefined,
  credentials: RegistryCredentials,
  idleTimeoutMs: number,
  signal: AbortSignal,
): Promise<PublishOutcome> {
  const [{ openStore, openModelcarBase, modelcarMountFrom }, { publishModel }, { DigestCache }] =
    await Promise.all([import('./open-store.js'), import('./publish.js'), import('./digest-cache.js')]);
  // A base in the same registry lends its layers by cross-repository mount instead of a download and upload.
  const mountFrom = [...(request.mountFrom ?? []), ...modelcarMountFrom(plan.modelcarBase, plan.target)];
  const store = openStore(plan.target, {
    idleTimeoutMs,
    signal,
    credentials,
    ...(request.plainHttp ? { plainHttp: true } : {}),
    ...(request.chunkSize ? { chunkSize: request.chunkSize } : {}),
    ...(mountFrom.length > 0 ? { mountFrom } : {}),
    ...(request.onSecret ? { onSecret: request.onSecret } : {}),
    ...(request.log ? { log: request.log } : {}),
  });
  request.onPlan?.(plan, store.location);
  const result = await publishModel({
    store,
    files: plan.files,
    metadata: {
      name: plan.name,
      version: plan.version,
      ...(created ? { created } : {}),
      ...(checkout.url ? { source: checkout.url } : {}),
      ...(checkout.revision ? { revision: checkout.revision } : {}),
      ...(plan.description ? { description: plan.description } : {}),
      ...(plan.licenses ? { licenses: plan.licenses } : {}),
    },
    movingTags: plan.movingTags,
    // This machine's digests of the project's unchanged files: a re-publish reads none of them.
    digestCache: await DigestCache.open(plan.digestCacheFile),
    ...(request.parallelUploads ? { parallelUploads: request.parallelUploads } : {}),
    ...(report ? { report, reportName: request.report! } : {}),
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    ...(plan.modelcarBase
      ? {
          modelcar: {
            base: openModelcarBase(plan.modelcarBase, plan.target, {
              idleTimeoutMs,
              signal,
              credentials,
              ...(request.plainHttp ? { plainHttp: true } : {}),
              ...(request.onSecret ? { onSecret: request.onSecret } : {}),
            }),
          },
        }
      : {}),
  });
  const reference = `${result.location}@${result.digest}`;
  return {
    ...result,
    plan,
    reference,
    servingReference: result.modelcar ? `${result.location}@${result.modelcar.digest}` : reference,
    source: {
      ...(checkout.url ? { url: checkout.url } : {}),
      ...(checkout.revision ? { revision: checkout.revision } : {}),
    },
  };
}

/** Explicit credentials win; a GitHub token is offered to ghcr.io only, never to another registry. */
export function registryCredentials(
  registry: string,
  given: CredentialInputs,
  owner?: string,
): RegistryCredentials {
  if (given.password)
    return { ...(given.username ? { username: given.username } : {}), password: given.password };
  if (registry === 'ghcr.io' && given.githubToken) {
    const username = given.username || owner;
    return { ...(username ? { username } : {}), token: given.githubToken };
  }
  return given.username ? { username: given.username } : {};
}

function gitOutput(dir: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((done) => {
    execFile('git', ['-C', dir, ...args], { timeout: 10_000, env: gitEnvironment() }, (error, stdout) =>
      done((!error && stdout.trim()) || undefined),
    );
  });
}

interface Checkout {
  readonly url?: string;
  readonly revision?: string;
  readonly owner?: string;
  /** The commit's time (%cI), when it was asked for and the checkout has the commit. */
  readonly commitTime?: string;
}

/**
 * The source as given, with what is missing read from the git checkout of `dir`: at most two git
 * processes, started at once before this returns its promise.
 */
async function readCheckout(dir: string, given: SourceContext, withCommitTime = false): Promise<Checkout> {
  const [commit, origin] = await Promise.all(
    mayBeInCheckout(dir)
      ? [
          given.revision === undefined || withCommitTime
            ? gitOutput(dir, ['log', '-1', '--format=%H%n%cI', given.revision ?? 'HEAD', '--'])
            : undefined,
          given.repository ? undefined : gitOutput(dir, ['remote', 'get-url', 'origin']),
        ]
      : [],
  );
  const [hash, commitTime] = commit?.split('\n') ?? [];
  const revision = given.revision ?? hash;
  const fromOrigin = origin ? parseRemote(origin) : undefined;
  const repository = given.repository ?? fromOrigin?.repository;
  const server = (given.serverUrl ?? fromOrigin?.serverUrl ?? 'https://github.com').replace(/\/+$/, '');
  const owner = given.owner ?? repository?.split('/')[0];
  return {
    ...(repository ? { url: `${server}/${repository}` } : {}),
    ...(revision ? { revision } : {}),
    ...(owner ? { owner } : {}),
    ...(commitTime ? { commitTime } : {}),
  };
}

/**
 * Whether git could find a repository from `dir`: a `.git` (directory, or file for a worktree) there or
 * above, or a `HEAD` that may make a directory a git directory itself. Outside any, git could only fail,
 * and starting it costs a no-op re-publish more than its whole registry exchange.
 */
function mayBeInCheckout(dir: string): boolean {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, '.git')) || existsSync(join(at, 'HEAD'))) return true;
    if (dirname(at) === at) return false;
  }
}

/**
 * `https://github.com/acme/iris.git`, `git@github.com:acme/iris.git`, `ssh://git@host/acme/iris` →
 * server and owner/name; anything else (a local path) → undefined.
 */
export function parseRemote(url: string): { serverUrl: string; repository: string } | undefined {
  const https = /^https?:\/\/(?:[^@/]+@)?([^/]+)\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  if (https) return { serverUrl: `https://${https[1]}`, repository: `${https[2]}/${https[3]}` };
  const ssh = /^(?:ssh:\/\/)?[^@/]+@([^:/]+)(?::\d+)?[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  if (ssh) return { serverUrl: `https://${ssh[1]}`, repository: `${ssh[2]}/${ssh[3]}` };
  return undefined;
}

/**
 * The identity of the file this code runs from (a bundle's chunk, or the source in tests): installing
 * another Slipway replaces it, so a receipt of the old one is not taken for the new one's.
 */
function buildIdentity(): string {
  const stamp = stampOf(fileURLToPath(import.meta.url));
  // ctime too: npm gives every installed file the same mtime, and a freed inode is soon reused, so
  // another release of the same size installed over this one could match on the rest.
  return stamp
    ? `${stamp.path}@${stamp.dev}:${stamp.ino}:${stamp.size}:${stamp.mtimeNs}:${stamp.ctimeNs}`
    : 'unknown';
}
