import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  fitBody,
  htmlSafe,
  logSafe,
  logSafeText,
  markdownSafe,
} from '../../src/errors/index.js';

const startsCommand = (text: string) => text.split(/\r\n|\r|\n/).some((line) => /^\s*::/.test(line));

describe('untrusted text on its way to a reader', () => {
  it('never lets a value start a workflow command on a log line', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(':', 'a', '\n', '\r', ' ', 'e') }), (value) => {
        expect(startsCommand(logSafe(value))).toBe(false);
        expect(startsCommand(`Publishing ${logSafe(value)}`)).toBe(false);
        expect(startsCommand(logSafeText(value))).toBe(false);
      }),
    );
    expect(logSafeText('one\n  two')).toBe('one\n  two');
  });

  it('shows HTML and Markdown in a value as text', () => {
    expect(markdownSafe('<!-- hide')).toBe('&lt;\\!-- hide');
    expect(markdownSafe('**bold** | `code`\nnext')).toBe('\\*\\*bold\\*\\* \\| \\`code\\` next');
    expect(htmlSafe('<b>"x"</b> & y')).toBe('&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y');
  });

  it('cuts a body at a line to fit the limit, says where the rest is, and keeps the tail whole', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `- gate ${i} failed`).join('\n');
    const body = fitBody(text, {
      limit: 2_000,
      rest: 'See the report.',
      tail: '\n<details>record</details>',
    });
    expect(body.length).toBeLessThanOrEqual(2_000);
    expect(body).toMatch(
      /- gate \d+ failed\n\n_…cut to fit GitHub's 2,000-character limit\. See the report\._\n\n<details>record<\/details>$/,
    );
    expect(fitBody('short', { rest: 'x' })).toBe('short');
  });

  it('removes a secret from error text in every form it travels in', () => {
    const redactor = createRedactor(['ghs_token123']);
    redactor.addBasic('alice', 'p@ss word!');
    const basic = Buffer.from('alice:p@ss word!').toString('base64');
    const echoed = `authorization: Basic ${basic}; token ghs_token123; ${encodeURIComponent('p@ss word!')}; "p@ss word!"`;
    const redacted = redactor.redact(echoed);
    for (const secret of [basic, 'ghs_token123', 'p@ss word!', encodeURIComponent('p@ss word!')]) {
      expect(redacted).not.toContain(secret);
    }
    expect(redactor.forms).toContain(basic);
  });
});
