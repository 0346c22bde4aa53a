import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStickyComment, renderStickyComment, stickyMarkerLine } from '../../src/github/sticky-comment.js';

const marker = fc
  .stringMatching(/^[A-Za-z0-9:._/@][A-Za-z0-9:._/@-]{0,30}$/)
  .filter((m) => !m.includes('--'));

describe('sticky comments', () => {
  it('finds the comment it rendered, whatever the body says', () => {
    fc.assert(
      fc.property(marker, fc.string(), (m, body) => isStickyComment(renderStickyComment(m, body), m)),
    );
  });

  it('never mistakes another marker for its own, even one it is a prefix of', () => {
    fc.assert(
      fc.property(marker, marker, fc.string(), (mine, other, body) => {
        fc.pre(mine !== other);
        return !isStickyComment(renderStickyComment(other, body), mine);
      }),
    );
    expect(
      isStickyComment(renderStickyComment('slipway:accuracy-test:eval', 'x'), 'slipway:accuracy-test'),
    ).toBe(false);
  });

  it('ignores a comment that only quotes the marker further down', () => {
    const quoted = `See below\n${stickyMarkerLine('slipway:accuracy-test')}`;
    expect(isStickyComment(quoted, 'slipway:accuracy-test')).toBe(false);
    expect(isStickyComment(null, 'slipway:accuracy-test')).toBe(false);
  });

  it('refuses a marker that could close the hidden HTML comment early', () => {
    expect(() => stickyMarkerLine('evil -->')).toThrow(/Invalid sticky comment marker 'evil -->'/);
    expect(() => stickyMarkerLine('a--b')).toThrow(/without '--'/);
    expect(() => stickyMarkerLine('')).toThrow(/Invalid sticky comment marker/);
  });
});
