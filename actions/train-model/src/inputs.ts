// Reads the action's inputs once, into one typed settings object. Nothing else calls getInput.
import { resolve } from 'node:path';
import * as core from '@actions/core';
import { parseTimeoutMinutes } from '@slipway/core/eval';

export interface TrainModelSettings {
  /** Absolute path of slipway.yaml. */
  readonly config: string;
  /** The directory relative paths are resolved against. */
  readonly root: string;
  /** Replaces train.command; undefined uses slipway.yaml's. */
  readonly command?: string;
  /** Replaces train.timeout-minutes. */
  readonly timeoutMinutes?: number;
  readonly requireGpu: boolean;
}

export function readSettings(): TrainModelSettings {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const root = resolve(workspace, core.getInput('working-directory'));
  const command = core.getInput('command').trim();
  const timeoutMinutes = parseTimeoutMinutes(core.getInput('timeout-minutes'), 'input timeout-minutes');
  return {
    config: resolve(root, core.getInput('config', { required: true })),
    root,
    ...(command ? { command } : {}),
    ...(timeoutMinutes !== undefined ? { timeoutMinutes } : {}),
    requireGpu: core.getBooleanInput('require-gpu'),
  };
}
