// A reproducible one-file tar, written header by header.
//
// Why not tar-stream: a layer's digest must be known before its upload starts, and a 1 GiB file is read
// once to hash it and once to send it, without a temporary copy. Writing the 512-byte headers
// ourselves gives the exact layer size up front (Content-Length of a monolithic PUT) and lets the file
// bytes flow straight from disk between a header and padding we already hold in memory.
//
// Every field that could vary between machines is fixed: mtime 0, uid/gid 0, empty user and group
// names, mode 0644. Paths or sizes that do not fit ustar go into a PAX extended header, also fixed.

const BLOCK = 512;
/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2);

const USTAR_NAME = 100;
const USTAR_PREFIX = 155;
/** 11 octal digits: the largest size a ustar header holds (8 GiB - 1). */
const USTAR_MAX_SIZE = 0o77777777777;

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The header block(s) for a regular file at `path` (POSIX separators) of `size` bytes. */
export function tarFileHeader(path: string, size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new Error(`Invalid tar entry size ${size} for '${path}'.`);
  const split = splitUstarPath(path);
  const pax: Array<[string, string]> = [];
  if (!split) pax.push(['path', path]);
  if (size > USTAR_MAX_SIZE) pax.push(['size', String(size)]);
  const header = ustarBlock({
    name: split?.name ?? asciiFallbackName(path),
    prefix: split?.prefix ?? '',
    size: size > USTAR_MAX_SIZE ? 0 : size,
    type: '0',
  });
  if (pax.length === 0) return header;
  const records = Buffer.from(pax.map(([key, value]) => paxRecord(key, value)).join(''), 'utf8');
  const paxHeader = ustarBlock({ name: 'PaxHeaders/entry', prefix: '', size: records.length, type: 'x' });
  return Buffer.concat([paxHeader, records, tarPadding(records.length), header]);
}

/** Bytes of the whole one-file archive: header(s), content, padding and the end blocks. */
export function tarArchiveSize(path: string, size: number): number {
  return tarFileHeader(path, size).length + size + tarPadding(size).length + TAR_END.length;
}

interface UstarFields {
  readonly name: string;
  readonly prefix: string;
  readonly size: number;
  readonly type: '0' | 'x';
}

function ustarBlock(fields: UstarFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(fields.name, 0, USTAR_NAME, 'utf8');
  block.write('0000644\0', 100, 8, 'ascii'); // mode
  block.write('0000000\0', 108, 8, 'ascii'); // uid
  block.write('0000000\0', 116, 8, 'ascii'); // gid
  block.write(`${fields.size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  block.write('00000000000\0', 136, 12, 'ascii'); // mtime
  block.write(fields.type, 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  // uname and gname (32 bytes each) stay empty; devmajor/devminor stay zero.
  block.write(fields.prefix, 345, USTAR_PREFIX, 'utf8');
  // The checksum is computed with its own field read as eight spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** Splits a path into ustar's prefix and name fields, or undefined when it does not fit. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= USTAR_NAME) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut >= 0; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (prefix.length <= USTAR_PREFIX && name.length <= USTAR_NAME && name.length > 0)
      return { prefix, name };
  }
  return undefined;
}

/** The ustar name shown by readers that ignore PAX: the path's tail, ASCII only. */
function asciiFallbackName(path: string): string {
  return path.replace(/[^\x20-\x7e]/g, '_').slice(-USTAR_NAME);
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** A PAX record `<len> <key>=<value>\n`, where len counts the record's own bytes, its digits included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  const digits = String(bodyBytes + String(bodyBytes).length).length;
  const length = bodyBytes + digits;
  return `${String(length).length === digits ? length : length + 1}${body}`;
}
