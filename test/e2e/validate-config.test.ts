// validate-config, run exactly as the GitHub runner runs it, over real files in a workspace.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ActionResult, runAction } from '../harness/run-action.js';

const validProject = `# yaml-language-server: $schema=../schemas/project.schema.json
apiVersion: slipway.dev/v1
kind: Project
model:
  name: iris-classifier
  owner: '@acme/ml'
task: classification
classes: [setosa, versicolor, virginica]
eval:
  command: [python3, eval.py]
test-sets:
  - name: holdout
    path: data/holdout.csv
    thresholds:
      - metric: accuracy
        value: 0.9
        direction: higher
`;

async function workspaceWith(files: Record<string, string | Buffer>): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'slipway-validate-'));
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(workspace, path)), { recursive: true });
    await writeFile(join(workspace, path), contents);
  }
  return workspace;
}

async function validate(
  files: Record<string, string | Buffer>,
  inputs: Record<string, string> = {},
): Promise<ActionResult> {
  const workspace = await workspaceWith(files);
  return runAction('validate-config', {
    workspace,
    inputs: { files: '**/slipway.yaml', 'fail-on-warning': 'false', 'working-directory': '', ...inputs },
  });
}

function errorsOf(result: ActionResult) {
  return result.annotations.filter((a) => a.command === 'error' && a.properties.file);
}

