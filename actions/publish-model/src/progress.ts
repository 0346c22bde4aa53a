// Progress of long hashes and uploads as periodic log lines: the runner's log has no progress bar,
// and one line per chunk would bury everything else.
import type { PublishProgress } from '@slipway/core/oci/publish';

const INTERVAL_MS = 10_000;

export function progressLogger(
  log: (line: string) => void,
  now: () => number = Date.now,
): (event: PublishProgress) => void {
  let lastFile = '';
  let lastPhase = '';
  let lastAt = 0;
  let startedAt = 0;
  return (event) => {
    const t = now();
    if (!('bytesDone' in event)) {
      const verb = event.phase === 'skip' ? 'already in the registry' : 'mounted from a sibling repository';
      log(`${event.file}: ${formatBytes(event.bytesTotal)} ${verb}, not uploaded`);
      return;
    }
    const fresh = event.file !== lastFile || event.phase !== lastPhase;
    if (fresh) {
      lastFile = event.file;
      lastPhase = event.phase;
      startedAt = t;
      lastAt = t;
      return;
    }
    const finishedNow = event.bytesDone >= event.bytesTotal;
    if (!finishedNow && t - lastAt < INTERVAL_MS) return;
    lastAt = t;
    const seconds = Math.max((t - startedAt) / 1000, 0.001);
    const verb = event.phase === 'hash' ? 'Hashed' : 'Uploaded';
    const percent = event.bytesTotal > 0 ? Math.floor((event.bytesDone / event.bytesTotal) * 100) : 100;
    log(
      `${verb} ${event.file}: ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)} (${percent}%), ${formatBytes(event.bytesDone / seconds)}/s`,
    );
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
