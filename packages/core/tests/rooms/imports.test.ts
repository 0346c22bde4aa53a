// The rooms of core stay in their places: docs/architecture.md says which room may import which, and this
// reads every import in packages/core/src to hold the code to it.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '../../src');

const mayImport: Record<string, readonly string[]> = {
  errors: [],
  config: ['errors'],
  metrics: ['config', 'errors'],
  oci: ['metrics', 'config', 'errors'],
  // environments: the deployed baseline (findBaseline), loaded by evaluateProject only when asked for.
  eval: ['metrics', 'oci', 'environments', 'config', 'errors'],
  github: ['errors'],
  environments: ['github', 'oci', 'metrics', 'config', 'errors'],
  templates: ['config', 'errors'],
};

/** Every import and re-export of the room's files (sub-folders included), with the room it reaches. */
function importsOf(room: string): Array<{ file: string; specifier: string; reaches?: string }> {
  const found: Array<{ file: string; specifier: string; reaches?: string }> = [];
  const files = readdirSync(join(src, room), { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.ts'),
  );
  for (const file of files) {
    const path = join(src, room, file);
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
      const specifier = match[1]!;
      const target = specifier.startsWith('.') ? relative(src, resolve(dirname(path), specifier)) : undefined;
      found.push({
        file: `${room}/${file}`,
        specifier,
        ...(target ? { reaches: target.split(/[\\/]/)[0]! } : {}),
      });
    }
  }
  return found;
}

describe('the rooms of core', () => {
  it('has a rule for every room', () => {
    const rooms = readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(rooms.filter((room) => !(room in mayImport))).toEqual([]);
  });

  it('imports only the rooms docs/architecture.md allows, and never @actions/*', () => {
    const breaches: string[] = [];
    const rooms = readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    for (const { name: room } of rooms) {
      const allowed = mayImport[room] ?? [];
      for (const { file, specifier, reaches } of importsOf(room)) {
        if (specifier.startsWith('@actions/')) breaches.push(`${file} imports ${specifier}`);
        if (reaches && reaches !== room && !allowed.includes(reaches))
          breaches.push(`${file} imports ${reaches}/ (${specifier})`);
      }
    }
    expect(breaches).toEqual([]);
  });
});