describe('validate-config', () => {
  it('passes a valid project config and says so in outputs and the summary', async () => {
    const result = await validate({ 'slipway.yaml': validProject, 'data/holdout.csv': 'x\n' });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ valid: 'true', 'error-count': '0', 'files-checked': '1' });
    expect(result.summary).toContain('All 1 config file(s) are valid');
    expect(result.annotations).toEqual([]);
  });

  it('points a misspelt key at its file:line:col and suggests the right one', async () => {
    const result = await validate({
      'models/iris/slipway.yaml': validProject.replace('  owner:', '  ownr:'),
    });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ valid: 'false', 'error-count': '2' });
    const unknown = errorsOf(result).find((a) => a.message.includes("Unknown key 'ownr'"));
    expect(unknown?.properties).toMatchObject({ file: 'models/iris/slipway.yaml', line: '6', col: '3' });
    expect(unknown?.message).toContain("Did you mean 'owner'?");
    const missing = errorsOf(result).find((a) => a.message.includes("Missing required key 'owner'"));
    expect(missing?.properties).toMatchObject({ line: '4', col: '1' });
    expect(result.stdout).toContain('models/iris/slipway.yaml:6:3');
    expect(result.stdout).toMatch(/> 6 \|\s+ownr: '@acme\/ml'/);
    expect(result.summary).toContain('<code>models/iris/slipway.yaml:6:3</code>');
  });

  it('suggests the closest enum value for a misspelt task', async () => {
    const result = await validate({
      'slipway.yaml': validProject.replace('task: classification', 'task: clasification'),
    });
    const [error] = errorsOf(result);
    expect(error?.properties).toMatchObject({ file: 'slipway.yaml', line: '7', col: '7' });
    expect(error?.message).toContain(
      "expected one of 'classification', 'regression'. Did you mean 'classification'?",
    );
  });

  it('reports the offending value and what was expected for a wrong type', async () => {
    const result = await validate({ 'slipway.yaml': validProject.replace('value: 0.9', 'value: ninety') });
    const [error] = errorsOf(result);
    expect(error?.properties).toMatchObject({ line: '16', col: '16' });
    expect(error?.message).toContain(
      "'test-sets[0].thresholds[0].value' is a string ('ninety'); expected a number",
    );
  });

  it('gives one clear error for a YAML syntax error', async () => {
    const result = await validate({
      'slipway.yaml': 'apiVersion: slipway.dev/v1\nkind: Project\nmodel: name: iris\n',
    });
    expect(result.exitCode).toBe(1);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^YAML syntax error/);
    expect(errors[0]?.properties.line).toBe('3');
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('rejects a duplicate key at the repeat', async () => {
    const result = await validate({
      'slipway.yaml': validProject.replace('task: classification', 'task: classification\ntask: regression'),
    });
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/^Duplicate key/);
    expect(errors[0]?.properties).toMatchObject({ line: '8', col: '1' });
  });

  it('rejects an empty file', async () => {
    const result = await validate({ 'slipway.yaml': '# nothing here yet\n' });
    expect(errorsOf(result).map((e) => e.message)).toEqual([
      'File is empty; expected a YAML mapping with apiVersion and kind.',
    ]);
    expect(result.outputs['error-count']).toBe('1');
  });

  it('rejects a binary file', async () => {
    const result = await validate({
      'slipway.yaml': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]),
    });
    expect(errorsOf(result).map((e) => e.message)).toEqual([
      'File is binary (it contains NUL bytes); expected YAML text.',
    ]);
  });

  it('rejects a file that is not UTF-8, naming the first bad byte', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('apiVersion: slipway.dev/v1\nkind: Project\nmodel:\n  owner: Jos'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    const result = await validate({ 'slipway.yaml': latin1 });
    expect(errorsOf(result).map((e) => e.message)).toEqual([
      `File is not valid UTF-8 (first bad byte at offset ${latin1.length - 2}); save it as UTF-8.`,
    ]);
  });

  it('refuses a file over the size bound without reading it', async () => {
    const result = await validate({ 'slipway.yaml': `# ${'x'.repeat(2 * 1024 * 1024)}\n` });
    expect(errorsOf(result)[0]?.message).toMatch(
      /^File is \d+ bytes; a config file may be at most 1048576 bytes/,
    );
  });

  it('stops a billion-laughs alias bomb quickly with one clear error', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    const result = await validate({ 'slipway.yaml': `${levels.join('\n')}\n` }, {});
    expect(Date.now() - started).toBeLessThan(20_000);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('billion laughs');
    expect(errors[0]?.properties).toMatchObject({ line: '2' });
  });

  it('asks for a known kind when kind is missing or misspelt', async () => {
    const result = await validate({ 'slipway.yaml': validProject.replace('kind: Project', 'kind: Projet') });
    expect(errorsOf(result)[0]?.message).toContain("Did you mean 'Project'?");
    expect(errorsOf(result)[0]?.properties).toMatchObject({ line: '3', col: '7' });
  });

  it('warns about a metric the task never computes, and fails on it only with fail-on-warning', async () => {
    const files = {
      'slipway.yaml': validProject.replace('metric: accuracy', 'metric: acuracy'),
      'data/holdout.csv': 'x\n',
    };
    const lenient = await validate(files);
    expect(lenient.exitCode).toBe(0);
    const warning = lenient.annotations.find((a) => a.command === 'warning');
    expect(warning?.message).toContain("Metric 'acuracy' is not computed for classification");
    expect(warning?.message).toContain("Did you mean 'accuracy'?");
    expect(warning?.properties).toMatchObject({ line: '15', col: '17' });
    expect(lenient.outputs).toMatchObject({ valid: 'true', 'warning-count': '1' });

    const strict = await validate(files, { 'fail-on-warning': 'true' });
    expect(strict.exitCode).toBe(1);
    expect(strict.outputs.valid).toBe('false');
  });

  it('checks every file the globs match and honours exclusions', async () => {
    const result = await validate(
      {
        'a/slipway.yaml': validProject,
        'b/slipway.yaml': validProject.replace('task: classification', 'task: regresion'),
        'vendor/slipway.yaml': 'not: [valid',
        'node_modules/x/slipway.yaml': 'not: [valid',
      },
      { files: '**/slipway.yaml\n!vendor/**' },
    );
    expect(result.outputs['files-checked']).toBe('2');
    expect(errorsOf(result).map((e) => e.properties.file)).toEqual(['b/slipway.yaml']);
  });

  it('flags artifact.files paths that climb with .., are absolute, or link outside the project', async () => {
    const workspace = await workspaceWith({
      'slipway.yaml': `${validProject}artifact:
  files:
    - { path: ../weights.bin, type: weight }
    - { path: /etc/passwd, type: weight }
    - { path: model/leak.bin, type: weight }
`,
    });
    await mkdir(join(workspace, 'model'));
    await symlink('/etc/passwd', join(workspace, 'model/leak.bin'));
    const result = await runAction('validate-config', {
      workspace,
      inputs: { files: '**/slipway.yaml', 'fail-on-warning': 'false', 'working-directory': '' },
    });
    expect(result.exitCode).toBe(1);
    const messages = errorsOf(result).map((a) => [a.properties.line, a.message]);
    expect(messages).toEqual([
      ['20', expect.stringContaining("Artifact file '../weights.bin' climbs with '..'")],
      ['21', expect.stringContaining("Artifact file '/etc/passwd' is an absolute path")],
      [
        '22',
        expect.stringContaining(
          "Artifact file 'model/leak.bin' goes through the symlink 'model/leak.bin', which points to /etc/passwd",
        ),
      ],
    ]);
  });

  it('refuses a config file that is a FIFO at once instead of waiting on it', async () => {
    const workspace = await workspaceWith({});
    execFileSync('mkfifo', [join(workspace, 'slipway.yaml')]);
    const result = await runAction('validate-config', {
      workspace,
      inputs: { files: 'slipway.yaml', 'fail-on-warning': 'false', 'working-directory': '' },
    });
    expect(result.exitCode).toBe(1);
    expect(errorsOf(result).map((a) => a.message)).toEqual([
      expect.stringContaining('found a FIFO, socket or device'),
    ]);
  });

  it("flags what promote would refuse in an environment repository's contract, at its line", async () => {
    // The environment repository Slipway ships, valid as it is; then a freeze rule that carries its own
    // zone, which would shift the window by the zone's offset.
    const shipped = await readFile(resolve(import.meta.dirname, '../../environments/slipway.yaml'), 'utf8');
    const valid = await validate({ 'slipway.yaml': shipped });
    expect(valid.exitCode, valid.stdout).toBe(0);
    expect(valid.outputs).toMatchObject({ valid: 'true', 'files-checked': '1' });

    const zoned = shipped.replace(
      '- rrule: FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0',
      '- rrule: "DTSTART;TZID=Europe/Berlin:20260102T160000\\nRRULE:FREQ=WEEKLY;BYDAY=FR"',
    );
    expect(zoned).not.toBe(shipped);
    const line = zoned.split('\n').findIndex((l) => l.includes('DTSTART;TZID')) + 1;
    const result = await validate({ 'slipway.yaml': zoned });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ valid: 'false', 'error-count': '1' });
    const [error] = errorsOf(result);
    expect(error?.properties).toMatchObject({ file: 'slipway.yaml', line: String(line) });
    expect(error?.message).toMatch(
      /^freeze window of 'prod': .*TZID=Europe\/Berlin.*the zone goes in `timezone:`/s,
    );
    expect(error?.properties.title).toBe('environments.promotion');

    // An upstream that is not an environment there.
    const unknown = shipped.replace('  - name: prod\n', '  - name: prod\n    promote-from: stagign\n');
    expect(unknown).not.toBe(shipped);
    const typo = await validate({ 'slipway.yaml': unknown });
    expect(typo.exitCode).toBe(1);
    expect(errorsOf(typo)[0]?.message).toMatch(/promoted from 'stagign'.*Did you mean 'staging'\?/);
  });

  it('fails clearly when no file matches', async () => {
    const result = await validate({ 'README.md': '# nothing' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations[0]?.message).toContain("No config files matched '**/slipway.yaml'");
  });
});
