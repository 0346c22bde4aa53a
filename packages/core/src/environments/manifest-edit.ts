// Edits named values in a YAML manifest and nothing else: every other byte of the file stays as it was.
//
// Why not `doc.setIn(...)` then `doc.toString()`: the yaml package re-serialises the whole document on
// toString (indentation of sequences, long-line folding, spacing before comments), so a reviewer would see
// unrelated lines move. Instead we use the yaml Document API to *find* the nodes and their source ranges,
// and splice new text into the original string at exactly those ranges. Comments, key order, quoting and
// blank lines outside the edited values are therefore untouched by construction, and every edit is checked
// by parsing the result again (edit then parse = intended value).

import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseAllDocuments,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { SlipwayError } from '../errors/index.js';

export type YamlPath = readonly (string | number)[];

export interface ManifestEdit {
  readonly path: YamlPath;
  /** The new text value; `undefined` removes the key (used for lineage values that no longer apply). */
  readonly value: string | undefined;
}

/** A manifest that cannot be edited as asked: names the file and the YAML path. */
export class ManifestEditError extends SlipwayError {
  override readonly name = 'ManifestEditError';
}

/** `spec.predictor.model.storageUri` / `spec.containers[0].image` → segments. */
export function parseYamlPath(text: string): YamlPath {
  const segments: (string | number)[] = [];
  for (const part of text.split('.')) {
    const match = /^([A-Za-z0-9_-]+)((?:\[\d+\])*)$/.exec(part);
    if (!match)
      throw new ManifestEditError(
        `Invalid YAML path '${text}'. Expected keys joined by dots, with [n] for list items.`,
      );
    segments.push(match[1]!);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

export function formatYamlPath(path: YamlPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/**
 * The document Slipway reads and edits. A file may carry a Namespace, Secret or ConfigMap beside the
 * InferenceService, so "the first document" is no answer: writing a storage URI into a Namespace is worse
 * than stopping. In order, the first test that some document passes decides: it holds `anchor` (the
 * storage URI path); it holds the mapping that would hold the anchor; it is `kind: InferenceService` (a
 * lone document without `kind`, a fragment, counts). More than one such document, or none, is an error.
 */
function selectDocument(text: string, anchor: YamlPath, file: string): Document.Parsed {
  const documents = parseStream(text, file).filter((d) => d.contents !== null);
  if (documents.length === 0)
    throw new ManifestEditError(
      `${file}: the file is empty; expected a Kubernetes manifest (a YAML mapping).`,
    );
  const parent = anchor.slice(0, -1);
  const tests: [string, (d: Document.Parsed) => boolean][] = [
    [`hold ${formatYamlPath(anchor)}`, (d) => d.hasIn(anchor)],
    [`hold ${formatYamlPath(parent)}`, (d) => parent.length > 0 && isCollection(d.getIn(parent, true))],
    [
      'are kind: InferenceService',
      (d) => kindOf(d) === 'InferenceService' || (documents.length === 1 && kindOf(d) === undefined),
    ],
  ];
  for (const [what, test] of tests) {
    const found = documents.filter(test);
    if (found.length > 1) {
      throw new ManifestEditError(
        `${file}: ${found.length} documents ${what} (at lines ${found.map((d) => lineOf(text, d)).join(', ')}); expected one. Slipway edits one model's InferenceService per file: move the others to files of their own.`,
      );
    }
    const [chosen] = found;
    if (!chosen) continue;
    if (!isMap(chosen.contents))
      throw new ManifestEditError(`${file}: expected a YAML mapping at the top of the manifest.`);
    return chosen;
  }
  const kinds = documents.map((d) => `${kindOf(d) ?? 'no kind'} at line ${lineOf(text, d)}`).join(', ');
  throw new ManifestEditError(
    `${file}: no document holds ${formatYamlPath(anchor)} or is kind: InferenceService (found ${kinds}). Expected the model's InferenceService; add it to the file, or point the model's manifest at the file that has it.`,
  );
}

function parseStream(text: string, file: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(documents)) throw new ManifestEditError(`${file}: not a YAML document stream.`);
  for (const document of documents) {
    const error = document.errors[0];
    if (error) {
      const { line, col } = error.linePos?.[0] ?? { line: 0, col: 0 };
      throw new ManifestEditError(
        `${file}: invalid YAML at line ${line}, column ${col}: ${error.message.split('\n')[0]}`,
      );
    }
  }
  return documents;
}

function kindOf(document: Document.Parsed): string | undefined {
  const kind = document.get('kind');
  return typeof kind === 'string' ? kind : undefined;
}

/** 1-based line where the document's content starts, for messages. */
const lineOf = (text: string, document: Document.Parsed) =>
  text.slice(0, document.contents?.range?.[0] ?? document.range[0]).split('\n').length;

/** The text value at `path` in the document that holds `anchor`, or undefined when absent or not a scalar. */
export function readManifestValue(
  text: string,
  path: YamlPath,
  anchor: YamlPath = path,
  file = 'manifest',
): string | undefined {
  const value = selectDocument(text, anchor, file).getIn(path, true);
  if (!isScalar(value) || value.value === null || value.value === undefined) return undefined;
  return String(value.value);
}

/** Applies the edits in order; `anchor` picks the document in a multi-document file. */
export function editManifest(
  text: string,
  edits: readonly ManifestEdit[],
  anchor: YamlPath,
  file = 'manifest',
): string {
  let result = text;
  for (const edit of edits) {
    result = applyEdit(result, edit, anchor, file);
    const written = readManifestValue(result, edit.path, anchor, file);
    if (written !== edit.value) {
      // Cannot happen unless the splicing above is wrong; refuse to hand back a manifest that says otherwise.
      throw new ManifestEditError(
        `${file}: writing ${formatYamlPath(edit.path)} did not round-trip (read back ${JSON.stringify(written)}).`,
      );
    }
  }
  return result;
}

function applyEdit(text: string, edit: ManifestEdit, anchor: YamlPath, file: string): string {
  const document = selectDocument(text, anchor, file);
  const where = (depth: number) => `${file}: ${formatYamlPath(edit.path.slice(0, depth)) || 'the top level'}`;
  let node: unknown = document.contents;
  let ownerPair: Pair | undefined;
  // Columns of the keys above: new nested keys copy the file's own indentation step.
  let parentColumn = -1;
  let parentOfOwner = -1;
  for (let depth = 0; depth < edit.path.length; depth++) {
    const segment = edit.path[depth]!;
    const last = depth === edit.path.length - 1;
    if (isScalar(node) && node.value === null && ownerPair) {
      // `annotations:` with nothing after it: the rest of the path becomes a nested block under the key.
      if (edit.value === undefined) return text;
      const column = columnOf(text, (ownerPair.key as Node).range![0]);
      const step = column - parentOfOwner > 0 ? column - parentOfOwner : 2;
      const block = blockLines(edit.path.slice(depth), edit.value, column + step, step, lineEnding(text));
      return fillEmptyValue(text, node, block);
    }
    if (isSeq(node)) {
      if (typeof segment !== 'number')
        throw new ManifestEditError(`${where(depth)}: expected a mapping, found a list.`);
      if (node.items[segment] === undefined) {
        throw new ManifestEditError(
          `${where(depth + 1)} does not exist; Slipway sets values in existing list items only.`,
        );
      }
      ownerPair = undefined;
      node = node.items[segment];
      continue;
    }
    if (!isMap(node))
      throw new ManifestEditError(`${where(depth)}: expected a mapping, found ${describe(node)}.`);
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
    if (!pair) {
      if (edit.value === undefined) return text;
      return insertIntoMap(text, node, edit.path.slice(depth), edit.value, parentColumn, parentOfOwner);
    }
    parentOfOwner = parentColumn;
    parentColumn = columnOf(text, (pair.key as Node).range![0]);
    if (last) return replaceValue(text, node, pair, edit, where(depth + 1));
    ownerPair = pair;
    node = pair.value;
  }
  return text;
}

function replaceValue(text: string, map: YAMLMap, pair: Pair, edit: ManifestEdit, where: string): string {
  const value = pair.value as Node | null;
  if (value && !isScalar(value))
    throw new ManifestEditError(`${where}: expected a text value, found ${describe(value)}.`);
  if (edit.value === undefined) return removePair(text, map, pair, where);
  if (!value?.range) return text; // unreachable: the yaml parser always gives a (null) scalar
  const [start, end] = value.range;
  if (start === end) return splice(text, start, end, ` ${renderScalar(edit.value, 'PLAIN')}`);
  if (value.value !== null && String(value.value) === edit.value && typeof value.value === 'string')
    return text;
  const { type } = value as Scalar;
  if (type === 'BLOCK_FOLDED' || type === 'BLOCK_LITERAL') return replaceBlockScalar(text, value, edit.value);
  return splice(text, start, end, renderScalar(edit.value, type));
}

/**
 * `key: >-` with the value on the lines below. The scalar's range runs from the indicator to the end of
 * its last line, line break included, so the header (and its comment) is kept, the chomping made `-` (a
 * value has no trailing newline), and the content rewritten at its own indentation. A value a block
 * cannot hold on one line (line breaks, tabs, edge spaces) becomes a flow scalar that keeps the line break.
 */
function replaceBlockScalar(text: string, scalar: Node, value: string): string {
  const [start, end] = scalar.range!;
  const eol = lineEnding(text);
  const headerEnd = text.indexOf('\n', start);
  // An explicit indentation indicator (`|2`) makes leading spaces content: left to the flow form below.
  const header = /^([|>])[+-]?([ \t]+#.*|[ \t]*)$/.exec(
    text.slice(start, headerEnd < 0 ? end : headerEnd).replace(/\r$/, ''),
  );
  const body = headerEnd < 0 ? '' : text.slice(headerEnd + 1, end);
  const indent = /^([ ]+)\S/m.exec(body)?.[1];
  const keepsLineBreak = /\n$/.test(text.slice(start, end));
  if (header && indent && value !== '' && !/^\s|\s$|[\n\r\t]/.test(value)) {
    const rewritten = `${header[1]}-${header[2]}${eol}${indent}${value}${keepsLineBreak ? eol : ''}`;
    return splice(text, start, end, rewritten);
  }
  const valueEnd = end - (text.slice(start, end).match(/\r?\n$/)?.[0].length ?? 0);
  return splice(text, start, valueEnd, renderScalar(value, 'PLAIN'));
}

/**
 * `annotations:` with nothing after it (or `null`, `~`), perhaps followed by a comment: the rest of the
 * path becomes a block on the lines after the key's line. The null scalar's range sits before any comment,
 * so splicing there would push the comment onto the new key's line; the block goes after the line instead.
 */
function fillEmptyValue(text: string, empty: Node, block: string): string {
  const [start, end] = empty.range!;
  const newline = text.indexOf('\n', start);
  const lineEnd =
    newline < 0 ? text.length : newline > 0 && text[newline - 1] === '\r' ? newline - 1 : newline;
  const rest = text.slice(end, lineEnd);
  const head = rest.trim() === '' ? text.slice(0, start).replace(/[ \t]+$/, '') : text.slice(0, start);
  return `${head}${rest}${lineEnding(text)}${trimLineEnd(block)}${text.slice(lineEnd)}`;
}

function removePair(text: string, map: YAMLMap, pair: Pair, where: string): string {
  if (map.flow)
    throw new ManifestEditError(
      `${where}: cannot remove a key from a flow mapping ({…}); write the mapping in block style.`,
    );
  const keyStart = (pair.key as Node).range![0];
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  const valueEnd = (pair.value as Node | null)?.range?.[1] ?? (pair.key as Node).range![1];
  return splice(text, lineStart, lineAfter(text, valueEnd), '');
}

function insertIntoMap(
  text: string,
  map: YAMLMap,
  path: YamlPath,
  value: string,
  parentColumn: number,
  grandparentColumn: number,
): string {
  if (path.some((s) => typeof s === 'number')) {
    throw new ManifestEditError(
      `Cannot create list items for ${formatYamlPath(path)}; add the list to the manifest first.`,
    );
  }
  if (map.flow) {
    const [start, end] = map.range!;
    const inner = flowText(path, value);
    if (map.items.length === 0) {
      // `annotations: {}` is common in generated manifests: turn it into a block so the result reads naturally.
      const step =
        parentColumn > grandparentColumn && grandparentColumn >= 0 ? parentColumn - grandparentColumn : 2;
      const column = parentColumn >= 0 ? parentColumn + step : 0;
      let from = start;
      while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
      const block = trimLineEnd(blockLines(path, value, column, step, lineEnding(text)));
      return splice(text, from, end, `${lineEnding(text)}${block}`);
    }
    // Right after the last value, not before the closing brace: that keeps a trailing comma (`{a: b,}`)
    // valid, a comment after the value in place, and never finds an enclosing mapping's brace.
    const lastPair = map.items[map.items.length - 1]!;
    const at = (lastPair.value as Node | null)?.range?.[1] ?? (lastPair.key as Node).range![1];
    return splice(text, at, at, `, ${inner}`);
  }
  const first = map.items[0];
  const lastPair = map.items[map.items.length - 1];
  const eol = lineEnding(text);
  if (!first || !lastPair)
    return `${text}${text.endsWith('\n') || text === '' ? '' : eol}${blockLines(path, value, 0, 2, eol)}`;
  const column = columnOf(text, (first.key as Node).range![0]);
  const step = parentColumn >= 0 && column > parentColumn ? column - parentColumn : 2;
  const lastEnd = (lastPair.value as Node | null)?.range?.[1] ?? (lastPair.key as Node).range![1];
  const at = lineAfter(text, lastEnd);
  const needsNewline = at === text.length && !text.endsWith('\n');
  return splice(text, at, at, `${needsNewline ? eol : ''}${blockLines(path, value, column, step, eol)}`);
}

/** `a: { b: v }` for the rest of a path inside a flow mapping. */
function flowText(path: YamlPath, value: string): string {
  const [head, ...rest] = path;
  const key = renderKey(String(head));
  return rest.length === 0 ? `${key}: ${JSON.stringify(value)}` : `${key}: { ${flowText(rest, value)} }`;
}

/** The rest of a path as nested block lines, each level `step` spaces deeper; ends with a line break. */
function blockLines(path: YamlPath, value: string, column: number, step = 2, eol = '\n'): string {
  const lines: string[] = [];
  path.forEach((segment, i) => {
    const indent = ' '.repeat(column + step * i);
    const last = i === path.length - 1;
    lines.push(`${indent}${renderKey(String(segment))}:${last ? ` ${renderScalar(value, 'PLAIN')}` : ''}`);
  });
  return `${lines.join(eol)}${eol}`;
}

/** The file's own line break (a CRLF file gets CRLF lines), judged by its first line. */
const lineEnding = (text: string) => (/\r?\n/.exec(text)?.[0] ?? '\n') as '\n' | '\r\n';

const trimLineEnd = (text: string) => text.replace(/\r?\n$/, '');

/** Renders a text value in the scalar style it replaces; plain only when it reads back as the same text. */
export function renderScalar(value: string, type: Scalar['type']): string {
  if (type === 'QUOTE_SINGLE' && !/[\n\r\t]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if ((type === 'PLAIN' || type === undefined) && isPlainText(value)) return value;
  return JSON.stringify(value);
}

const renderKey = (key: string) => (isPlainText(key) ? key : JSON.stringify(key));

/** True when `value` written without quotes reads back as exactly this string (not a number, bool or null). */
export function isPlainText(value: string): boolean {
  if (value === '' || /^\s|\s$|[\n\r\t]/.test(value)) return false;
  const probe = parseDocument(`k: ${value}\n`);
  if (probe.errors.length > 0 || !isMap(probe.contents) || probe.contents.items.length !== 1) return false;
  const read = probe.contents.items[0]!.value;
  return isScalar(read) && read.type === 'PLAIN' && read.value === value;
}

function describe(node: unknown): string {
  // An alias is someone else's value: writing through it would change the anchor's other users too.
  if (isAlias(node)) return `an alias (*${node.source}); write the value itself there`;
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node))
    return node.value === null ? 'an empty value' : `the value ${JSON.stringify(node.value)}`;
  return 'nothing';
}

const splice = (text: string, start: number, end: number, insert: string) =>
  text.slice(0, start) + insert + text.slice(end);

/** Column of `offset` in its line; a byte-order mark before the first line is no column. */
function columnOf(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return offset - lineStart - (lineStart === 0 && text.startsWith('\uFEFF') ? 1 : 0);
}

/** Offset of the start of the line after the one holding the character before `offset`. */
function lineAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}
