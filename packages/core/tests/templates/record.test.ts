import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecord, recordPath, recordText, type TemplateRecord } from '@slipway/core/templates';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

async function roundTrip(record: TemplateRecord): Promise<TemplateRecord> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-record-'));
  try {
    await mkdir(join(dir, '.slipway'));
    await writeFile(join(dir, recordPath), recordText(record));
    return await readRecord(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const base = {
  template: 'pytorch',
  version: '1.2.0',
  source: { repository: '/src/slipway', path: 'templates', commit: 'a'.repeat(40) },
  answers: { name: 'fraud', org: 'acme', description: 'Catches fraud: "all" of it\n# not a comment' },
};

describe('the template record', () => {
  it('reads back every file name as written, however it is spelled', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.oneof(
            fc.string({ minLength: 1 }),
            fc.constantFrom('true', '1.0', '-x', '#x', 'a: b', 'a:', '~', 'null', 'src/ü.py', ' lead', '[x]'),
          ),
          fc.oneof(
            fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`),
            fc.string(),
          ),
          { maxKeys: 12 },
        ),
        async (files) => {
          const record = { ...base, files };
          expect(await roundTrip(record)).toEqual(record);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes a plain path and digest on a line of their own', () => {
    const digest = `sha256:${'0f'.repeat(32)}`;
    expect(recordText({ ...base, files: { 'src/train.py': digest } })).toContain(
      `files:\n  src/train.py: ${digest}\n`,
    );
    expect(recordText({ ...base, files: {} })).toMatch(/\nfiles: \{\}\n$/);
  });
});
