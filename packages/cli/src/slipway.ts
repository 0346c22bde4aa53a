// `slipway`: turns on Node's on-disk compile cache, then loads the program. A command is mostly start-up
// (a no-op publish spends more time parsing JavaScript than talking to the registry), and the cache lets
// every run after the first skip compiling what it loads. It is Node's own (module.enableCompileCache,
// as TypeScript's tsc does): in NODE_COMPILE_CACHE when set, else in the system's temporary directory;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. Only modules loaded after this call are cached, which is
// why this file imports nothing else.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('./program.js');
