// open-environment-pr against what people do to a proposal (issue 10): a person's amended commit on the
// proposal branch is theirs, whatever its parent, and Slipway leaves it alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useGitHubSim } from '../github-sim/index.js';
import {
  branch,
  gitText,
  manifestAfter,
  manifestPath,
  propose,
  revParse,
  showFile,
} from './open-environment-pr.fixtures.js';

const sim = useGitHubSim();
let repoCount = 0;
async function environmentRepo() {
  const { environmentRepoFiles } = await import('./open-environment-pr.fixtures.js');
  const repository = `acme/envs-hard-${++repoCount}`;
  const { path } = await sim().createRepo(repository, environmentRepoFiles());
  return { repository, gitDir: path, apiUrl: sim().url };
}

/** `git commit --amend` on the proposal branch: same message, same parent, the person's own content. */
function amend(gitDir: string, content: string): string {
  const git = (args: string[], input?: string, env: Record<string, string> = {}) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], {
      input,
      env: {
        ...process.env,
        ...env,
        GIT_AUTHOR_NAME: 'Grace Reviewer',
        GIT_AUTHOR_EMAIL: 'grace@example.com',
        GIT_COMMITTER_NAME: 'Grace Reviewer',
        GIT_COMMITTER_EMAIL: 'grace@example.com',
      },
    })
      .toString('utf8')
      .trim();
  const tip = git(['rev-parse', branch]);
  const parent = git(['rev-parse', `${branch}^`]);
  const message = git(['log', '-1', '--format=%B', branch]);
  const index = join(mkdtempSync(join(tmpdir(), 'slipway-amend-')), 'index');
  try {
    const blob = git(['hash-object', '-w', '--stdin'], content);
    git(['read-tree', branch], undefined, { GIT_INDEX_FILE: index });
    git(['update-index', '--cacheinfo', `100644,${blob},${manifestPath}`], undefined, {
      GIT_INDEX_FILE: index,
    });
    const tree = git(['write-tree'], undefined, { GIT_INDEX_FILE: index });
    const amended = git(['commit-tree', tree, '-p', parent], message);
    git(['update-ref', `refs/heads/${branch}`, amended, tip]);
    return amended;
  } finally {
    rmSync(join(index, '..'), { recursive: true, force: true });
  }
}

describe('open-environment-pr and people on the proposal branch', () => {
  it("leaves alone a person's amended commit with Slipway's message and parent, and says why", async () => {
    const env = await environmentRepo();
    const first = await propose(env);
    expect(first.outputs.outcome).toBe('opened');
    const tuned = `${manifestAfter}# replicas tuned by a reviewer\n`;
    const theirs = amend(env.gitDir, tuned);
    expect(await gitText(env.gitDir, ['log', '-1', '--format=%P', branch])).toBe(
      `${await revParse(env.gitDir, `${first.outputs.commit}^`)}\n`,
    );

    const again = await propose({ ...env, version: '1.4.0', digestHex: '5' });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs.outcome).toBe('left-alone');
    expect(await revParse(env.gitDir, branch)).toBe(theirs);
    expect(await showFile(env.gitDir, branch, manifestPath)).toBe(tuned);
    const pr = sim().pulls(env.repository)[0]!;
    expect(
      sim()
        .comments(env.repository, pr.number)
        .map((c) => c.body)
        .join('\n'),
    ).toContain('never force-pushes');
  });

  it('still updates its own untouched commit on the next version', async () => {
    const env = await environmentRepo();
    const first = await propose(env);
    const again = await propose({ ...env, version: '1.4.0', digestHex: '5' });
    expect(again.outputs.outcome).toBe('updated');
    expect(again.outputs.commit).not.toBe(first.outputs.commit);
    expect(await revParse(env.gitDir, branch)).toBe(again.outputs.commit);
  });
});

describe('open-environment-pr with an API URL that is not the GitHub API', () => {
  const failureOf = (result: Awaited<ReturnType<typeof propose>>) =>
    result.annotations
      .filter((a) => a.command === 'error')
      .map((a) => a.message)
      .join('\n');

  it('says the API answered a web page, not JSON', async () => {
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>GitHub Enterprise sign-in</html>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const address = server.address();
      const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const result = await propose({ repository: 'acme/envs', apiUrl });
      expect(result.exitCode).toBe(1);
      // The first read is a GraphQL query (POST /graphql) beside a REST GET: either may answer first.
      expect(failureOf(result)).toMatch(new RegExp(`The GitHub API at ${apiUrl} answered (GET|POST) /`));
      expect(failureOf(result)).toContain(
        'with text/html (status 200), not JSON: it is not the GitHub REST API',
      );
      expect(result.stdout + result.stderr).not.toMatch(/Cannot read properties|\n\s+at .+:\d+:\d+/);
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('never prints the token when the API echoes request headers in its error', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res
        .writeHead(422, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `Unprocessable: ${JSON.stringify(req.headers)}` }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const address = server.address();
      const apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const result = await propose({ repository: 'acme/envs', apiUrl });
      expect(result.exitCode).toBe(1);
      expect(failureOf(result)).toContain('Unprocessable');
      const printed = (result.stdout + result.stderr)
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      expect(printed).not.toContain('ghs_simulatedInstallationToken123');
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('says an API URL that does not parse is not a URL', async () => {
    const result = await propose({ repository: 'acme/envs', apiUrl: 'github.example.com/api/v3' });
    expect(result.exitCode).toBe(1);
    expect(failureOf(result)).toContain(
      "The GitHub API URL 'github.example.com/api/v3' is not an http(s) URL. Expected https://api.github.com, or https://HOST/api/v3",
    );
  });
});

describe('open-environment-pr with a hostile eval report', () => {
  it("shows slice names as text, never as Markdown or HTML, and fits the body in GitHub's limit however many gates fail", async () => {
    const env = await environmentRepo();
    const hostile = 'x\n\nAll evaluation gates passed.\n\n<!-- ';
    const gates = Array.from({ length: 3000 }, (_, i) => ({
      testSet: 'holdout',
      slice: `${hostile}${i}`,
      metric: 'accuracy',
      kind: 'threshold',
      passed: false,
      reason: `accuracy 0.1 < 0.9 <b>${'*'.repeat(40)}</b>`,
    }));
    const dir = mkdtempSync(join(tmpdir(), 'slipway-hostile-report-'));
    const report = join(dir, 'eval-report.json');
    writeFileSync(
      report,
      JSON.stringify({
        kind: 'EvalReport',
        passed: false,
        testSets: [{ name: 'holdout', metrics: { accuracy: { value: 0.1, direction: 'higher' } } }],
        gates,
      }),
    );
    try {
      const result = await propose({ ...env, inputs: { 'eval-report': report } });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const body = sim().pulls(env.repository)[0]!.body ?? '';
      expect(body.length).toBeLessThanOrEqual(65_536);
      // The only HTML comment is Slipway's own marker; no line claims the gates passed.
      expect(body.match(/<!--/g)).toHaveLength(1);
      expect(body.split('\n').some((line) => line.trim() === 'All evaluation gates passed.')).toBe(false);
      expect(body).not.toContain('<b>');
      expect(body).toContain('**Some evaluation gates failed.**');
      expect(body).toContain('more failed gates in the eval report');
      expect(body).toContain('Machine-readable proposal');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
