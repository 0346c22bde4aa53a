import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/oci/digest.js';
import { BlobRejectedError } from '../../src/oci/errors.js';
import { LayoutStore } from '../../src/oci/layout-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-layout-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Yields `bytes` in pieces through one reused buffer, as a model file's layer does. */
function throughReusedBuffer(bytes: Buffer, piece: number) {
  return async function* () {
    const buffer = Buffer.alloc(piece);
    for (let at = 0; at < bytes.length; at += piece) {
      const length = bytes.copy(buffer, 0, at, at + piece);
      yield buffer.subarray(0, length);
    }
  };
}

describe('an OCI layout as a store', () => {
  it('stores a blob streamed through a reused buffer byte for byte', async () => {
    const store = new LayoutStore(join(dir, 'good'));
    const bytes = randomBytes(1024 * 1024 + 7);
    const blob = { mediaType: 'application/octet-stream', digest: sha256Digest(bytes), size: bytes.length };
    await store.putBlob(blob, throughReusedBuffer(bytes, 64 * 1024));
    expect(await store.hasBlob(blob)).toBe(true);
    const back: Buffer[] = [];
    for await (const chunk of store.getBlob(blob)) back.push(Buffer.from(chunk));
    expect(Buffer.concat(back).equals(bytes)).toBe(true);
  });

  it('refuses bytes that are not what their digest names, leaving no blob and no partial file', async () => {
    const store = new LayoutStore(join(dir, 'bad'));
    const bytes = randomBytes(300 * 1024);
    const blob = {
      mediaType: 'application/octet-stream',
      digest: sha256Digest(randomBytes(16)),
      size: bytes.length,
    };
    await expect(store.putBlob(blob, throughReusedBuffer(bytes, 64 * 1024))).rejects.toBeInstanceOf(
      BlobRejectedError,
    );
    expect(await store.hasBlob(blob)).toBe(false);
    expect(await readdir(join(dir, 'bad', 'blobs', 'sha256'))).toEqual([]);
  });
});
