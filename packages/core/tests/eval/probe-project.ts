// A minimal classification project in a temporary folder, for the eval tests that run a real command:
// slipway.yaml with one test set `t` (t.jsonl), the command's script, and any other files given.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const created: string[] = [];
afterAll(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

export interface ProbeProject {
  /** Names the temporary folder. */
  readonly label: string;
  /** The script `eval:` (and `train:`, with `train`) runs with python3. */
  readonly script: { readonly name: string; readonly text: string };
  readonly train?: boolean;
  /** Lines appended to slipway.yaml (artifact:, …). */
  readonly yaml?: readonly string[];
  /** The test set's lines. */
  readonly rows: readonly string[];
  /** Other files, by path. */
  readonly files?: Readonly<Record<string, string>>;
}

export async function probeProject(probe: ProbeProject): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-${probe.label}-`));
  created.push(dir);
  const command = `  command: [python3, ${probe.script.name}]`;
  await writeFile(
    join(dir, 'slipway.yaml'),
    [
      'apiVersion: slipway.dev/v1',
      'kind: Project',
      'model: { name: probe, owner: "@acme/ml" }',
      'task: classification',
      'classes: [a, b]',
      ...(probe.train ? ['train:', command] : []),
      'eval:',
      command,
      'test-sets:',
      '  - name: t',
      '    path: t.jsonl',
      ...(probe.yaml ?? []),
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, probe.script.name), probe.script.text);
  await writeFile(join(dir, 't.jsonl'), `${probe.rows.join('\n')}\n`);
  for (const [path, text] of Object.entries(probe.files ?? {})) await writeFile(join(dir, path), text);
  return dir;
}
