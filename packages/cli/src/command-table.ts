// Every `slipway` command: its name, the file under commands/ that defines it and the function there that
// registers it, in the order help lists them. The build makes one bundle of each (scripts/bundle.ts, bundleCli)
// and slipway.ts starts the one named on the command line.
export interface CommandEntry {
  readonly name: string;
  readonly file: string;
  readonly register: string;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', file: 'validate', register: 'registerValidate' },
  { name: 'train', file: 'train', register: 'registerTrain' },
  { name: 'eval', file: 'eval', register: 'registerEval' },
  { name: 'publish', file: 'publish', register: 'registerPublish' },
  { name: 'pull', file: 'pull', register: 'registerPull' },
  { name: 'propose', file: 'propose', register: 'registerPropose' },
  { name: 'promote', file: 'promote', register: 'registerPromote' },
  { name: 'status', file: 'status', register: 'registerStatus' },
  { name: 'history', file: 'history', register: 'registerHistory' },
  { name: 'rollback', file: 'rollback', register: 'registerRollback' },
  { name: 'hold', file: 'hold', register: 'registerHold' },
  { name: 'release', file: 'hold', register: 'registerRelease' },
  { name: 'trace', file: 'trace', register: 'registerTrace' },
  { name: 'new', file: 'new', register: 'registerNew' },
  { name: 'update', file: 'update', register: 'registerUpdate' },
  { name: 'template', file: 'template', register: 'registerTemplate' },
];

/** The bundle that runs `name`: its own, or the one with every command (help, --version, a typo). */
export function bundleFor(name: string | undefined): string {
  return COMMANDS.some((command) => command.name === name) ? `slipway-${name}.js` : ALL_COMMANDS_BUNDLE;
}

export const ALL_COMMANDS_BUNDLE = 'slipway-all.js';
