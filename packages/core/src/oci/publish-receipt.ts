// The receipts of a project's last publishes to registries: everything that went into each, and what came
// out. One is kept per set of inputs (a file named by their hash), up to RECEIPTS_KEPT, so a project that
// publishes to two registries, or alternates two repositories, keeps a receipt for each.
//
// A re-run given the same inputs asks the registry only whether the version tag and every moving tag still
// name the recorded manifest, and whether its referrers (eval report, training record) are still there.
// When they are, that is the publish: its outcome is the one a full no-op run gives, nothing is read and
// nothing is sent, and slipway.yaml is not even parsed, nor its schema loaded (a no-op publish is mostly
// start-up, and loading the YAML parsers, the schema validators and the manifest code was most of that).
//
// "The same inputs" is decided as the digest cache decides that a file is unchanged (see digest-cache.ts):
// slipway.yaml, every model file and the eval report have the device, inode, size, mtime and ctime they
// had when the publish began, on the same machine and boot, and none was written within the racy margin
// before it began. Every option that shapes the manifest (registry, repository, version, tags, creation
// time, the source repository and commit) must be equal too. Anything else (no receipt, one from another
// machine, one changed input, a tag moved, the registry unreachable or answering oddly) runs the full
// publish, which also says what went wrong: the receipt never reports an error of its own.
//
// Not kept: OCI layout targets (reading them is local already), modelcars (their base image can move
// upstream), model files reached through a symbolic link (the link can move while every file keeps its
// identity) and publishes that held a moving tag back (that tag names another version).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashHigh, hashId, hashLow } from '../metrics/id-hash.js';
import type { RegistryCredentials } from './auth.js';
import {
  DEFAULT_RACY_MARGIN_MS,
  type StoredIdentity,
  sameIdentity,
  storedIdentity,
  thisMachine,
  unchangedSince,
} from './machine.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import type { PublishResult } from './publish.js';
import type { PublishPlan } from './publish-plan.js';
import { RegistryConnection } from './registry-http.js';

export const PUBLISH_RECEIPTS_DIR = '.slipway/cache/publish-receipts';
/** The most receipts a project keeps; the least recently written go first. */
export const RECEIPTS_KEPT = 8;

/**
 * The receipt's file for these inputs. The name is a hash of them only to find the file: the receipt
 * holds the inputs whole and is trusted only when they are equal, so two inputs that share a name simply
 * take turns. 64 bits of the example ids' hash, not node:crypto, which a no-op re-publish (mostly
 * start-up) otherwise never loads.
 */
export function receiptFile(projectDir: string, inputs: string): string {
  hashId(inputs);
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
  return join(projectDir, PUBLISH_RECEIPTS_DIR, `${hex(hashHigh())}${hex(hashLow())}.json`);
}

const FORMAT = 'slipway.dev/publish-receipt/v1';

/** What a publish outcome holds besides the plan, as publishProject returns it. */
export interface ReceiptOutcome extends PublishResult {
  readonly reference: string;
  readonly servingReference: string;
  readonly source: { readonly url?: string; readonly revision?: string };
}

/** A file's identity, and where it is. */
interface FileStamp extends StoredIdentity {
  readonly path: string;
}

interface Receipt {
  readonly format: string;
  readonly machine: string;
  /** The inputs besides the files, as canonical JSON. */
  readonly inputs: string;
  /** Wall clock (ms) before any input was read: a file changed later than its margin is not trusted. */
  readonly startedAtMs: number;
  readonly files: readonly FileStamp[];
  readonly plan: PublishPlan;
  readonly outcome: ReceiptOutcome;
}

/** A file's identity now; undefined when it is gone or not a regular file. */
export function stampOf(path: string): FileStamp | undefined {
  try {
    const info = statSync(path, { bigint: true });
    return info.isFile() ? { path, ...storedIdentity(info) } : undefined;
  } catch {
    return undefined;
  }
}

function sameStamp(a: FileStamp, b: FileStamp | undefined): boolean {
  return b !== undefined && a.path === b.path && sameIdentity(a, b);
}

