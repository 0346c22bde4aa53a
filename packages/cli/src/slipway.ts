// `slipway`: turns on Node's on-disk compile cache, then starts the bundle of the command named on the
// command line (see command-table.ts). A command is mostly start-up, and the cache lets every run after the
// first skip compiling what it loads. It is Node's own (module.enableCompileCache, as TypeScript's tsc
// does): in NODE_COMPILE_CACHE when set, else in the system's temporary directory;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Only modules loaded after this call are cached, which is
// why this file imports nothing but the small table of command names.
import { enableCompileCache } from 'node:module';
import { bundleFor } from './command-table.js';

enableCompileCache?.();
await import(new URL(bundleFor(process.argv[2]), import.meta.url).href);
