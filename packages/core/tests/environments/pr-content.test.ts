import {
  commitMessage,
  type ProposalMarker,
  parseMarker,
  proposalBody,
  proposalTitle,
  readTrailers,
  renderMarker,
  renderProposalEvalSummary,
  summarizeEval,
} from '@slipway/core/environments';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullRelease, irisTarget } from './golden-cases.js';

const marker: ProposalMarker = {
  environment: 'staging',
  model: 'iris',
  version: '1.3.0',
  artifactDigest: fullRelease.artifactDigest,
  content: `sha256:${'5'.repeat(64)}`,
  base: 'c'.repeat(40),
  commit: 'd'.repeat(40),
};

const report = (accuracy: number, passed = true) => ({
  apiVersion: 'slipway.dev/v1',
  kind: 'EvalReport',
  passed,
  testSets: [
    {
      name: 'holdout',
      n: 100,
      hardCase: false,
      slices: [],
      metrics: { accuracy: { value: accuracy, direction: 'higher' }, mae: { value: null } },
    },
  ],
  gates: passed
    ? []
    : [{ testSet: 'holdout', metric: 'accuracy', kind: 'threshold', passed: false, reason: 'below 0.9' }],
});

describe('the pull request a proposal opens', () => {
  it('reads back the hidden marker it wrote, whatever the values hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (version, model) => {
        const m = { ...marker, version, model };
        expect(parseMarker(`text before\n${renderMarker(m)}\nafter`)).toEqual(m);
      }),
    );
  });

  it('never lets a value close the hidden comment early', () => {
    expect(renderMarker({ ...marker, model: '--> <b>' })).not.toMatch(/-->.*-->/);
  });

  it('names old and new versions in the title', () => {
    expect(proposalTitle(irisTarget, fullRelease, { version: '1.2.0' })).toBe(
      'Deploy iris 1.2.0 → 1.3.0 to staging',
    );
    expect(proposalTitle(irisTarget, fullRelease, {})).toBe('Deploy iris 1.3.0 to staging');
  });

  it('marks its commits with trailers that say which proposal they belong to', () => {
    const message = commitMessage(irisTarget, fullRelease, 'c'.repeat(40));
    expect(readTrailers(message)).toEqual({
      proposal: 'staging/iris',
      version: '1.3.0',
      base: 'c'.repeat(40),
    });
    expect(readTrailers('Fix typo\n\nSigned-off-by: someone')).toEqual({});
  });

  it('shows the metric change against the version now deployed and a machine-readable block', () => {
    const evaluation = summarizeEval(report(0.93), report(0.9));
    const body = proposalBody({
      target: irisTarget,
      release: fullRelease,
      before: { version: '1.2.0', artifactDigest: `sha256:${'1'.repeat(64)}` },
      marker,
      baseBranch: 'main',
      repository: 'acme/envs',
      evaluation,
      autoMerge: false,
    });
    expect(body.startsWith(renderMarker(marker))).toBe(true);
    expect(body).toContain('| holdout | accuracy | 0.9 | 0.93 | +0.03 ▲ |');
    expect(body).toContain(
      '[acme/vision@bbbbbbb](https://github.com/acme/vision/commit/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb)',
    );
    const json = /<details><summary>Machine-readable proposal<\/summary>\n\n```json\n([\s\S]*?)\n```/.exec(
      body,
    )?.[1];
    const record = JSON.parse(json ?? 'null');
    expect(record).toMatchObject({
      kind: 'DeploymentProposal',
      environment: 'staging',
      from: { version: '1.2.0' },
      to: { version: '1.3.0', storageUri: `oci://ghcr.io/acme/models/iris@${fullRelease.artifactDigest}` },
      base: { branch: 'main', commit: marker.base },
      commit: marker.commit,
    });
  });
});

describe('the evaluation summary', () => {
  it('shows the evaluated file digests, the training run and what prod ran when it was evaluated', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const evaluated = {
      ...report(0.93),
      artifactFiles: [{ path: 'model/weights.json', digest, size: 776 }],
      training: { commit: 'b'.repeat(40), wallTimeSeconds: 1.25 },
      baseline: {
        source: 'environment',
        environment: 'prod',
        deployed: true,
        version: '1.2.0',
        artifact: `ghcr.io/acme/iris@${digest}`,
        reportDigest: digest,
      },
    };
    const text = renderProposalEvalSummary(summarizeEval(evaluated), 'dev');
    expect(text).toContain(
      `Evaluated against 1.2.0 deployed in prod (\`ghcr.io/acme/iris@${digest}\`, eval report \`${digest}\`).`,
    );
    expect(text).toContain(
      "the artifact's `dev.slipway.evaluated-files: match` annotation records that they matched",
    );
    expect(text).toContain(`- \`model/weights.json\` \`${digest}\``);
    expect(text).toContain(`Trained on the runner at \`${'b'.repeat(12)}\` in 1.25 s`);
  });

  it('lists failed gates and says when a metric got worse', () => {
    const summary = summarizeEval(report(0.85, false), report(0.9));
    expect(summary.passed).toBe(false);
    expect(summary.failedGates).toEqual(['holdout accuracy: below 0.9']);
    expect(summary.rows[0]).toMatchObject({ metric: 'accuracy', current: 0.9, proposed: 0.85 });
    expect(summary.rows[0]?.delta).toBeCloseTo(-0.05);
  });

  it('says a report without gates checked nothing, rather than that all gates passed', () => {
    const text = renderProposalEvalSummary(summarizeEval(report(0.9)), 'staging');
    expect(text).toContain('No evaluation gates: the project sets none, so nothing was checked.');
    expect(text).not.toContain('gates passed');
  });

  it('degrades to a note when the report is not an eval report', () => {
    expect(summarizeEval({ kind: 'Metrics' }).notes).toEqual([
      'No metrics shown: the eval report has kind Metrics, expected EvalReport.',
    ]);
    expect(summarizeEval(report(0.9), 'junk').notes[0]).toMatch(/No comparison with the current version/);
  });

  it('falls back to the baseline values its own gates recorded', () => {
    const withGate = {
      ...report(0.92),
      gates: [{ testSet: 'holdout', metric: 'accuracy', kind: 'baseline', baseline: 0.91, passed: true }],
    };
    expect(summarizeEval(withGate).rows[0]).toMatchObject({ current: 0.91, proposed: 0.92 });
  });
});

describe('a pull request body for a report with many metrics', () => {
  it('stays within the size GitHub accepts', () => {
    const metrics = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`metric-${i}`, { value: i / 2000, direction: 'higher' }]),
    );
    const big = { kind: 'EvalReport', passed: true, testSets: [{ name: 'holdout', metrics }], gates: [] };
    const body = proposalBody({
      target: irisTarget,
      release: fullRelease,
      before: {},
      marker,
      baseBranch: 'main',
      repository: 'acme/envs',
      evaluation: summarizeEval(big, big),
      autoMerge: false,
    });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('…and 1940 more metrics in the eval report.');
  });
});
