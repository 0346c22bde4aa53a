// The runner's GPUs, as nvidia-smi reports them. No nvidia-smi (or one that fails) means no GPUs:
// a CPU runner is a normal case, and `require-gpu` turns it into a clear failure where it is not.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EvaluationError } from './errors.js';

export interface Gpu {
  /** Position in nvidia-smi's list; the value given in CUDA_VISIBLE_DEVICES. */
  readonly index: number;
  readonly name: string;
  readonly memoryMiB: number;
  readonly driverVersion: string;
}

export const NVIDIA_SMI_ARGS = [
  '--query-gpu=name,memory.total,driver_version',
  '--format=csv,noheader,nounits',
] as const;

/** Parses `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseGpuInventory(text: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    // GPU names do not contain commas; the driver version and memory are the last two fields.
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length < 3) continue;
    const driverVersion = fields.pop() ?? '';
    const memory = Number(fields.pop());
    gpus.push({
      index: gpus.length,
      name: fields.join(', '),
      memoryMiB: Number.isFinite(memory) ? memory : 0,
      driverVersion,
    });
  }
  return gpus;
}

/** Lists the runner's GPUs; an empty list when nvidia-smi is absent or finds none. */
export async function detectGpus(program = 'nvidia-smi'): Promise<Gpu[]> {
  // Most runners are CPU runners: looking along PATH first spares them a process start that can only fail.
  if (!isExecutable(program, process.env.PATH ?? '')) return [];
  return new Promise((resolve) => {
    execFile(program, [...NVIDIA_SMI_ARGS], { timeout: 30_000 }, (error, stdout) => {
      resolve(error ? [] : parseGpuInventory(stdout));
    });
  });
}

/** Whether `program` (a path, or a name looked up along PATH as execFile does) is an executable file. */
function isExecutable(program: string, path: string): boolean {
  const candidates = program.includes('/')
    ? [program]
    : path.split(delimiter).map((dir) => join(dir || '.', program));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Throws when a GPU is required and the runner has none, saying what to check. */
export function assertGpuAvailable(gpus: readonly Gpu[], required: boolean): void {
  if (!required || gpus.length > 0) return;
  throw new EvaluationError(
    'require-gpu is set, but this runner has no GPU: nvidia-smi is not installed or lists no device. ' +
      'Run the job on a GPU runner (runs-on: [self-hosted, gpu]) with the NVIDIA driver installed, ' +
      'or set require-gpu: false to evaluate on the CPU.',
  );
}

/** The GPUs line every evaluation and training run logs first. */
export function describeGpus(gpus: readonly Gpu[]): string {
  return gpus.length === 0
    ? 'GPUs: none (nvidia-smi not found or lists no device)'
    : `GPUs: ${gpus.map((g) => `#${g.index} ${g.name}, ${g.memoryMiB} MiB, driver ${g.driverVersion}`).join('; ')}`;
}
