// Eval metrics against the tools a user would pick instead, on the same predictions file (10 classes,
// 3 slices) at 1 M and 10 M rows: pandas + numpy (read in chunks, confusion matrices by bincount) and
// scikit-learn (precision_recall_fscore_support and accuracy_score on integer label codes). Each side is
// a process of its own, timed with its peak RSS; the metrics each prints are compared with Slipway's.
// Slipway's side does more (Wilson and bootstrap intervals, duplicate-id and data checks, a sample for
// paired tests), which only flatters the peers.
//
// The peers run on Debian's python3 (/usr/bin/python3), with python3-pandas, python3-numpy and
// python3-sklearn installed here by apt-get when missing (the pyenv python3 on PATH is not used).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleForNode } from '../scripts/bundle.ts';
import { compare, figure, median, runProcess, type Sample } from './harness.ts';

const root = resolve(import.meta.dirname, '..');
const python = '/usr/bin/python3';
const sizes = (process.env['SLIPWAY_BENCH_EVAL_ROWS'] ?? '1000000,10000000').split(',').map(Number);
const CLASSES = ['cat', 'dog', 'bird', 'fish', 'horse', 'cow', 'sheep', 'goat', 'duck', 'frog'];
const SLICES = ['night', 'rain', 'blur'];
const work = mkdtempSync(join(tmpdir(), 'slipway-bench-eval-peers-'));

interface Metrics {
  n: number;
  accuracy: number | null;
  'macro-precision': number | null;
  'macro-recall': number | null;
  'macro-f1': number | null;
  f1: Array<number | null>;
}
interface Printed {
  overall: Metrics;
  slices: Record<string, Metrics>;
}

/** Installs Debian's pandas, numpy and scikit-learn for /usr/bin/python3 when they are missing. */
function ensurePeers(): void {
  const check = () =>
    spawnSync(python, ['-c', 'import pandas, numpy, sklearn'], { stdio: 'ignore' }).status === 0;
  if (check()) return;
  console.log('installing python3-pandas python3-numpy python3-sklearn with apt-get…');
  const apt = (args: string[]) => {
    const result = spawnSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status})`);
  };
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', 'python3-pandas', 'python3-numpy', 'python3-sklearn']);
  if (!check()) throw new Error('pandas, numpy or scikit-learn still missing for /usr/bin/python3');
}

/** 10 classes, about 1 in 8 predictions wrong, slice tags on a fixed pattern; written in 4 MiB pieces. */
function generate(path: string, count: number): void {
  const tags = ['[]', '["night"]', '["rain"]', '["night","rain"]', '["blur"]', '[]', '["rain","blur"]', '[]'];
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    let seed = 12345;
    for (let i = 0; i < count; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const label = CLASSES[seed % 10]!;
      const prediction = (seed >>> 8) % 8 === 0 ? CLASSES[(seed >>> 4) % 10]! : label;
      chunk += `{"id":"ex-${i}","label":"${label}","prediction":"${prediction}","slices":${tags[(seed >>> 12) % 8]}}\n`;
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

/** The largest difference between two sides' metrics; a null (undefined metric) matches a 0. */
function largestDifference(a: Printed, b: Printed): number {
  let worst = 0;
  const groups: Array<[Metrics, Metrics]> = [[a.overall, b.overall]];
  for (const s of SLICES) groups.push([a.slices[s]!, b.slices[s]!]);
  for (const [x, y] of groups) {
    if (x.n !== y.n) return Number.POSITIVE_INFINITY;
    const pairs: Array<[number | null, number | null]> = [
      [x.accuracy, y.accuracy],
      [x['macro-precision'], y['macro-precision']],
      [x['macro-recall'], y['macro-recall']],
      [x['macro-f1'], y['macro-f1']],
      ...x.f1.map((v, i): [number | null, number | null] => [v, y.f1[i] ?? null]),
    ];
    for (const [p, q] of pairs) worst = Math.max(worst, Math.abs((p ?? 0) - (q ?? 0)));
  }
  return worst;
}

try {
  ensurePeers();
  // Node runs .ts but does not map the sources' .js imports, so the metrics core is bundled first.
  await bundleForNode({
    entry: join(root, 'packages/core/src/metrics/index.ts'),
    outfile: join(work, 'metrics.mjs'),
  });
  writeFileSync(
    join(work, 'slipway-eval.mjs'),
    `import { classificationMetrics, ingestPredictions } from './metrics.mjs';
