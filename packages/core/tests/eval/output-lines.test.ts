import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputLines } from '../../src/eval/output-lines.js';

function linesOf(chunks: readonly string[], limit?: number): string[] {
  const lines: string[] = [];
  const splitter = new OutputLines((line) => lines.push(line), limit);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('splitting command output into log lines', () => {
  it('ends lines at \\n and \\r\\n, and lets \\r start the line over as a terminal does', () => {
    expect(linesOf(['one\ntwo\r\nthree'])).toEqual(['one', 'two', 'three']);
    expect(linesOf(['\r 10%|#', '\r 50%|###', '\r100%|#####\n', 'next\n'])).toEqual(['100%|#####', 'next']);
    expect(linesOf(['two\r', '\nthree\r', 'four'])).toEqual(['two', 'four']);
    expect(linesOf(['ends with a return\r'])).toEqual(['ends with a return']);
    expect(linesOf([''])).toEqual([]);
  });

  it('gives the same lines however the output is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '\n', '\r', 'é') }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (text, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const point of points) {
            chunks.push(text.slice(from, point));
            from = point;
          }
          chunks.push(text.slice(from));
          expect(linesOf(chunks, 3)).toEqual(linesOf([text], 3));
        },
      ),
    );
  });

  it('keeps at most the bound of a long line and says how much was cut', () => {
    expect(linesOf(['abcdef', 'gh\nok\n'], 4)).toEqual(['abcd … (4 more characters cut)', 'ok']);
  });
});
