// Defaults a door shows before a publish starts (in --help), kept apart from the publish code itself so
// that showing them loads none of it.

/** Enough to keep a registry busy while one file waits on a round trip; memory is two read buffers each. */
export const DEFAULT_PARALLEL_UPLOADS = 4;
