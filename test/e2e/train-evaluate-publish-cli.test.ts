// The model's side of the loop with the CLI on the iris example: train, evaluate, publish exactly the
// evaluated files to the real test registry, and pull the training record back. A weight file changed
// between evaluation and publishing is refused, and nothing lands in the registry.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../harness/run-action.js';
import { bundleCli, runCli, skopeoRaw, uniqueRepository } from './publish-model.helpers.js';

const exec = promisify(execFile);
let dir: string;
let cli: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-loop-cli-'));
  cli = await bundleCli(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A copy of examples/iris in a git repository of its own, so records name a real commit. */
async function irisProject(name: string): Promise<{ project: string; commit: string }> {
  const project = join(dir, name);
  await cp(join(repoRoot, 'examples/iris'), project, {
    recursive: true,
    filter: (source) => !source.includes('.slipway') && !source.includes('__pycache__'),
  });
  const git = (...args: string[]) =>
    exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-C', project, ...args]);
  await git('init', '-q');
  await git('add', '.');
  await git('commit', '-qm', 'iris');
  return { project, commit: (await git('rev-parse', 'HEAD')).stdout.trim() };
}

describe('train, evaluate and publish with the CLI', () => {
  it('slipway train on the iris example writes a training record that slipway pull shows after publish', async () => {
    const { project, commit } = await irisProject('shipped');
    const config = join(project, 'slipway.yaml');
    const trained = await runCli(cli, ['train', '-c', config]);
    expect(trained.stderr).toContain('[train] trained on');
    expect(trained.code).toBe(0);
    expect(trained.stdout).toContain(`Trained iris-classifier 1.0.0`);
    const record = JSON.parse(await readFile(join(project, '.slipway/train/record.json'), 'utf8'));
    expect(record).toMatchObject({ kind: 'TrainingRecord', commit, parameters: { epochs: 3000 } });

    const report = join(project, 'report.json');
    const evaluated = await runCli(cli, ['eval', '-c', config, '--baseline', 'none', '--out', report]);
    expect(evaluated.code).toBe(0);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written.training).toEqual(record);
    expect(written.artifactFiles.map((f: { path: string }) => f.path)).toEqual([
      'README.md',
      'model/weights.json',
    ]);

    const registry = inject('registry');
    const repository = uniqueRepository('iris-loop');
    const published = await runCli(cli, [
      'publish',
      '-c',
      config,
      '--registry',
      registry,
      '--repository',
      repository,
      '--report',
      report,
      '--json',
    ]);
    expect(published.stderr).toBe('');
    const result = JSON.parse(published.stdout);
    expect(result.evaluatedFiles).toBe('matched');
    expect(result.trainingRecordDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const manifest = (await skopeoRaw(`docker://${registry}/${repository}:1.0.0`)).json as {
      annotations: Record<string, string>;
    };
    expect(manifest.annotations['dev.slipway.evaluated-files']).toBe('match');

    const out = join(dir, 'pulled');
    const pulled = await runCli(cli, ['pull', `${registry}/${repository}:1.0.0`, '-o', out]);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain(
      `training record → ${join(out, 'training-record.json')} (commit ${commit.slice(0, 12)}, ${record.wallTimeSeconds} s, parameters {"epochs":3000,`,
    );
    expect(JSON.parse(await readFile(join(out, 'training-record.json'), 'utf8'))).toEqual(record);
  });

  it('refuses to publish a weight file altered between eval and publish, and nothing lands in the registry', async () => {
    const { project } = await irisProject('altered');
    const config = join(project, 'slipway.yaml');
    const report = join(project, 'report.json');
    expect((await runCli(cli, ['eval', '-c', config, '--baseline', 'none', '--out', report])).code).toBe(0);
    const evaluated = JSON.parse(await readFile(report, 'utf8')).artifactFiles.find(
      (f: { path: string }) => f.path === 'model/weights.json',
    ).digest;
    const weights = join(project, 'model/weights.json');
    await writeFile(weights, (await readFile(weights, 'utf8')).replace('"bias": [', '"bias": [0.5, '));

    const registry = inject('registry');
    const repository = uniqueRepository('iris-altered');
    const published = await runCli(cli, [
      'publish',
      '-c',
      config,
      '--registry',
      registry,
      '--repository',
      repository,
      '--report',
      report,
    ]);
    expect(published.code).toBe(2);
    expect(published.stderr).toMatch(
      new RegExp(
        `Refusing to publish: .*model/weights\\.json is sha256:[a-f0-9]{64} now but was ${evaluated} when evaluated`,
      ),
    );
    const tags = await fetch(`http://${registry}/v2/${repository}/tags/list`);
    expect(tags.status).toBe(404);
  });
});
