// Reads a config file into a YAML document with positions, turning every way a file can be unreadable
// into one clear finding: too large, binary, not UTF-8, empty, a syntax error, a duplicate key, an alias bomb.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import { type Document, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { type Finding, type SourcePosition, wholeFile } from './finding.js';

/** Config files are small; anything larger is a mistake (a dataset or model picked up by a glob). */
export const maxConfigBytes = 1024 * 1024;
/** Alias expansions allowed when converting to data: enough for real configs, far below a billion laughs. */
export const maxAliasCount = 200;

export interface ConfigSource {
  readonly file: string;
  readonly text: string;
  /** The document as plain data. */
  readonly data: unknown;
  /** The YAML document with source positions; parsed on first use (only files with findings need it). */
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export type ReadResult =
  | { readonly ok: true; readonly source: ConfigSource }
  | { readonly ok: false; readonly finding: Finding };

export function readConfigSource(path: string, file = path): ReadResult {
  const fail = (rule: string, message: string, at: SourcePosition = wholeFile): ReadResult => ({
    ok: false,
    finding: { file, ...at, severity: 'error', message, path: '', rule },
  });

  let bytes: Buffer;
  try {
    bytes = readBounded(path, maxConfigBytes);
  } catch (error) {
    if (error instanceof TooLarge) {
      return fail(
        'file.too-large',
        `File is ${error.size} bytes; a config file may be at most ${maxConfigBytes} bytes. Is this really a config file?`,
      );
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('file.missing', 'File not found.');
    if (code === 'EISDIR') return fail('file.directory', 'Expected a YAML file, found a directory.');
    if (code === 'ESPECIAL')
      return fail('file.special', 'Expected a YAML file, found a FIFO, socket or device; it is not read.');
    return fail('file.unreadable', `Cannot read the file (${code ?? String(error)}).`);
  }

  if (bytes.includes(0))
    return fail('file.binary', 'File is binary (it contains NUL bytes); expected YAML text.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(
      'file.encoding',
      `File is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(bytes)}); save it as UTF-8.`,
    );
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);

  // Fast path: most configs are valid and need no source positions. js-yaml reads them ~10x faster than
  // the position-keeping parser; it refuses duplicate keys too. Documents with anchors or aliases, and
  // anything js-yaml rejects, take the precise path, which also bounds alias expansion.
  if (!mayHaveAnchorsOrAliases(text)) {
    const data = parseFast(text);
    if (data !== undefined && data !== null) return { ok: true, source: lazySource(file, text, data) };
  }
  if (text.trim() === '' || isOnlyComments(text))
    return fail('file.empty', 'File is empty; expected a YAML mapping with apiVersion and kind.');
  return parsePrecise(file, text, fail);
}

/**
 * Conservative: true unless no line can hold an anchor (&a) or alias (*a). Comments are skipped only on
 * lines without quotes, so a '#' inside a string never hides an alias; when in doubt, the precise path runs.
 */
export function mayHaveAnchorsOrAliases(text: string): boolean {
  if (!text.includes('&') && !text.includes('*')) return false;
  for (const line of text.split('\n')) {
    if (!line.includes('&') && !line.includes('*')) continue;
    const code = /["']/.test(line) ? line : line.replace(/(^|\s)#.*$/, '');
    if (/(^|[\s[{,:-])[&*]\S/.test(code)) return true;
  }
  return false;
}

function parseFast(text: string): unknown {
  try {
    // YAML 1.2's core schema, as the precise parser reads it: no timestamps or other YAML 1.1 types.
    return loadFast(text, { json: false, schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

interface Precise {
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

function parseWithPositions(text: string): Precise {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  return { document, lineCounter };
}

function lazySource(file: string, text: string, data: unknown): ConfigSource {
  let precise: Precise | undefined;
  const get = () => {
    precise ??= parseWithPositions(text);
    return precise;
  };
  return {
    file,
    text,
    data,
    get document() {
      return get().document;
    },
    get lineCounter() {
      return get().lineCounter;
    },
  };
}

function parsePrecise(
  file: string,
  text: string,
  fail: (rule: string, message: string, at?: SourcePosition) => ReadResult,
): ReadResult {
  const { document, lineCounter } = parseWithPositions(text);
  const yamlError = document.errors[0];
  if (yamlError) return { ok: false, finding: yamlFinding(file, yamlError, lineCounter) };

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      const at = firstAliasPosition(text, lineCounter);
      return fail(
        'yaml.alias-bomb',
        `Aliases expand to more than ${maxAliasCount} nodes (a "billion laughs" document); write the values out instead of nesting aliases.`,
        at,
      );
    }
    return fail('yaml.invalid', `Cannot read the YAML: ${(error as Error).message}`);
  }
  if (data === null || data === undefined)
    return fail('file.empty', 'File holds no document; expected a YAML mapping with apiVersion and kind.');
  return { ok: true, source: { file, text, document, lineCounter, data } };
}

class TooLarge extends Error {
  readonly size: number;
  constructor(size: number) {
    super(`too large: ${size}`);
    this.size = size;
  }
}

/**
 * Reads at most `limit` bytes, so a huge file is refused without loading it. Synchronous on purpose:
 * config files are small, and per-file promise overhead dominated validating a thousand of them.
 */
function readBounded(path: string, limit: number): Buffer {
  // Opening a FIFO blocks until something writes to it, unless opened non-blocking: then it opens at once
  // and is refused by what fstat says of it, with no separate look before opening.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() && !stat.isDirectory()) {
      throw Object.assign(new Error('is not a regular file (a FIFO, socket or device)'), {
        code: 'ESPECIAL',
      });
    }
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (stat.size > limit) throw new TooLarge(stat.size);
    const buffer = Buffer.alloc(stat.size);
    let offset = 0;
    while (offset < stat.size) {
      const bytesRead = readSync(fd, buffer, offset, stat.size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

function yamlFinding(file: string, error: YAMLError, lineCounter: LineCounter): Finding {
  const [start, end] = [error.pos[0], Math.max(error.pos[1], error.pos[0] + 1)];
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(end);
  const isDuplicate = error.code === 'DUPLICATE_KEY';
  // The library's message ends with its own position and code frame; we print our own.
  const message = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  return {
    file,
    line: from.line,
    column: from.col,
    endLine: to.line,
    endColumn: to.col,
    severity: 'error',
    message: isDuplicate
      ? `Duplicate key: ${message}. Each key may appear once in a mapping; remove or merge the repeat.`
      : `YAML syntax error: ${message}.`,
    path: '',
    rule: isDuplicate ? 'yaml.duplicate-key' : 'yaml.syntax',
  };
}

function firstAliasPosition(text: string, lineCounter: LineCounter): SourcePosition {
  const index = text.search(/\*[^\s,\]}]+/);
  if (index < 0) return wholeFile;
  const { line, col } = lineCounter.linePos(index);
  return { line, column: col, endLine: line, endColumn: col + 1 };
}

function isOnlyComments(text: string): boolean {
  return text.split('\n').every((line) => /^\s*(#.*)?$/.test(line) || /^\s*(---|\.\.\.)\s*$/.test(line));
}

function firstInvalidUtf8(bytes: Buffer): number {
  // The decoder notices a truncated sequence only at the byte after it; report where that sequence began.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const isContinuation = (i: number) => ((bytes[i] ?? 0) & 0xc0) === 0x80;
  let lastLead = -1;
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return !isContinuation(i) && lastLead >= 0 && (bytes[lastLead] ?? 0) >= 0xc0 ? lastLead : i;
    }
    if (!isContinuation(i)) lastLead = i;
  }
  return bytes.length;
}

/**
 * The text of a config file for printing code frames next to its findings, or undefined when it is not a
 * regular file of bounded size that is text: the doors call this instead of reading the file themselves,
 * so a FIFO named like a config file never blocks them.
 */
export function readSourceForFrames(path: string): string | undefined {
  try {
    const text = readBounded(path, maxConfigBytes).toString('utf8');
    return text.includes('\u0000') ? undefined : text;
  } catch {
    return undefined;
  }
}
