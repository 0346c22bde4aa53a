// Reads the action's inputs once, into one typed settings object. Nothing else calls getInput; action.yml
// owns the defaults, and "not given" is undefined.
import { resolve } from 'node:path';
import * as core from '@actions/core';

export interface ValidateConfigSettings {
  /** Globs or paths of config files, relative to root; undefined (all lines blank or comments): core's default. */
  readonly files?: readonly string[];
  /** Fail the step on warnings too. */
  readonly failOnWarning: boolean;
  /** Absolute directory globs are matched in; findings name files relative to it. */
  readonly root: string;
  /** The workspace, so annotation paths are relative to the repository root as GitHub expects. */
  readonly workspace: string;
}

export function readSettings(): ValidateConfigSettings {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const files = core.getMultilineInput('files').filter((line) => !line.startsWith('#'));
  return {
    ...(files.length > 0 ? { files } : {}),
    failOnWarning: core.getBooleanInput('fail-on-warning'),
    root: resolve(workspace, core.getInput('working-directory')),
    workspace,
  };
}
