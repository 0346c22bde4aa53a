// Maps a path inside the data (as ajv reports it) back to the YAML node it came from.
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { type SourcePosition, wholeFile } from './finding.js';

export type PathSegment = string | number;

/** `/test-sets/0/slices` → ['test-sets', 0, 'slices'] (JSON Pointer, RFC 6901). */
export function parsePointer(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

/** ['test-sets', 0, 'slices'] → `test-sets[0].slices`, as a person writes it. */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    const key = /^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment);
    return text === '' ? key : `${text}.${key}`;
  }, '');
}

interface Located {
  readonly value?: Node | null;
  readonly key?: Node | null;
}

function find(document: Document, segments: readonly PathSegment[]): Located {
  let node: unknown = document.contents;
  let key: Node | null = null;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return { value: node as Node, key };
      key = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return { value: node as Node, key };
      key = null;
      node = item;
    } else {
      break;
    }
  }
  return { value: (node as Node | null) ?? null, key };
}

function position(node: Node | null | undefined, lineCounter: LineCounter): SourcePosition | undefined {
  const range = node?.range;
  if (!range) return undefined;
  const start = lineCounter.linePos(range[0]);
  const end = lineCounter.linePos(Math.max(range[1], range[0] + 1));
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

/** Where a value sits; for an empty value (`key:` with nothing after), where its key sits. */
export function locateValue(
  document: Document,
  lineCounter: LineCounter,
  segments: readonly PathSegment[],
): SourcePosition {
  const found = find(document, segments);
  const value = found.value;
  const isEmpty =
    !value || (isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1]);
  return (
    (isEmpty ? position(found.key, lineCounter) : position(value, lineCounter)) ??
    position(found.key, lineCounter) ??
    wholeFile
  );
}

/** Where the key of a mapping entry sits (for an unknown key, we point at the key, not its value). */
export function locateKey(
  document: Document,
  lineCounter: LineCounter,
  segments: readonly PathSegment[],
): SourcePosition {
  const found = find(document, segments);
  return position(found.key, lineCounter) ?? position(found.value, lineCounter) ?? wholeFile;
}
