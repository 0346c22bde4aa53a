// Sufficient statistics of one group of examples (a test set or a slice): accumulated row by row while
// ingesting, serialized as GroupStats, and merged exactly (integer counts add; float sums are exact sums).
import { addExact, addExactProduct, mergeExact } from './exact-sum.js';
import { BottomSample, mergeSamples } from './sample.js';
import type { ConfusionCounts, GroupStats, RegressionSums, Task } from './types.js';

/** Class names ↔ indices, shared by every group of one ingestion; grows when a new label appears. */
export class ClassIndex {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(names: readonly string[] = []) {
    for (const name of names) this.indexOf(name);
  }
  has(name: string): boolean {
    return this.index.has(name);
  }
  indexOf(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

/** A confusion matrix with a fixed stride, so counting is one array increment; re-laid when classes outgrow it. */
class ConfusionAccumulator {
  private stride = 16;
  private counts = new Float64Array(this.stride * this.stride);

  add(label: number, prediction: number): void {
    const k = Math.max(label, prediction);
    if (k >= this.stride) this.widen(k + 1);
    this.counts[label * this.stride + prediction]!++;
  }

  toJSON(classes: readonly string[]): ConfusionCounts {
    const k = classes.length;
    const matrix: number[][] = [];
    for (let i = 0; i < k; i++) {
      const row: number[] = [];
      for (let j = 0; j < k; j++)
        row.push(i < this.stride && j < this.stride ? this.counts[i * this.stride + j]! : 0);
      matrix.push(row);
    }
    return { classes: [...classes], matrix };
  }

  private widen(needed: number): void {
    let stride = this.stride;
    while (stride < needed) stride *= 2;
    const counts = new Float64Array(stride * stride);
    for (let i = 0; i < this.stride; i++) {
      for (let j = 0; j < this.stride; j++) counts[i * stride + j] = this.counts[i * this.stride + j]!;
    }
    this.stride = stride;
    this.counts = counts;
  }
}

function emptySums(): RegressionSums {
  return { n: 0, sumY: [], sumY2: [], sumPrediction: [], sumAbsError: [], sumSquaredError: [] };
}

/** Statistics of one group while its rows stream in. */
export class GroupAccumulator {
  n = 0;
  private readonly task: Task;
  private readonly confusion: ConfusionAccumulator | undefined;
  private readonly sums: RegressionSums | undefined;
  private readonly sample: BottomSample;

  constructor(task: Task, sampleLimit: number) {
    this.task = task;
    this.confusion = task === 'classification' ? new ConfusionAccumulator() : undefined;
    this.sums = task === 'regression' ? emptySums() : undefined;
    this.sample = new BottomSample(sampleLimit);
  }

  addClassified(hash: number, label: number, prediction: number): void {
    this.n++;
    this.confusion!.add(label, prediction);
    this.sample.offer(hash, label === prediction ? 1 : 0);
  }

  addRegressed(hash: number, y: number, prediction: number): void {
    this.n++;
    const s = this.sums!;
    s.n++;
    const error = prediction - y;
    addExact(s.sumY, y);
    addExactProduct(s.sumY2, y, y);
    addExact(s.sumPrediction, prediction);
    addExact(s.sumAbsError, Math.abs(error));
    addExact(s.sumSquaredError, error * error);
    this.sample.offer(hash, y, prediction);
  }

  toJSON(classes: readonly string[]): GroupStats {
    const out: GroupStats = { n: this.n, sample: this.sample.toJSON(this.task) };
    if (this.confusion) out.confusion = this.confusion.toJSON(classes);
    if (this.sums) out.regression = structuredClone(this.sums);
    return out;
  }
}

/** Adds confusion matrices by class name: the union of the classes, each cell the sum of the counts. */
export function mergeConfusion(parts: readonly ConfusionCounts[]): ConfusionCounts {
  const classes = new ClassIndex();
  for (const p of parts) for (const c of p.classes) classes.indexOf(c);
  const k = classes.names.length;
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const p of parts) {
    const map = p.classes.map((c) => classes.indexOf(c));
    p.matrix.forEach((row, i) => {
      row.forEach((count, j) => {
        matrix[map[i]!]![map[j]!]! += count;
      });
    });
  }
  return { classes: classes.names, matrix };
}

export function mergeRegression(parts: readonly RegressionSums[]): RegressionSums {
  const out = emptySums();
  for (const p of parts) {
    out.n += p.n;
    mergeExact(out.sumY, p.sumY);
    mergeExact(out.sumY2, p.sumY2);
    mergeExact(out.sumPrediction, p.sumPrediction);
    mergeExact(out.sumAbsError, p.sumAbsError);
    mergeExact(out.sumSquaredError, p.sumSquaredError);
  }
  return out;
}

export function mergeGroups(task: Task, parts: readonly GroupStats[]): GroupStats {
  const out: GroupStats = {
    n: parts.reduce((sum, p) => sum + p.n, 0),
    sample: mergeSamples(
      parts.map((p) => p.sample),
      task,
    ),
  };
  if (task === 'classification')
    out.confusion = mergeConfusion(parts.flatMap((p) => (p.confusion ? [p.confusion] : [])));
  else out.regression = mergeRegression(parts.flatMap((p) => (p.regression ? [p.regression] : [])));
  return out;
}

export function emptyGroup(task: Task, sampleLimit: number): GroupStats {
  return new GroupAccumulator(task, sampleLimit).toJSON([]);
}
