// The environment every git child process runs with. Run from a git hook, an IDE or `git rebase -x`, the
// parent's GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE and the like point git at the caller's repository, not the
// one Slipway names with cwd or -C: a generated project's first commit once landed in the developer's own
// repository that way. These are the variables `git rev-parse --local-env-vars` lists (git 2.39), which git
// itself drops before running in another repository (submodules); it lives in config because every room
// that runs git may import config.

const repositoryLocal = [
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_OBJECT_DIRECTORY',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_GRAFT_FILE',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_PREFIX',
  'GIT_INTERNAL_SUPER_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_COMMON_DIR',
];

// git grows its heap through glibc's malloc a little at a time: `git add` of a 200-file project makes
// ~800 brk calls, and on a virtual machine where each costs tens of microseconds (44 µs measured here) that
// is most of its time (146 ms; 55 ms with this pad). Asking malloc to take 4 MiB more whenever it grows
// reserves address space, not memory. glibc reads GLIBC_TUNABLES at start-up; other C libraries ignore it,
// and a top_pad the user set is kept.
const mallocPad = 'glibc.malloc.top_pad=4194304';

/**
 * `environment` (the process's, by default) without the variables that tie git to a particular repository,
 * and never prompting for credentials: git then finds its repository from cwd / -C alone.
 */
export function gitEnvironment(environment: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const tunables = environment.GLIBC_TUNABLES;
  const clean: NodeJS.ProcessEnv = {
    ...environment,
    GIT_TERMINAL_PROMPT: '0',
    GLIBC_TUNABLES: !tunables
      ? mallocPad
      : tunables.includes('malloc.top_pad')
        ? tunables
        : `${tunables}:${mallocPad}`,
  };
  for (const name of repositoryLocal) delete clean[name];
  // GIT_CONFIG_COUNT's entries (GIT_CONFIG_KEY_0, GIT_CONFIG_VALUE_0, …) go with it.
  for (const name of Object.keys(clean)) {
    if (/^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(name)) delete clean[name];
  }
  return clean;
}
