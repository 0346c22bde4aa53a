// The main job's stand-in for github.com: the project's GitHub API simulator (held to GitHub's OpenAPI
// description, backed by a real bare git repository) serving the environments/ skeleton as <repo>, on
// 127.0.0.1 only. Prints {"url","gitDir"} as one JSON line, then serves until SIGTERM or SIGINT, when it
// prints the pull requests it holds and stops. Bundled and run by scripts/main.sh.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startGitHubSim } from '../test/github-sim/index.js';

const [repo = '', dir = ''] = process.argv.slice(2);
if (!repo || !dir) {
  console.error('usage: local-github <owner/name> <directory to serve as its main branch>');
  process.exit(2);
}

const files: Record<string, string> = {};
for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (entry.isFile()) {
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] = readFileSync(path, 'utf8');
  }
}

const sim = await startGitHubSim({ login: 'slipway-demo' });
const { path } = await sim.createRepo(repo, files, {
  requiresStatusChecks: true,
  collaborators: ['alice'],
  teams: ['ml-platform', 'sre'],
});
// Branch protection as environments/branch-protection.md sets it: Slipway's four gates are required checks,
// so nothing merges early, whoever clicks, and auto-merge fires when the last one turns green.
sim.protectBranch(repo, 'main', {
  contexts: ['slipway/verified', 'slipway/soak', 'slipway/freeze', 'slipway/hold'],
});
process.stdout.write(`${JSON.stringify({ url: sim.url, gitDir: path })}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const pull of sim.pulls(repo)) {
    const flags = [pull.state, pull.draft ? 'draft' : '', pull.autoMerge ? 'auto-merge on' : ''].filter(
      Boolean,
    );
    process.stdout.write(`PR #${pull.number} [${flags.join(', ')}] ${pull.title}\n`);
    process.stdout.write(`  ${pull.head} → ${pull.base}; labels: ${pull.labels.join(', ') || 'none'}\n`);
  }
  if (sim.violations.length > 0) process.stdout.write(`API violations:\n${sim.violations.join('\n')}\n`);
  await sim.close();
  process.exit(sim.violations.length > 0 ? 1 : 0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
