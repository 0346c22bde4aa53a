// The environments/ skeleton users copy must work as shipped: its slipway.yaml is valid and every model's
// manifest in every environment can take a deployment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseEnvironmentsConfig,
  planManifestChange,
  readDeployedModel,
  resolveTarget,
} from '@slipway/core/environments';
import { describe, expect, it } from 'vitest';
import { fullRelease } from './golden-cases.js';

const skeleton = join(import.meta.dirname, '../../../../environments');

describe('the environments/ skeleton', () => {
  const config = parseEnvironmentsConfig(
    readFileSync(join(skeleton, 'slipway.yaml'), 'utf8'),
    'environments/slipway.yaml',
  );

  it('lists dev, staging and prod in promotion order', () => {
    expect(config.environments.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
  });

  for (const environment of ['dev', 'staging', 'prod']) {
    it(`deploys a new iris version to ${environment} by changing only the named values`, () => {
      const target = resolveTarget(config, environment, 'iris');
      const text = readFileSync(join(skeleton, target.manifestPath), 'utf8');
      const change = planManifestChange(text, target, fullRelease);
      expect(change.alreadyDeployed).toBe(false);
      expect(readDeployedModel(change.text, target)).toMatchObject({
        version: '1.3.0',
        artifactDigest: fullRelease.artifactDigest,
      });
      const changedLines = change.text.split('\n').filter((line) => !text.split('\n').includes(line));
      expect(changedLines.every((line) => /storageUri:|slipway\.dev\//.test(line))).toBe(true);
    });
  }
});
