// `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those whose names contain a given word) in
// turn, each in its own Node 24 process, and ends with the table of ratios they printed.
// Benchmarks compare against a peer measured in the same run, alternating rounds (bench/harness.ts);
// nothing here is a timed test.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const filters = process.argv.slice(2);
const benches = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

/** Sectors written and I/Os in flight, over every block device, from /proc/diskstats (0 where there is none). */
function diskActivity(): number[] {
  if (!existsSync('/proc/diskstats')) return [0, 0];
  const totals = [0, 0];
  for (const line of readFileSync('/proc/diskstats', 'utf8').trim().split('\n')) {
    const fields = line.trim().split(/\s+/);
    totals[0]! += Number(fields[9] ?? 0);
    totals[1]! += Number(fields[11] ?? 0);
  }
  return totals;
}

/** Waits (at most a minute) until a second passes with nothing written and nothing in flight; the seconds waited. */
async function diskIdle(): Promise<number> {
  const started = performance.now();
  let before = diskActivity();
  while (performance.now() - started < 60_000) {
    await sleep(1000);
    const now = diskActivity();
    if (now[0] === before[0] && now[1] === 0) break;
    before = now;
  }
  return (performance.now() - started) / 1000;
}

const ratios: string[] = [];
let failed = 0;
for (const name of benches) {
  // The disk settles first: the publish bench leaves gigabytes written (and removed), and the disk's
  // work on them would otherwise land in the timings of whichever bench runs next.
  spawnSync('sync', [], { stdio: 'ignore' });
  const waited = await diskIdle();
  process.stdout.write(`\n=== ${name} ===\n`);
  if (waited > 1) process.stdout.write(`(waited ${waited.toFixed(0)} s for the disk to go idle)\n`);
  const child = spawn(process.execPath, [join(import.meta.dirname, name)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    process.stdout.write(chunk);
    buffered += chunk;
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) {
    failed++;
    ratios.push(`${name}: FAILED (exit ${code})`);
  }
  ratios.push(
    ...buffered
      .split('\n')
      .filter((line) => line.startsWith('RATIO '))
      .map((line) => line.slice(6)),
  );
}
process.stdout.write(
  `\n=== ratios (from medians; see each bench for its rounds and spread) ===\n${ratios.join('\n')}\n`,
);
process.exitCode = failed > 0 ? 1 : 0;
