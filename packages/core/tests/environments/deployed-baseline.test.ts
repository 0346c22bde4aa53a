// The deployed baseline against real parts: a model published with its eval report into an OCI layout,
// and an environment repository given as its files (the GitHub side is covered end to end).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeployedBaselineError,
  type EnvironmentRepository,
  parseEnvironmentBaseline,
  resolveDeployedBaseline,
} from '../../src/environments/index.js';
import { digestHex, LayoutStore, publishModel } from '../../src/oci/index.js';

const environmentsYaml = `apiVersion: slipway.dev/v1
kind: Environments
environments:
  - name: dev
  - name: prod
models:
  - name: iris
`;

const report = (accuracy: number) =>
  Buffer.from(
    JSON.stringify({
      apiVersion: 'slipway.dev/v1',
      kind: 'EvalReport',
      model: { name: 'iris', version: '1.2.0' },
      commit: 'c'.repeat(40),
      command: ['python3', 'eval.py'],
      runner: { name: 'gpu-1', os: 'Linux' },
      gpus: [],
      task: 'classification',
      confidence: 0.95,
      bootstrap: { samples: 1000, seed: 42 },
      testSets: [
        {
          name: 'holdout',
          hardCase: false,
          n: 30,
          metrics: {
            accuracy: { value: accuracy, lower: 0.8, upper: 1, n: 30, method: 'wilson', direction: 'higher' },
          },
          slices: [],
        },
      ],
      gates: [],
      passed: true,
      warnings: [],
    }),
  );

const manifest = (storageUri: string, annotations: Record<string, string>) =>
  `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: iris
  annotations:
${Object.entries(annotations)
  .map(([k, v]) => `    ${k}: "${v}"`)
  .join('\n')}
spec:
  predictor:
    model:
      storageUri: ${storageUri}
`;

function repository(files: Record<string, string>): EnvironmentRepository & { reads: string[] } {
  const reads: string[] = [];
  return {
    location: 'acme/ml-environments@main',
    reads,
    readFile: async (path) => {
      reads.push(path);
      return files[path];
    },
  };
}

let dir: string;
let layout: LayoutStore;
let artifactDigest: string;
let reportDigest: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-baseline-'));
  await writeFile(join(dir, 'weights.bin'), 'weights v1\n');
  layout = new LayoutStore(join(dir, 'oci'));
  const published = await publishModel({
    store: layout,
    files: [{ path: 'weights.bin', source: join(dir, 'weights.bin'), type: 'weight' }],
    metadata: { name: 'iris', version: '1.2.0', created: '2026-01-01T00:00:00Z' },
    report: report(0.97),
  });
  artifactDigest = published.digest;
  reportDigest = published.reportDigest!;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const deployedFiles = (annotations: Record<string, string>) => ({
  'slipway.yaml': environmentsYaml,
  'prod/iris/inferenceservice.yaml': manifest(
    `oci://ghcr.io/acme/models/iris@${artifactDigest}`,
    annotations,
  ),
});

async function publishCopy(name: string, reportBytes: Buffer) {
  const copy = new LayoutStore(join(dir, name));
  const published = await publishModel({
    store: copy,
    files: [{ path: 'weights.bin', source: join(dir, 'weights.bin'), type: 'weight' }],
    metadata: { name: 'iris', version: '1.2.0', created: '2026-01-01T00:00:00Z' },
    report: reportBytes,
  });
  return { copy, published };
}

const baselineFrom = (store: LayoutStore, recordedReport: string) =>
  resolveDeployedBaseline({
    environment: 'prod',
    model: 'iris',
    repository: repository(deployedFiles({ 'slipway.dev/eval-report-digest': recordedReport })),
    openStore: () => store,
  });

