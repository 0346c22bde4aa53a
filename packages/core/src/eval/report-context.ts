// What a report says about where it came from: the model, the commit, the command, the runner and its GPUs.
import { execFile } from 'node:child_process';
import { hostname, platform, release } from 'node:os';
import { gitEnvironment } from '../config/git-environment.js';
import type { ReportContext } from '../metrics/index.js';
import type { Gpu } from './gpus.js';
import type { EvalProject } from './project.js';

export interface RunnerIdentity {
  /** RUNNER_NAME on GitHub, the host name elsewhere. */
  readonly name: string;
  readonly os: string;
  /** GITHUB_SHA on GitHub; otherwise read from the project's git repository. */
  readonly commit?: string;
}

/** The runner as the environment describes it (GitHub's variables when present). */
export function runnerIdentity(env: Record<string, string | undefined>): RunnerIdentity {
  return {
    name: env.RUNNER_NAME || hostname(),
    os: env.RUNNER_OS || `${platform()} ${release()}`,
    ...(env.GITHUB_SHA ? { commit: env.GITHUB_SHA } : {}),
  };
}

export interface ContextInput {
  readonly project: EvalProject;
  readonly projectDir: string;
  readonly argv: readonly string[];
  readonly runner: RunnerIdentity;
  readonly gpus: readonly Gpu[];
}

export async function reportContext(input: ContextInput): Promise<ReportContext> {
  const { model } = input.project;
  return {
    model: { name: model.name, ...(model.version ? { version: model.version } : {}) },
    commit: input.runner.commit ?? (await gitHead(input.projectDir)),
    command: [...input.argv],
    runner: { name: input.runner.name, os: input.runner.os },
    gpus: input.gpus.map((gpu) => ({ name: gpu.name, memoryMiB: gpu.memoryMiB, driver: gpu.driverVersion })),
    createdAt: new Date().toISOString(),
  };
}

/** The checked-out commit, or `unknown` outside a git repository. */
function gitHead(cwd: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['rev-parse', 'HEAD'],
      { cwd, timeout: 10_000, env: gitEnvironment() },
      (error, stdout) => {
        resolve(error ? 'unknown' : stdout.trim());
      },
    );
  });
}
