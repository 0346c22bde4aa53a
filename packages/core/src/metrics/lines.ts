// Splits a text stream into lines without holding more than one chunk and one partial line: memory stays flat
// whatever the file size. Chunks are decoded as UTF-8 by the stream (multi-byte characters across chunk
// boundaries are handled by its StringDecoder).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { MetricsInputError } from './errors.js';

// 64 KiB: chunks small enough to live and die in V8's young generation. Larger chunk strings go straight
// to the large-object space, which only a full collection frees, and the process's RSS creeps up with them.
export const CHUNK_BYTES = 1 << 16;

/** Opens a path (or takes a stream) as UTF-8 text; a missing file is a MetricsInputError naming it. */
export async function openText(input: string | Readable, what: string): Promise<Readable> {
  if (typeof input !== 'string') {
    input.setEncoding('utf8');
    return input;
  }
  const stream = createReadStream(input, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new MetricsInputError(
          input,
          error.code === 'ENOENT'
            ? `no such file. Expected ${what} there.`
            : `cannot be read (${error.message}).`,
        ),
      ),
    );
  });
  return stream;
}

/** Calls onLine(line, lineNumber) for every line (without its \n or \r\n); lines are numbered from 1. */
export async function forEachLine(
  stream: Readable,
  onLine: (line: string, lineNumber: number) => void,
): Promise<number> {
  let rest = '';
  let lineNumber = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    let text = chunk;
    if (rest.length > 0) {
      text = rest + chunk;
      rest = '';
    }
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      lineNumber++;
      onLine(
        text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end),
        lineNumber,
      );
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest.length > 0) {
    lineNumber++;
    onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest, lineNumber);
  }
  return lineNumber;
}
