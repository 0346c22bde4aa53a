// Reading predictions line by line: time linear in the file whatever its line lengths, a bound on the
// length of one line, and a JSON array recognised from its first character.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsInputError } from '../../src/metrics/errors.js';
import { ingestPredictions } from '../../src/metrics/index.js';
import { CHUNK_BYTES, forEachLine, MAX_LINE_LENGTH } from '../../src/metrics/lines.js';

const created: string[] = [];
afterAll(async () => {
  for (const dir of created) await rm(dir, { recursive: true, force: true });
});

async function lines(chunks: string[], maxLineLength?: number): Promise<[string, number][]> {
  const seen: [string, number][] = [];
  await forEachLine(Readable.from(chunks), (line, n) => seen.push([line, n]), {
    name: 'p.jsonl',
    ...(maxLineLength ? { maxLineLength } : {}),
  });
  return seen;
}

/** A stream of `count` chunks that records how many were read. */
function counted(first: string, filler: string, count: number) {
  const state = { read: 0 };
  const stream = Readable.from(
    (function* () {
      for (let i = 0; i < count; i++) {
        state.read++;
        yield i === 0 ? first : filler;
      }
    })(),
  );
  return { stream, state };
}

describe('lines', () => {
  it('splits lines across chunk boundaries, \r\n included, and keeps a last line without a newline', async () => {
    expect(await lines(['a\r', '\nbb', 'b\nc', 'c\r\n', '\n', 'last'])).toEqual([
      ['a', 1],
      ['bbb', 2],
      ['cc', 3],
      ['', 4],
      ['last', 5],
    ]);
  });

  it('reads a line longer than many chunks once, not once per chunk', async () => {
    // 40 MiB in one line (under a raised bound), in 64 KiB chunks: re-scanning the growing line for each
    // chunk read 640 × 20 MiB on average, about 15 s; once through is a fraction of a second.
    const chunk = 'x'.repeat(CHUNK_BYTES);
    const chunks = Array.from({ length: 640 }, () => chunk);
    const started = performance.now();
    const seen = await lines([...chunks, '\nafter'], 64 * 1024 * 1024);
    expect(seen.map(([line, n]) => [line.length, n])).toEqual([
      [640 * CHUNK_BYTES, 1],
      [5, 2],
    ]);
    expect(performance.now() - started).toBeLessThan(4_000);
  });

  it('stops at a line longer than the bound, naming the file and line, without reading the rest', async () => {
    await expect(lines(['{"id": 1}\n', 'y'.repeat(60), 'y'.repeat(60)], 100)).rejects.toThrow(
      new MetricsInputError(
        'p.jsonl:2',
        'line is longer than 100 characters without a newline. Expected one JSON object per line (JSONL); is the file one JSON document, or written without newlines?',
      ),
    );
    const { stream, state } = counted('z', 'z'.repeat(CHUNK_BYTES), 2 * (MAX_LINE_LENGTH / CHUNK_BYTES));
    await expect(forEachLine(stream, () => {}, { name: 'big.jsonl' })).rejects.toThrow(
      /^big\.jsonl:1: line is longer than 16 MiB without a newline/,
    );
    expect(state.read).toBe(MAX_LINE_LENGTH / CHUNK_BYTES + 1);
  });
});

describe('a predictions file that is a JSON array', () => {
  it('is rejected at its first character, before its one long line is read', async () => {
    const { stream, state } = counted(
      '  [{"id": 1, "label": "a", "prediction": "a"}',
      ', {"id": 2, "label": "a", "prediction": "a"}'.repeat(1000),
      1000,
    );
    const attempt = ingestPredictions(stream, { task: 'classification', testSet: 't', name: 'preds.jsonl' });
    await expect(attempt).rejects.toThrow(
      /^preds\.jsonl:1: starts with '\[': a JSON array, expected one JSON object per line \(JSONL\)/,
    );
    expect(state.read).toBeLessThanOrEqual(2);
  });

  it('is rejected when pretty-printed, one row per line, naming the line of the bracket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-lines-'));
    created.push(dir);
    const path = join(dir, 'preds.jsonl');
    await writeFile(
      path,
      '\n[\n  {"id": 1, "label": "a", "prediction": "a"},\n  {"id": 2, "label": "b", "prediction": "b"}\n]\n',
    );
    await expect(ingestPredictions(path, { task: 'classification', testSet: 't' })).rejects.toThrow(
      `${path}:2: starts with '['`,
    );
  });
});
