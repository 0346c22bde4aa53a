// Adding and removing a hold in slipway.yaml's `holds:` list, as a byte-preserving text edit (the same
// approach as manifest-edit.ts): every other line of the file, comments included, stays as people wrote it.
import { isMap, isSeq, type Node, type Pair, parseDocument, type YAMLSeq } from 'yaml';
import { isPlainText } from '../manifest-edit.js';
import { type Hold, PromotionError } from './contract.js';

const scalar = (value: string) => (isPlainText(value) ? value : JSON.stringify(value));

function holdLines(hold: Hold, indent: string): string {
  const fields: [string, string | undefined][] = [
    ['environment', hold.environment],
    ['model', hold.model],
    ['reason', hold.reason],
    ['since', hold.since],
    ['by', hold.by],
  ];
  const present = fields.filter((f): f is [string, string] => f[1] !== undefined);
  return present
    .map(([key, value], i) => `${indent}${i === 0 ? '- ' : '  '}${key}: ${scalar(value)}\n`)
    .join('');
}

function holdsPair(text: string, where: string): { pair: Pair | undefined; seq: YAMLSeq | undefined } {
  const document = parseDocument(text);
  if (!isMap(document.contents)) throw new PromotionError(`${where}: expected a YAML mapping.`, { where });
  const pair = document.contents.items.find((p) => (p.key as { value?: unknown }).value === 'holds');
  if (pair && pair.value !== null && !isSeq(pair.value))
    throw new PromotionError(`${where}: holds must be a list.`, {
      where,
      expected: 'holds: [] or a block list',
    });
  return { pair, seq: (pair?.value as YAMLSeq | null) ?? undefined };
}

const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const lineAfter = (text: string, offset: number) => {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
};

/** slipway.yaml's text with `hold` added to `holds:` (the key is created at the end when missing). */
export function addHold(text: string, hold: Hold, where = 'slipway.yaml'): string {
  const { pair, seq } = holdsPair(text, where);
  let result: string;
  if (!pair) {
    const sep = text.endsWith('\n') ? '' : '\n';
    result = `${text}${sep}holds:\n${holdLines(hold, '  ')}`;
  } else if (!seq || seq.items.length === 0) {
    // `holds: []` or `holds:` with nothing: the rest of that line becomes a block list under the key.
    const key = pair.key as Node;
    const valueEnd = (pair.value as Node | null)?.range?.[1] ?? key.range![1];
    result = `${text.slice(0, key.range![1])}:\n${holdLines(hold, '  ')}${text.slice(lineAfter(text, valueEnd))}`;
  } else if (seq.flow) {
    throw new PromotionError(
      `${where}: holds is written as a flow list ([…]); write it as a block list (- …) so Slipway can add to it.`,
      { where },
    );
  } else {
    const first = seq.items[0] as Node;
    const column = first.range![0] - lineStart(text, first.range![0]) - 2;
    const last = seq.items.at(-1) as Node;
    const at = lineAfter(text, last.range![1]);
    const sep = at === text.length && !text.endsWith('\n') ? '\n' : '';
    result = `${text.slice(0, at)}${sep}${holdLines(hold, ' '.repeat(Math.max(column, 0)))}${text.slice(at)}`;
  }
  check(result, where, (holds) =>
    holds.some((h) => h.environment === hold.environment && h.model === hold.model),
  );
  return result;
}

/** slipway.yaml's text without the hold on (environment, model); unchanged when there is none. */
export function removeHold(text: string, environment: string, model: string, where = 'slipway.yaml'): string {
  const { pair, seq } = holdsPair(text, where);
  if (!pair || !seq) return text;
  const index = seq.items.findIndex((item) => {
    const value = (item as { toJSON?: () => unknown }).toJSON?.() as Partial<Hold> | undefined;
    return value?.environment === environment && value.model === model;
  });
  if (index < 0) return text;
  if (seq.flow)
    throw new PromotionError(
      `${where}: holds is written as a flow list ([…]); write it as a block list (- …).`,
      { where },
    );
  const item = seq.items[index] as Node;
  let result: string;
  if (seq.items.length === 1) {
    const key = pair.key as Node;
    result = `${text.slice(0, key.range![1])}: []\n${text.slice(lineAfter(text, item.range![1]))}`;
  } else {
    result = text.slice(0, lineStart(text, item.range![0])) + text.slice(lineAfter(text, item.range![1]));
  }
  check(result, where, (holds) => !holds.some((h) => h.environment === environment && h.model === model));
  return result;
}

function check(text: string, where: string, ok: (holds: Hold[]) => boolean): void {
  const data = parseDocument(text).toJS() as { holds?: Hold[] | null };
  // Cannot happen unless the splice above is wrong; refuse to hand back a file that says otherwise.
  if (!ok(data.holds ?? []))
    throw new PromotionError(`${where}: editing holds did not round-trip; the file was left unchanged.`, {
      where,
    });
}