const [path, classes, slices] = [process.argv[2], process.argv[3].split(','), process.argv[4].split(',')];
const partial = await ingestPredictions(path, { task: 'classification', testSet: 'bench', classes, slices });
const settings = { confidence: 0.95, samples: 1000, seed: 42 };
const metrics = (group) => {
  const { metrics } = classificationMetrics(group.confusion, settings);
  const value = (name) => metrics[name]?.value ?? null;
  return { n: group.n, accuracy: value('accuracy'), 'macro-precision': value('macro-precision'),
    'macro-recall': value('macro-recall'), 'macro-f1': value('macro-f1'), f1: classes.map((c) => value('f1.' + c)) };
};
console.log(JSON.stringify({ overall: metrics(partial.overall),
  slices: Object.fromEntries(slices.map((s) => [s, metrics(partial.slices[s])])) }));
`,
  );

  for (const rows of sizes) {
    const label = rows >= 1e6 ? `${rows / 1e6}m` : `${rows / 1e3}k`;
    const predictions = join(work, `predictions-${label}.jsonl`);
    const started = performance.now();
    generate(predictions, rows);
    console.log(
      `\n-- ${rows.toLocaleString('en')} predictions, ${CLASSES.length} classes, ${SLICES.length} slices (generated in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    const args = [predictions, CLASSES.join(','), SLICES.join(',')];
    const outputs: Record<string, Printed> = {};
    const side = (name: string, command: string, script: string) => (): Sample => {
      const { sample, stdout } = runProcess(command, [script, ...args]);
      outputs[name] = JSON.parse(stdout.trim().split('\n').at(-1)!) as Printed;
      return sample;
    };
    const ours = {
      label: `slipway metrics, ${label} rows`,
      run: side('slipway', process.execPath, join(work, 'slipway-eval.mjs')),
    };
    // 10 M rows takes the peers minutes a run on this machine: fewer rounds there.
    const rounds = rows > 2_000_000 ? 1 : 3;
    const warmups = rows > 2_000_000 ? 0 : 1;
    const pandas = await compare({
      name: `eval-${label}-speedup-vs-pandas`,
      kind: 'speedup',
      target: 3,
      rounds,
      warmups,
      ours,
      peer: {
        label: `pandas + numpy, ${label} rows`,
        run: side('pandas', python, join(import.meta.dirname, 'peers/eval_pandas.py')),
      },
    });
    const sklearn = await compare({
      name: `eval-${label}-speedup-vs-sklearn`,
      kind: 'speedup',
      target: 1,
      rounds,
      warmups,
      ours,
      peer: {
        label: `scikit-learn on label codes, ${label} rows`,
        run: side('sklearn', python, join(import.meta.dirname, 'peers/eval_sklearn.py')),
      },
    });
    const oursRss = median([...pandas.ours, ...sklearn.ours].map((s) => s['peakRssMb']!));
    const pandasRss = median(pandas.peer.map((s) => s['peakRssMb']!));
    const sklearnRss = median(sklearn.peer.map((s) => s['peakRssMb']!));
    console.log(
      `peak RSS (medians): slipway ${oursRss.toFixed(0)} MB, pandas + numpy ${pandasRss.toFixed(0)} MB, scikit-learn ${sklearnRss.toFixed(0)} MB`,
    );
    figure(
      `eval-${label}-peak-rss-fraction-of-pandas`,
      oursRss / pandasRss,
      '',
      { max: 1 / 6 },
      `${oursRss.toFixed(0)} MB / ${pandasRss.toFixed(0)} MB`,
    );
    if (rows >= 10_000_000) figure(`eval-${label}-peak-rss-mb`, oursRss, ' MB', { max: 200 });
    figure(
      `eval-${label}-metrics-differ-from-pandas-by`,
      largestDifference(outputs['slipway']!, outputs['pandas']!),
      '',
      { max: 1e-9 },
    );
    figure(
      `eval-${label}-metrics-differ-from-sklearn-by`,
      largestDifference(outputs['slipway']!, outputs['sklearn']!),
      '',
      { max: 1e-9 },
    );
    rmSync(predictions, { force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