describe('the deployed baseline', () => {
  it('compares with the eval report of the version prod runs, read from its registry', async () => {
    const repo = repository(
      deployedFiles({ 'slipway.dev/version': '1.2.0', 'slipway.dev/eval-report-digest': reportDigest }),
    );
    const opened: string[] = [];
    const baseline = await resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repo,
      openStore: (name) => {
        opened.push(name);
        return layout;
      },
    });
    expect(opened).toEqual(['ghcr.io/acme/models/iris']);
    expect(repo.reads).toEqual(['slipway.yaml', 'prod/iris/inferenceservice.yaml']);
    expect(baseline.deployed).toBe(true);
    if (!baseline.deployed) return;
    expect(baseline.report.testSets[0]!.metrics.accuracy!.value).toBe(0.97);
    expect(baseline.source).toMatchObject({
      source: 'environment',
      environment: 'prod',
      deployed: true,
      version: '1.2.0',
      artifact: `ghcr.io/acme/models/iris@${artifactDigest}`,
      reportDigest,
      commit: 'c'.repeat(40),
    });
  });

  it('reads the report from the ModelPack artifact the record names when prod pulls a modelcar image', async () => {
    // The modelcar has no referrers: a lookup on the storage URI's digest would find no report.
    const modelcar = `sha256:${'a'.repeat(64)}`;
    const repo = repository({
      'slipway.yaml': environmentsYaml,
      'prod/iris/inferenceservice.yaml': manifest(`oci://ghcr.io/acme/serving/iris@${modelcar}`, {
        'slipway.dev/version': '1.2.0',
        'slipway.dev/artifact': `ghcr.io/acme/models/iris@${artifactDigest}`,
        'slipway.dev/artifact-digest': artifactDigest,
        'slipway.dev/eval-report-digest': reportDigest,
      }),
    });
    const opened: string[] = [];
    const baseline = await resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repo,
      openStore: (name) => {
        opened.push(name);
        return layout;
      },
    });
    expect(opened).toEqual(['ghcr.io/acme/models/iris']);
    expect(baseline.deployed).toBe(true);
    if (!baseline.deployed) return;
    expect(baseline.report.testSets[0]!.metrics.accuracy!.value).toBe(0.97);
    expect(baseline.source.artifact).toBe(`ghcr.io/acme/models/iris@${artifactDigest}`);
  });

  it('refuses a record whose artifact digest annotation disagrees with the artifact it names', async () => {
    const other = `sha256:${'b'.repeat(64)}`;
    const attempt = resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repository(
        deployedFiles({
          'slipway.dev/artifact-digest': other,
          'slipway.dev/eval-report-digest': reportDigest,
        }),
      ),
      openStore: () => layout,
    });
    await expect(attempt).rejects.toThrow(DeployedBaselineError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`records two different artifacts: slipway.dev/artifact-digest is ${other}`),
    );
  });

  it('says nothing is deployed when the environment has no manifest for the model', async () => {
    const baseline = await resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repository({ 'slipway.yaml': environmentsYaml }),
      openStore: () => layout,
    });
    expect(baseline.deployed).toBe(false);
    expect(baseline.source.note).toMatch(
      /nothing is deployed to prod yet; the gates are the thresholds alone/,
    );
  });

  it('says nothing is deployed when the manifest still pins the placeholder digest', async () => {
    const baseline = await resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repository({
        'slipway.yaml': environmentsYaml,
        'prod/iris/inferenceservice.yaml': manifest(
          `oci://ghcr.io/acme/models/iris@sha256:${'0'.repeat(64)}`,
          {},
        ),
      }),
      openStore: () => layout,
    });
    expect(baseline.deployed).toBe(false);
    expect(baseline.source.note).toMatch(/prod runs no published version of iris yet/);
  });

  it('says so when the deployed version has no eval report recorded', async () => {
    const baseline = await resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repository(deployedFiles({ 'slipway.dev/version': '1.2.0' })),
      openStore: () => layout,
    });
    expect(baseline.deployed).toBe(false);
    expect(baseline.source.note).toContain('records no eval report');
    expect(baseline.source.version).toBe('1.2.0');
  });

  it('fails naming the environment, the digest and the registry when the recorded report is missing', async () => {
    const missing = `sha256:${'e'.repeat(64)}`;
    const attempt = resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repository(deployedFiles({ 'slipway.dev/eval-report-digest': missing })),
      openStore: () => layout,
    });
    await expect(attempt).rejects.toThrow(DeployedBaselineError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `eval report ${missing} that prod records .* is missing from oci:${layout.directory.replace(/[/.]/g, '\\$&')}`,
      ),
    );
  });

  it('reads an embedded report from its manifest alone: one registry request, no blob fetch', async () => {
    const asked: string[] = [];
    const counting = Object.assign(Object.create(layout) as LayoutStore, {
      getManifest: (ref: string) => {
        asked.push(`manifest ${ref}`);
        return layout.getManifest(ref);
      },
      getBlob: (blob: { digest: string }) => {
        asked.push(`blob ${blob.digest}`);
        return layout.getBlob(blob as never);
      },
    });
    const baseline = await resolveDeployedBaseline({
      environment: 'prod',
      model: 'iris',
      repository: repository(deployedFiles({ 'slipway.dev/eval-report-digest': reportDigest })),
      openStore: () => counting,
    });
    expect(baseline.deployed).toBe(true);
    expect(asked).toEqual([`manifest ${reportDigest}`]);
  });

  it('fails when the report in the registry does not match its digest', async () => {
    const { copy, published } = await publishCopy('tampered', report(0.97));
    // The referrer manifest carries the report in its layer's descriptor; rewrite it in place.
    const path = join(copy.directory, 'blobs/sha256', digestHex(published.reportDigest!));
    const referrer = JSON.parse(await readFile(path, 'utf8')) as { layers: Array<{ data: string }> };
    const layer = referrer.layers[0]!;
    layer.data = Buffer.from(
      Buffer.from(layer.data, 'base64').toString('utf8').replace('0.97', '0.99'),
    ).toString('base64');
    await writeFile(path, JSON.stringify(referrer));
    await expect(baselineFrom(copy, published.reportDigest!)).rejects.toThrow(
      /does not match its digest .*The baseline cannot be trusted/,
    );
  });

  it('fails when the report embedded in a manifest is not the blob its descriptor names', async () => {
    const { copy, published } = await publishCopy('embedded-mismatch', report(0.97));
    // A manifest whose own digest is right, but whose embedded report was swapped before it was hashed.
    const path = join(copy.directory, 'blobs/sha256', digestHex(published.reportDigest!));
    const referrer = JSON.parse(await readFile(path, 'utf8')) as { layers: Array<{ data: string }> };
    referrer.layers[0]!.data = report(0.99).toString('base64');
    const bytes = Buffer.from(JSON.stringify(referrer));
    const swapped = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(join(copy.directory, 'blobs/sha256', digestHex(swapped)), bytes);
    await expect(baselineFrom(copy, swapped)).rejects.toThrow(
      /does not match its digest .*embedded in the descriptor/,
    );
  });

  it('reads a report too large to embed from its blob, and catches a tampered blob', async () => {
    const large = JSON.parse(report(0.97).toString('utf8')) as { command: string[] };
    large.command = Array.from({ length: 800 }, (_, i) => `--argument-${i}=${'x'.repeat(100)}`);
    const { copy, published } = await publishCopy('large', Buffer.from(JSON.stringify(large)));
    const path = join(copy.directory, 'blobs/sha256', digestHex(published.reportDigest!));
    const referrer = JSON.parse(await readFile(path, 'utf8')) as {
      layers: Array<{ digest: string; data?: string }>;
    };
    expect(referrer.layers[0]!.data).toBeUndefined();
    const found = await baselineFrom(copy, published.reportDigest!);
    expect(found.deployed && found.report.command).toHaveLength(800);

    const blob = join(copy.directory, 'blobs/sha256', digestHex(referrer.layers[0]!.digest));
    await writeFile(blob, (await readFile(blob, 'utf8')).replace('0.97', '0.99'));
    await expect(baselineFrom(copy, published.reportDigest!)).rejects.toThrow(
      /does not match its digest .*The baseline cannot be trusted/,
    );
  });

  it('names the known environments when asked for one the repository does not have', async () => {
    const attempt = resolveDeployedBaseline({
      environment: 'production',
      model: 'iris',
      repository: repository(deployedFiles({})),
      openStore: () => layout,
    });
    await expect(attempt).rejects.toThrow(
      /environment 'production' is not in environments \(known: dev, prod\)/,
    );
  });

  it('reads environment:<name> and nothing else as an environment baseline', () => {
    expect(parseEnvironmentBaseline('environment:prod')).toBe('prod');
    expect(parseEnvironmentBaseline('reports/prod.json')).toBeUndefined();
    expect(() => parseEnvironmentBaseline('environment:')).toThrow(/Expected environment:<name>/);
  });
});
