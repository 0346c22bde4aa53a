import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayer, prepareLayer } from '../../src/oci/layer.js';
import { buildModelConfig, buildModelManifest } from '../../src/oci/model-manifest.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-layer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Copied: a layer's chunks are valid only until the next one is asked for (its buffers are reused).
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('model file layers', () => {
  it('streams exactly the bytes its digest and size name, for any file content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (content) => {
        const source = join(dir, 'file.bin');
        await writeFile(source, content);
        const layer = await prepareLayer({ path: 'm/file.bin', source, type: 'weight' });
        const bytes = await collect(openLayer(layer));
        expect(bytes.length).toBe(layer.descriptor.size);
        expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.descriptor.digest);
      }),
      { numRuns: 30 },
    );
  });

  it('gives the same digest for the same file content whatever its mtime on disk', async () => {
    const source = join(dir, 'same.bin');
    await writeFile(source, 'weights');
    const first = await prepareLayer({ path: 'same.bin', source, type: 'weight' });
    await utimes(source, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await prepareLayer({ path: 'same.bin', source, type: 'weight' });
    expect(second.descriptor).toEqual(first.descriptor);
  });

  it('streams a file many read buffers long intact, chunk after chunk', async () => {
    const source = join(dir, 'large.bin');
    const content = randomBytes(9 * 1024 * 1024 + 123);
    await writeFile(source, content);
    const layer = await prepareLayer({ path: 'large.bin', source, type: 'weight' });
    const bytes = await collect(openLayer(layer));
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.descriptor.digest);
    expect(bytes.subarray(512, 512 + content.length).equals(content)).toBe(true);
  });

  // Content is not hashed again while it is sent: these pass only through the file identity check.
  it('fails the upload when the file was rewritten after it was hashed, even at the same size', async () => {
    const source = join(dir, 'changing.bin');
    await writeFile(source, 'version one');
    const layer = await prepareLayer({ path: 'changing.bin', source, type: 'weight' });
    await writeFile(source, 'version two');
    // Past the file system's clock granularity, as any write a second later would be.
    const later = new Date(Date.now() + 5000);
    await utimes(source, later, later);
    await expect(collect(openLayer(layer))).rejects.toThrow(
      /changing\.bin' changed while it was being published .*written to after it was hashed/,
    );
  });

  it('fails the upload when the file was replaced by another of the same size and mtime', async () => {
    const source = join(dir, 'replaced.bin');
    await writeFile(source, 'version one');
    const layer = await prepareLayer({ path: 'replaced.bin', source, type: 'weight' });
    const { mtime } = await stat(source);
    const other = join(dir, 'replaced.bin.new');
    await writeFile(other, 'version two');
    await utimes(other, mtime, mtime);
    await rename(other, source);
    await expect(collect(openLayer(layer))).rejects.toThrow(
      /replaced\.bin' changed .*replaced by another file/,
    );
  });

  it('stops before the last bytes of the layer when the file changes during the upload', async () => {
    const source = join(dir, 'during.bin');
    await writeFile(source, randomBytes(6 * 1024 * 1024));
    const layer = await prepareLayer({ path: 'during.bin', source, type: 'weight' });
    let received = 0;
    const upload = (async () => {
      for await (const chunk of openLayer(layer)) {
        if (received === 0) {
          await writeFile(source, randomBytes(6 * 1024 * 1024));
          const later = new Date(Date.now() + 5000);
          await utimes(source, later, later);
        }
        received += chunk.length;
      }
    })();
    await expect(upload).rejects.toThrow(/during\.bin' changed while it was being published/);
    expect(received).toBeLessThan(layer.descriptor.size);
  });

  it('builds byte-identical manifests from the same files and metadata', async () => {
    const source = join(dir, 'stable.bin');
    await writeFile(source, 'stable');
    const meta = { name: 'iris', version: '1.0.0', created: '2024-01-01T00:00:00Z' };
    const build = async () => {
      const layer = await prepareLayer({ path: 'stable.bin', source, type: 'weight' });
      const config = buildModelConfig(meta, [layer.descriptor]);
      return buildModelManifest(meta, config.descriptor, [layer.descriptor]);
    };
    expect((await build()).bytes.equals((await build()).bytes)).toBe(true);
  });
});
