// Bad input to the promoter gets one clear error and changes nothing: an unknown environment, a cycle in
// promote-from, an RRULE that does not parse — each through the bundled action as the runner runs it.
import { describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import { environmentRepository, runPromote, skeletonFiles } from './promote.helpers.js';

const sim = useGitHubSim();

/** The skeleton with one edit to slipway.yaml. */
function withConfig(edit: (text: string) => string): Record<string, string> {
  const files = skeletonFiles();
  files['slipway.yaml'] = edit(files['slipway.yaml']!);
  return files;
}

async function expectNothingChanged(name: string, before: string) {
  expect(sim().pulls(name)).toEqual([]);
  expect(await sim().repo(name).git.readRef('refs/heads/main')).toBe(before);
  expect(sim().countRequests({ method: 'POST' }) - sim().countRequests({ operationId: 'graphql' })).toBe(0);
  expect(sim().countRequests({ method: 'PATCH' }) + sim().countRequests({ method: 'PUT' })).toBe(0);
}

describe('promote with bad input', () => {
  it('names an unknown environment and the nearest one, and changes nothing', async () => {
    const name = 'acme/bad-env';
    await environmentRepository(sim(), name);
    const before = (await sim().repo(name).git.readRef('refs/heads/main'))!;
    const result = await runPromote(sim(), name, 'repository_dispatch', {
      inputs: { environments: 'prodd' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.filter((a) => a.command === 'error').map((a) => a.message)).toEqual([
      "acme/bad-env@main:slipway.yaml: environment 'prodd' is not listed (known: dev, staging, prod). Did you mean 'prod'? Nothing was changed.",
    ]);
    await expectNothingChanged(name, before);
  });

  it('refuses a cycle in promote-from, saying where it is', async () => {
    const name = 'acme/bad-cycle';
    await environmentRepository(
      sim(),
      name,
      withConfig((t) =>
        t.replace(/ {2}- name: staging[^\n]*\n/, (line) => `${line}    promote-from: prod # a cycle\n`),
      ),
    );
    const before = (await sim().repo(name).git.readRef('refs/heads/main'))!;
    const result = await runPromote(sim(), name, 'push');
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^acme\/bad-cycle@main:slipway\.yaml:\d+:\d+: promote-from makes a cycle: staging ← prod ← staging\./,
    );
    await expectNothingChanged(name, before);
  });

  it('refuses an RRULE that does not parse, pointing at the rule', async () => {
    const name = 'acme/bad-rrule';
    await environmentRepository(
      sim(),
      name,
      withConfig((t) => t.replace('FREQ=WEEKLY;BYDAY=FR', 'FREQ=FORTNIGHTLY;BYDAY=FR')),
    );
    const before = (await sim().repo(name).git.readRef('refs/heads/main'))!;
    const result = await runPromote(sim(), name, 'schedule');
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.command === 'error').map((a) => a.message);
    expect(errors).toEqual([
      expect.stringMatching(
        /^acme\/bad-rrule@main:slipway\.yaml:\d+:\d+: freeze window of 'prod': RRULE 'FREQ=FORTNIGHTLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0' does not parse: FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY or MINUTELY\. Nothing was changed; fix the rule in slipway\.yaml\.$/,
      ),
    ]);
    expect(result.stdout).not.toMatch(/\n\s+at /);
    await expectNothingChanged(name, before);
  });
});
