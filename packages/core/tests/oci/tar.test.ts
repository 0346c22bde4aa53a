import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { TAR_END, tarArchiveSize, tarFileHeader, tarPadding } from '../../src/oci/tar.js';

async function readEntries(
  archive: Buffer,
): Promise<Array<{ name: string; size: number; mode: number; mtime: number; body: Buffer }>> {
  const entries: Array<{ name: string; size: number; mode: number; mtime: number; body: Buffer }> = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      entries.push({
        name: header.name,
        size: header.size ?? -1,
        mode: header.mode ?? -1,
        mtime: header.mtime?.getTime() ?? -1,
        body: Buffer.concat(chunks),
      });
      next();
    });
  });
  await pipeline(Readable.from([archive]), extract);
  return entries;
}

function archive(path: string, body: Buffer): Buffer {
  return Buffer.concat([tarFileHeader(path, body.length), body, tarPadding(body.length), TAR_END]);
}

describe('reproducible one-file tar', () => {
  it('is read back by tar-stream with the path, bytes, mode 0644 and mtime 0', async () => {
    const body = Buffer.from('weights');
    const [entry] = await readEntries(archive('model/weights.bin', body));
    expect(entry).toEqual({ name: 'model/weights.bin', size: 7, mode: 0o644, mtime: 0, body });
  });

  it('keeps paths longer than 100 characters, and non-ASCII ones, through PAX headers', async () => {
    const long = `${'deep/'.repeat(40)}weights.bin`;
    expect((await readEntries(archive(long, Buffer.from('x'))))[0]?.name).toBe(long);
    expect((await readEntries(archive('modèle/poids.bin', Buffer.from('x'))))[0]?.name).toBe(
      'modèle/poids.bin',
    );
  });

  it('reads back any path exactly, whatever the length of its PAX record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-zé]{1,12}(\/[a-zé0-9]{1,40}){0,8}$/), async (path) => {
        expect((await readEntries(archive(path, Buffer.from('x'))))[0]?.name).toBe(path);
      }),
      { numRuns: 200 },
    );
  });

  it('predicts its own size exactly, for any path and size', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9_é-]{1,30}(\/[a-zA-Z0-9_.-]{1,60}){0,5}$/),
        fc.integer({ min: 0, max: 5000 }),
        (path, size) => {
          expect(archive(path, Buffer.alloc(size)).length).toBe(tarArchiveSize(path, size));
          expect(tarArchiveSize(path, size) % 512).toBe(0);
        },
      ),
    );
  });

  it('writes the same header bytes for the same path and size', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.nat(), (path, size) => {
        expect(tarFileHeader(path, size).equals(tarFileHeader(path, size))).toBe(true);
      }),
    );
  });

  it('records sizes beyond 8 GiB in a PAX header instead of overflowing ustar', () => {
    const header = tarFileHeader('big.bin', 9 * 1024 ** 3);
    expect(header.toString('utf8')).toContain(`size=${9 * 1024 ** 3}\n`);
  });
});
