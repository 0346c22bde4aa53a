import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planManifestChange, readDeployedModel, storageUriOf } from '@slipway/core/environments';
import { describe, expect, it } from 'vitest';
import { releaseOf } from '../../src/environments/promotion/promote.js';
import { goldenCases, irisTarget } from './golden-cases.js';

const fixtures = join(import.meta.dirname, 'fixtures');

// Regenerate after a deliberate change with SLIPWAY_UPDATE_GOLDEN=1, then read the diff before keeping it.
const update = process.env.SLIPWAY_UPDATE_GOLDEN === '1';

describe('editing a manifest keeps every byte that is not a named value', () => {
  it('keeps fixtures a formatter would flatten (mixed quotes, extra spaces, blank lines)', () => {
    // If a formatter rewrites these files, the golden tests would still pass but prove nothing.
    const input = readFileSync(join(fixtures, 'kserve-existing', 'input.yaml'), 'utf8');
    expect(input).toContain("slipway.dev/version: '1.2.0'");
    expect(input).toContain('namespace: ml-staging   # keep this namespace');
    expect(input).toContain('RawDeployment\n    slipway.dev/model');
    expect(input).toMatch(/"\n\n {4}# lineage/);
    expect(readFileSync(join(fixtures, 'no-annotations', 'input.yaml'), 'utf8')).toContain(
      '    name: iris          # four-space',
    );
  });

  it('has a release for every fixture folder', () => {
    expect(readdirSync(fixtures).sort()).toEqual(Object.keys(goldenCases).sort());
  });

  for (const [name, release] of Object.entries(goldenCases)) {
    it(`turns ${name}/input.yaml into exactly ${name}/expected.yaml`, () => {
      const input = readFileSync(join(fixtures, name, 'input.yaml'), 'utf8');
      const output = planManifestChange(input, irisTarget, release).text;
      if (update) writeFileSync(join(fixtures, name, 'expected.yaml'), output);
      expect(output).toBe(readFileSync(join(fixtures, name, 'expected.yaml'), 'utf8'));
    });

    it(`reads the new version back from ${name}/expected.yaml`, () => {
      const expected = readFileSync(join(fixtures, name, 'expected.yaml'), 'utf8');
      const deployed = readDeployedModel(expected, irisTarget);
      expect(deployed.version).toBe(release.version);
      expect(deployed.artifactDigest).toBe(release.artifactDigest);
      expect(deployed.storageUri).toBe(storageUriOf(release));
      expect(deployed.artifact).toBe(`${release.artifactRepository}@${release.artifactDigest}`);
      expect(deployed.sourceCommit).toBe(release.sourceCommit);
    });

    it(`changes nothing when ${name} is edited a second time for the same release`, () => {
      const expected = readFileSync(join(fixtures, name, 'expected.yaml'), 'utf8');
      const again = planManifestChange(expected, irisTarget, release);
      expect(again.text).toBe(expected);
      expect(again.alreadyDeployed).toBe(true);
    });
  }
});

describe('promotion reads back the release a proposal recorded', () => {
  for (const [name, release] of Object.entries(goldenCases)) {
    it(`carries the artifact and the serving image of ${name} over unchanged`, () => {
      const expected = readFileSync(join(fixtures, name, 'expected.yaml'), 'utf8');
      const promoted = releaseOf('iris', readDeployedModel(expected, irisTarget), name);
      expect(promoted).toEqual(release);
      expect(planManifestChange(expected, irisTarget, promoted).alreadyDeployed).toBe(true);
    });
  }
});
