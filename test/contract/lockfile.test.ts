// `npm ci` on a fresh clone needs a lock that lists every optional dependency of every locked package, on every
// platform (biome's, nx's and esbuild's native binaries), not just this machine's: npm 11 leaves them out when
// the lock is rewritten over an existing node_modules, and `npm ci` then refuses the lock as out of sync.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/run-action.js';

interface LockedPackage {
  version?: string;
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};

/** Where npm resolves `name` from the package at `at`: its own node_modules, then each one above it. */
function resolved(at: string, name: string): string | undefined {
  let dir = at;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}

describe('package-lock.json', () => {
  it('is a lockfile version 3 lock', () => expect(lock.lockfileVersion).toBe(3));

  it("lists every platform's optional binaries, so npm ci accepts it on a fresh clone anywhere", () => {
    const missing: string[] = [];
    let optional = 0;
    for (const [at, locked] of Object.entries(lock.packages)) {
      for (const name of Object.keys(locked.optionalDependencies ?? {})) {
        optional++;
        if (!resolved(at, name)) missing.push(`${at || '(root)'} → ${name}`);
      }
    }
    expect(optional).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
