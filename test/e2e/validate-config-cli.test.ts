// `slipway validate`: the same findings for a person, and as JSON for machines.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCli } from './publish-model.helpers.js';

let dir: string;
let cli: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-validate-cli-'));
  cli = await bundleCli(dir);
  await mkdir(join(dir, 'project'));
  await writeFile(
    join(dir, 'project', 'slipway.yaml'),
    'apiVersion: slipway.dev/v1\nkind: Project\nmodel:\n  name: iris\n  ownr: me\ntask: regresion\neval: { command: x }\ntest-sets: [{ name: a, path: slipway.yaml }]\n',
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('slipway validate', () => {
  it('prints each problem as file:line:col with the source line, and exits 1', async () => {
    const result = await runCli(cli, ['validate', '--cwd', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "project/slipway.yaml:5:3 error Unknown key 'ownr' in 'model'. Did you mean 'owner'?",
    );
    expect(result.stdout).toContain('> 5 |   ownr: me');
    expect(result.stdout).toContain("project/slipway.yaml:6:7 error 'task' is 'regresion'");
    expect(result.stdout).toContain('1 file checked: 3 errors, 0 warnings.');
    expect(result.stdout).not.toContain('\u001b['); // no colour when not a terminal
  });

  it("reports an environment repository's promotion contract problem at its line", async () => {
    const shipped = await readFile(resolve(import.meta.dirname, '../../environments/slipway.yaml'), 'utf8');
    await mkdir(join(dir, 'envs'));
    await writeFile(
      join(dir, 'envs', 'slipway.yaml'),
      shipped.replace('  - name: prod\n', '  - name: prod\n    promote-from: stagign\n'),
    );
    const result = await runCli(cli, ['validate', '--cwd', dir, 'envs/slipway.yaml']);
    expect(result.code).toBe(1);
    const line = shipped.split('\n').indexOf('  - name: prod') + 2;
    expect(result.stdout).toMatch(
      new RegExp(
        `envs/slipway.yaml:${line}:\\d+ error environment 'prod' is promoted from 'stagign'.*Did you mean 'staging'\\?`,
      ),
    );
    expect(result.stdout).toContain('1 file checked: 1 error, 0 warnings.');
  });

  it('gives machines the findings as JSON', async () => {
    const result = await runCli(cli, ['validate', '--json', '--cwd', dir, 'project/slipway.yaml']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      errorCount: number;
      files: Array<{ findings: Array<Record<string, unknown>> }>;
    };
    expect(report.errorCount).toBe(3);
    expect(report.files[0]?.findings).toContainEqual(
      expect.objectContaining({
        file: 'project/slipway.yaml',
        line: 5,
        column: 3,
        suggestion: 'owner',
        rule: 'schema.additionalProperties',
      }),
    );
  });

  it('exits 0 on the shipped example project', async () => {
    const result = await runCli(cli, ['validate', join(process.cwd(), 'examples/iris/slipway.yaml')]);
    expect(result.stdout).toContain('1 file checked: 0 errors, 0 warnings.');
    expect(result.code).toBe(0);
  });

  it('says clearly when nothing matches instead of passing silently', async () => {
    const result = await runCli(cli, ['validate', '--cwd', dir, 'nothing/**/slipway.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("slipway: No config files matched 'nothing/**/slipway.yaml'");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
