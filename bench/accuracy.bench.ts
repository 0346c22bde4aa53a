// accuracy-test metrics: 10 million generated classification predictions (4 classes, 2 slices), ingested in
// full (parse, checks, duplicate-id table, confusion matrices per test set and slice, bounded sample) against
// its peer, merely reading the same file line by line and JSON.parse-ing every line, in the same run. Each
// side runs in its own child process, which also gives the metrics run's peak RSS.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleForNode } from '../scripts/bundle.ts';
import { compare, figure, median, type Sample } from './harness.ts';

const root = resolve(import.meta.dirname, '..');
const rows = Number(process.env['SLIPWAY_BENCH_ROWS'] ?? 10_000_000);
const work = mkdtempSync(join(tmpdir(), 'slipway-bench-metrics-'));
const predictions = join(work, 'predictions.jsonl');

try {
  // Node runs .ts but does not map the sources' .js imports, so the metrics core is bundled first.
  await bundleForNode({
    entry: join(root, 'packages/core/src/metrics/index.ts'),
    outfile: join(work, 'metrics.mjs'),
  });

  const started = performance.now();
  generate(predictions, rows);
  console.log(
    `generated ${rows.toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  writeFileSync(
    join(work, 'parse-only.mjs'),
    `import { createReadStream } from 'node:fs';
const started = performance.now();
let rest = '', n = 0;
for await (const chunk of createReadStream(process.argv[2], { encoding: 'utf8', highWaterMark: 1 << 16 })) {
  const text = rest + chunk;
  let start = 0;
  for (let end = text.indexOf('\\n'); end >= 0; end = text.indexOf('\\n', start)) {
    JSON.parse(text.slice(start, end));
    n++;
    start = end + 1;
  }
  rest = text.slice(start);
}
if (rest.length > 0) { JSON.parse(rest); n++; }
console.log(JSON.stringify({ rows: n, seconds: (performance.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
`,
  );
  writeFileSync(
    join(work, 'metrics-run.mjs'),
    `import { ingestPredictions } from './metrics.mjs';
const started = performance.now();
const partial = await ingestPredictions(process.argv[2], {
  task: 'classification', testSet: 'bench', classes: ['cat', 'dog', 'bird', 'fish'], slices: ['night', 'rain'],
});
console.log(JSON.stringify({ rows: partial.overall.n, seconds: (performance.now() - started) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, notes: partial.notes ?? [] }));
`,
  );

  const run = (script: string) => (): Sample => {
    const result = child(script);
    if (result.rows !== rows) throw new Error(`${script} read ${result.rows} rows, ${rows} written`);
    for (const note of result.notes ?? []) console.log(`note: ${note}`);
    return { ms: result.seconds * 1000, peakRssMb: result.maxRssMiB };
  };
  // Time is measured inside each child (start-up excluded on both sides): throughput, not start-up.
  const result = await compare({
    name: 'accuracy-throughput',
    kind: 'speedup',
    target: 0.5,
    rounds: Number(process.env['SLIPWAY_BENCH_ROUNDS'] ?? 3),
    ours: { label: `metrics ingestion of ${rows.toLocaleString('en')} rows`, run: run('metrics-run.mjs') },
    peer: { label: 'read + JSON.parse of every line', run: run('parse-only.mjs') },
  });
  figure('accuracy-peak-rss-mb', median(result.ours.map((s) => s['peakRssMb']!)), ' MB', { max: 200 });
} finally {
  rmSync(work, { recursive: true, force: true });
}

interface ChildResult {
  rows: number;
  seconds: number;
  maxRssMiB: number;
  notes?: string[];
}

function child(script: string): ChildResult {
  const run = spawnSync(process.execPath, [join(work, script), predictions], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`${script} failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult;
}

/** Writes the predictions in 4 MiB chunks; about 1 in 8 predictions wrong, slices on a fixed pattern. */
function generate(path: string, count: number): void {
  const classes = ['cat', 'dog', 'bird', 'fish'];
  const tags = ['[]', '["night"]', '["rain"]', '["night","rain"]', '[]', '[]'];
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    let seed = 12345;
    for (let i = 0; i < count; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const label = classes[seed & 3]!;
      const prediction = (seed >>> 8) % 8 === 0 ? classes[(seed >>> 4) & 3]! : label;
      chunk += `{"id":"ex-${i}","label":"${label}","prediction":"${prediction}","slices":${tags[(seed >>> 12) % 6]}}\n`;
      if (chunk.length > 1 << 22) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}
