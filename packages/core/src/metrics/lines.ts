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

/**
 * The longest line read: 16 Mi characters. A prediction row is a few hundred bytes; a line this long is a
 * file that is not JSONL (one JSON document, a file without newlines), and holding it whole would grow
 * memory with the file.
 */
export const MAX_LINE_LENGTH = 16 * 1024 * 1024;

export interface LineOptions {
  /** Names the input in errors (`name:line`); default `input`. */
  readonly name?: string;
  /** Longest line accepted, in characters; default MAX_LINE_LENGTH. */
  readonly maxLineLength?: number;
  /**
   * Sees the first non-blank character of the text and its line number as soon as it arrives, before
   * its line is complete: a check of the file's shape that need not wait for a line of any length.
   */
  readonly onFirstCharacter?: (character: string, lineNumber: number) => void;
}

/**
 * Calls onLine(line, lineNumber) for every line (without its \n or \r\n); lines are numbered from 1.
 * Each chunk is searched for newlines once: a line longer than a chunk is kept as its pieces and joined
 * when it ends, never re-scanned, so the time is linear in the file whatever its line lengths.
 */
export async function forEachLine(
  stream: Readable,
  onLine: (line: string, lineNumber: number) => void,
  options: LineOptions = {},
): Promise<number> {
  const max = options.maxLineLength ?? MAX_LINE_LENGTH;
  const name = options.name ?? 'input';
  // The pieces of the line that has not ended yet, from earlier chunks.
  const pending: string[] = [];
  let pendingLength = 0;
  let lineNumber = 0;
  let firstSeen = options.onFirstCharacter === undefined;
  const emit = (piece: string) => {
    lineNumber++;
    let line = piece;
    if (pending.length > 0) {
      if (pendingLength + piece.length > max) throw lineTooLong(name, lineNumber, max);
      pending.push(piece);
      line = pending.join('');
      pending.length = 0;
      pendingLength = 0;
    } else if (piece.length > max) throw lineTooLong(name, lineNumber, max);
    onLine(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, lineNumber);
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    if (!firstSeen) firstSeen = seeFirstCharacter(chunk, lineNumber + 1, options.onFirstCharacter!);
    let start = 0;
    for (;;) {
      const end = chunk.indexOf('\n', start);
      if (end < 0) break;
      emit(chunk.slice(start, end));
      start = end + 1;
    }
    if (start < chunk.length) {
      pendingLength += chunk.length - start;
      if (pendingLength > max) throw lineTooLong(name, lineNumber + 1, max);
      pending.push(start === 0 ? chunk : chunk.slice(start));
    }
  }
  if (pending.length > 0) emit('');
  return lineNumber;
}

/** Calls `see` with the chunk's first non-blank character; false when the chunk is all blank. */
function seeFirstCharacter(
  chunk: string,
  lineNumber: number,
  see: (character: string, lineNumber: number) => void,
): boolean {
  const at = chunk.search(/[^\s\uFEFF]/);
  if (at < 0) return false;
  let line = lineNumber;
  for (let i = chunk.indexOf('\n'); i >= 0 && i < at; i = chunk.indexOf('\n', i + 1)) line++;
  see(chunk[at]!, line);
  return true;
}

function lineTooLong(name: string, lineNumber: number, max: number): MetricsInputError {
  const size = max % (1024 * 1024) === 0 ? `${max / (1024 * 1024)} MiB` : `${max} characters`;
  return new MetricsInputError(
    `${name}:${lineNumber}`,
    `line is longer than ${size} without a newline. Expected one JSON object per line (JSONL); is the file one JSON document, or written without newlines?`,
  );
}