export interface ReceiptCheck {
  /** The project directory (slipway.yaml's). */
  readonly projectDir: string;
  /** Every option that shapes the manifest, and the source as git or GitHub gave it. */
  readonly inputs: unknown;
  readonly credentials: (registry: string) => RegistryCredentials;
  readonly plainHttp?: boolean;
  readonly idleTimeoutMs?: number;
  readonly onSecret?: (secret: string) => void;
  readonly racyMarginMs?: number;
  readonly machine?: string;
}

/**
 * The outcome of the last publish when nothing that went into it changed and the registry still holds it
 * as it was left; undefined when the full publish has to run.
 */
export async function republishUnchanged(
  check: ReceiptCheck,
): Promise<{ plan: PublishPlan; outcome: ReceiptOutcome } | undefined> {
  try {
    return await confirmReceipt(check);
  } catch {
    // Unreadable, malformed, unreachable, refused: the full publish meets the same and says what it is.
    return undefined;
  }
}

async function confirmReceipt(
  check: ReceiptCheck,
): Promise<{ plan: PublishPlan; outcome: ReceiptOutcome } | undefined> {
  const inputs = JSON.stringify(check.inputs);
  const receipt = readReceipt(receiptFile(check.projectDir, inputs));
  if (
    !receipt ||
    receipt.machine !== (check.machine ?? thisMachine()) ||
    receipt.inputs !== inputs ||
    receipt.plan.target.kind !== 'registry'
  )
    return undefined;
  const margin = check.racyMarginMs ?? DEFAULT_RACY_MARGIN_MS;
  for (const file of receipt.files) {
    const now = stampOf(file.path);
    if (!now || !unchangedSince(file, now, receipt.startedAtMs, margin)) return undefined;
  }
  const { registry, repository } = receipt.plan.target;
  const { outcome } = receipt;
  // Asked with the push access a publish needs, so a token that may no longer push fails here as the
  // full publish would, rather than passing on reads alone.
  const connection = new RegistryConnection({
    registry,
    repository,
    credentials: check.credentials(registry),
    actions: 'pull,push',
    ...(check.plainHttp ? { plainHttp: true } : {}),
    ...(check.idleTimeoutMs !== undefined ? { idleTimeoutMs: check.idleTimeoutMs } : {}),
    ...(check.onSecret ? { onSecret: check.onSecret } : {}),
  });
  const named = async (ref: string) => {
    const response = await connection.send('HEAD', connection.url(`manifests/${ref}`), {
      what: `HEAD manifest ${ref}`,
      headers: { accept: MANIFEST_ACCEPT },
    });
    await response.body?.cancel();
    return response.status === 200 ? response.headers.get('docker-content-digest') : undefined;
  };
  const tags = [outcome.versionTag, ...outcome.movingTags];
  const referrers = [outcome.reportDigest, outcome.trainingRecordDigest].filter(
    (digest): digest is string => digest !== undefined,
  );
  // Without a referrers API the report is found through the fallback tag's index, not by its digest: a
  // report still stored but dropped from that index (a tag clean-up, another tool rewriting it) is lost
  // to `slipway pull` and the gates, and the full publish puts it back. Read with the HEADs, at once.
  const listed = outcome.referrersIndexTag
    ? listedIn(connection, outcome.referrersIndexTag)
    : Promise.resolve(undefined);
  const [answers, index] = await Promise.all([Promise.all([...tags, ...referrers].map(named)), listed]);
  const expected = [...tags.map(() => outcome.digest), ...referrers];
  if (answers.some((digest, i) => digest !== expected[i])) return undefined;
  if (index && referrers.some((digest) => !index.has(digest))) return undefined;
  return { plan: receipt.plan, outcome: asAlreadyPublished(outcome) };
}

