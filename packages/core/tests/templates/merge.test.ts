import { mergeText, planMerge } from '@slipway/core/templates';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const b = (text: string) => Buffer.from(text);
const files = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([p, t]) => [p, b(t)]));

describe('planning a template update', () => {
  const plan = (
    base: Record<string, string>,
    theirs: Record<string, string>,
    yours: Record<string, string>,
  ) =>
    planMerge({
      base: files(base),
      theirs: files(theirs),
      yours: (path) => (path in yours ? b(yours[path] as string) : undefined),
      managed: ['.github/workflows/'],
    });

  it('writes what the template changed where you did not, and leaves what it did not change alone', () => {
    expect(plan({ a: '1', b: '1' }, { a: '2', b: '1' }, { a: '1', b: 'mine' })).toEqual([
      { path: 'a', action: 'write' },
    ]);
  });

  it('merges files both you and the template changed', () => {
    expect(plan({ a: '1' }, { a: '2' }, { a: '3' })).toEqual([{ path: 'a', action: 'merge' }]);
  });

  it('keeps a file you deleted deleted, and says the template had changed it', () => {
    expect(plan({ a: '1' }, { a: '2' }, {})).toEqual([
      {
        path: 'a',
        action: 'keep',
        note: 'you deleted this file and the template changed it; it stays deleted',
      },
    ]);
  });

  it('removes a file the template dropped only when you had not edited it', () => {
    expect(plan({ a: '1', b: '1' }, {}, { a: '1', b: 'mine' })).toEqual([
      { path: 'a', action: 'remove' },
      { path: 'b', action: 'keep', note: 'the template removed this file; you had edited it, so it is kept' },
    ]);
  });

  it('replaces a managed workflow you edited, and reports the edit', () => {
    const [step] = plan(
      { '.github/workflows/ci.yml': '1' },
      { '.github/workflows/ci.yml': '2' },
      { '.github/workflows/ci.yml': '3' },
    );
    expect(step).toMatchObject({ path: '.github/workflows/ci.yml', action: 'replace' });
    expect(step?.note).toMatch(/your hand edits were replaced/);
  });

  it('treats a file the template adds where you already have one as a merge, never an overwrite', () => {
    expect(plan({}, { a: 'template' }, { a: 'mine' })).toEqual([{ path: 'a', action: 'merge' }]);
    expect(plan({}, { a: 'new' }, {})).toEqual([{ path: 'a', action: 'write' }]);
  });

  it('accounts for every path the template changed: each is planned, or already as the template has it', () => {
    const text = fc.constantFrom('1', '2', '3');
    const side = fc.dictionary(fc.constantFrom('a', 'b', 'c', '.github/workflows/x.yml'), text);
    fc.assert(
      fc.property(side, side, side, (base, theirs, yours) => {
        const planned = new Set(plan(base, theirs, yours).map((s) => s.path));
        for (const path of new Set([...Object.keys(base), ...Object.keys(theirs)])) {
          if (base[path] === theirs[path]) continue;
          const settled = yours[path] === theirs[path];
          expect(planned.has(path) || settled, path).toBe(true);
        }
      }),
    );
  });
});

describe('merging text with git merge-file', () => {
  const labels = { yours: 'yours', base: 'template 1.0.0', theirs: 'template 1.1.0' };
  const base = 'one\ntwo\nthree\nfour\nfive\nsix\n';

  it('combines edits that do not overlap', async () => {
    const merged = await mergeText(
      b('ONE\ntwo\nthree\nfour\nfive\nsix\n'),
      b(base),
      b('one\ntwo\nthree\nfour\nfive\nSIX\n'),
      labels,
    );
    expect(merged).toEqual({ content: b('ONE\ntwo\nthree\nfour\nfive\nSIX\n'), conflicts: 0 });
  });

  it('marks overlapping edits with diff3 blocks: yours, the base, the template', async () => {
    const merged = await mergeText(
      b(base.replace('three', 'mine')),
      b(base),
      b(base.replace('three', 'theirs')),
      labels,
    );
    expect(merged.conflicts).toBe(1);
    expect(merged.content.toString()).toBe(
      'one\ntwo\n<<<<<<< yours\nmine\n||||||| template 1.0.0\nthree\n=======\ntheirs\n>>>>>>> template 1.1.0\nfour\nfive\nsix\n',
    );
  });
});

describe('planning the modes and renames of a template update', () => {
  const base = files({ 'run.sh': 'run', 'old.py': 'model' });
  const modes = (executable: { base: string[]; theirs: string[]; yours: string[] }) => ({
    base: new Set(executable.base),
    theirs: new Set(executable.theirs),
    yours: (path: string) => executable.yours.includes(path),
  });

  it('carries a mode the template changed, unless you had changed it yourself', () => {
    const planned = (yours: string[]) =>
      planMerge({
        base,
        theirs: base,
        yours: (path) => base.get(path),
        managed: [],
        modes: modes({ base: [], theirs: ['run.sh', 'old.py'], yours }),
      });
    expect(planned([])).toEqual([
      { path: 'old.py', action: 'mode', executable: true, note: 'made executable, as in the template' },
      { path: 'run.sh', action: 'mode', executable: true, note: 'made executable, as in the template' },
    ]);
    expect(planned(['run.sh', 'old.py'])).toEqual([]);
  });

  it('plans a renamed file as its removal and your file carried to the new name', () => {
    const theirs = files({ 'run.sh': 'run', 'new.py': 'model, changed' });
    const renames = new Map([['old.py', 'new.py']]);
    const yours = files({ 'run.sh': 'run', 'old.py': 'model, mine' });
    expect(planMerge({ base, theirs, yours: (p) => yours.get(p), managed: [], renames })).toEqual([
      { path: 'old.py', action: 'remove', note: 'renamed to new.py' },
      {
        path: 'new.py',
        from: 'old.py',
        action: 'merge',
        note: 'renamed from old.py: your edits carried over',
      },
    ]);
  });

  it('keeps a renamed file you deleted deleted, naming both paths', () => {
    const theirs = files({ 'run.sh': 'run', 'new.py': 'model' });
    const renames = new Map([['old.py', 'new.py']]);
    expect(planMerge({ base, theirs, yours: () => undefined, managed: [], renames })).toEqual([
      {
        path: 'new.py',
        action: 'keep',
        note: 'you deleted old.py, which the template now names new.py; it stays deleted',
      },
    ]);
  });
});
