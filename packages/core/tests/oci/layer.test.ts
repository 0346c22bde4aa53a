import { createHash } from 'node:crypto';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
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
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
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

  it('fails the upload when the file changed after it was hashed', async () => {
    const source = join(dir, 'changing.bin');
    await writeFile(source, 'version one');
    const layer = await prepareLayer({ path: 'changing.bin', source, type: 'weight' });
    await writeFile(source, 'version two');
    await expect(collect(openLayer(layer))).rejects.toThrow(
      /changing\.bin' changed while it was being published/,
    );
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