/** The digests an index tag lists; empty when it is gone or not an index. */
async function listedIn(connection: RegistryConnection, tag: string): Promise<Set<string>> {
  const response = await connection.send('GET', connection.url(`manifests/${tag}`), {
    what: `GET manifest ${tag}`,
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return new Set();
  }
  try {
    const index = JSON.parse(await response.text()) as { manifests?: Array<{ digest?: unknown }> };
    return new Set((index.manifests ?? []).map((entry) => String(entry.digest)));
  } catch {
    return new Set();
  }
}

/** A publish's outcome as a run that found every blob and every tag in place reports it. */
function asAlreadyPublished(outcome: ReceiptOutcome): ReceiptOutcome {
  return {
    ...outcome,
    bytesUploaded: 0,
    bytesRead: 0,
    bytesSkipped: outcome.blobs.reduce((total, blob) => total + blob.size, 0),
    blobs: outcome.blobs.map((blob) => ({ ...blob, outcome: 'skipped' as const })),
    alreadyPublished: true,
  };
}

export interface ReceiptToKeep {
  readonly projectDir: string;
  readonly inputs: unknown;
  /** A model file was reached through a symbolic link, which can move while every stamp stays. */
  readonly throughLinks: boolean;
  readonly startedAtMs: number;
  /** The inputs' identities taken before the publish read them (undefined: missing, so never trusted). */
  readonly files: readonly (FileStamp | undefined)[];
  readonly plan: PublishPlan;
  readonly outcome: ReceiptOutcome;
  readonly machine?: string;
}

/**
 * Keeps the receipt of a publish that completed, when one may be kept and no input changed while it ran;
 * otherwise removes any earlier receipt. It is only a cache: a receipt that cannot be written is skipped.
 */
export function keepReceipt(keep: ReceiptToKeep): void {
  const inputs = JSON.stringify(keep.inputs);
  const file = receiptFile(keep.projectDir, inputs);
  const keepable =
    !keep.throughLinks &&
    keep.plan.target.kind === 'registry' &&
    keep.plan.modelcarBase === undefined &&
    keep.outcome.modelcar === undefined &&
    keep.outcome.heldBackTags.length === 0 &&
    keep.files.every((stamp) => stamp !== undefined && sameStamp(stamp, stampOf(stamp.path)));
  try {
    if (!keepable) {
      rmSync(file, { force: true });
      return;
    }
    const receipt: Receipt = {
      format: FORMAT,
      machine: keep.machine ?? thisMachine(),
      inputs,
      startedAtMs: keep.startedAtMs,
      files: keep.files as FileStamp[],
      plan: keep.plan,
      outcome: keep.outcome,
    };
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Date.now()}.partial`;
    try {
      writeFileSync(temporary, `${JSON.stringify(receipt, null, 1)}\n`);
      renameSync(temporary, file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    forgetOldest(dirname(file));
  } catch {
    // A read-only project still publishes; the next run is simply a full one.
  }
}

/** Removes the least recently written receipts beyond RECEIPTS_KEPT (and any left partial by a crash). */
function forgetOldest(dir: string): void {
  const receipts: Array<{ path: string; mtimeMs: number }> = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name.endsWith('.partial')) {
      // Another run's may still be on its way to its name: only one old enough to be a crash's goes.
      const info = statSync(path, { throwIfNoEntry: false });
      if (info && Date.now() - info.mtimeMs > 60_000) rmSync(path, { force: true });
    } else if (name.endsWith('.json')) {
      const info = statSync(path, { throwIfNoEntry: false });
      if (info) receipts.push({ path, mtimeMs: info.mtimeMs });
    }
  }
  receipts.sort((x, y) => y.mtimeMs - x.mtimeMs);
  for (const old of receipts.slice(RECEIPTS_KEPT)) rmSync(old.path, { force: true });
}

function readReceipt(file: string): Receipt | undefined {
  try {
    const receipt = JSON.parse(readFileSync(file, 'utf8')) as Partial<Receipt> | null;
    if (
      receipt?.format !== FORMAT ||
      typeof receipt.machine !== 'string' ||
      typeof receipt.inputs !== 'string' ||
      typeof receipt.startedAtMs !== 'number' ||
      !Array.isArray(receipt.files) ||
      !receipt.files.every((file) => typeof file?.path === 'string' && typeof file.ctimeNs === 'string') ||
      typeof receipt.plan?.target?.kind !== 'string' ||
      typeof receipt.outcome?.digest !== 'string' ||
      typeof receipt.outcome.versionTag !== 'string' ||
      !Array.isArray(receipt.outcome.movingTags) ||
      !receipt.outcome.movingTags.every((tag) => typeof tag === 'string') ||
      !Array.isArray(receipt.outcome.blobs) ||
      !receipt.outcome.blobs.every(
        (blob) => typeof blob?.digest === 'string' && typeof blob.size === 'number',
      )
    )
      return undefined;
    return receipt as Receipt;
  } catch {
    return undefined;
  }
}
