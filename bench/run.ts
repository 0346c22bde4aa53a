// `npm run bench [-- name…]`: runs every bench/*.bench.ts (or those whose names contain a given word) in
// turn, each in its own Node 24 process, and ends with the table of ratios they printed.
// Benchmarks compare against a peer measured in the same run, alternating rounds (bench/harness.ts);
// nothing here is a timed test.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const benches = readdirSync(import.meta.dirname)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

const ratios: string[] = [];
let failed = 0;
for (const name of benches) {
  // The disk settles first: the publish bench leaves gigabytes written, and their writeback would
  // otherwise land in the timings of whichever bench runs next.
  spawnSync('sync', [], { stdio: 'ignore' });
  process.stdout.write(`\n=== ${name} ===\n`);
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
