// Files by digest: the files slipway.yaml names (artifact files, data, the config itself) as sha256 and size,
// so an eval report and a training record can say exactly which bytes they were about. Streamed: memory
// stays flat for weights of any size.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { SlipwayError } from '../errors/index.js';

/** A file by path (relative to the project, / separators) and the sha256 of its bytes. */
export interface RecordedFile {
  path: string;
  digest: string;
  size: number;
}

/** A file that cannot be read for its digest: names it and says what to do. */
export class RecordedFileError extends SlipwayError {
  override name = 'RecordedFileError';
}

/** sha256 and size of one file, streamed (memory stays flat for weights of any size). */
export async function recordFile(projectDir: string, path: string, name?: string): Promise<RecordedFile> {
  const source = isAbsolute(path) ? path : resolve(projectDir, path);
  const shown = name ?? (relative(projectDir, source).split(sep).join('/') || path);
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(source, {
      highWaterMark: 256 * 1024,
    }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RecordedFileError(
      `${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : `cannot be read (${code ?? String(error)})`}; slipway.yaml names it, so it must exist when the model is trained, evaluated and published.`,
      { where: source, expected: 'a readable file', cause: error },
    );
  }
  return { path: shown, digest: `sha256:${hash.digest('hex')}`, size };
}

/** Digests of several files, in path order (the order slipway.yaml lists them in does not matter). */
export async function recordFiles(projectDir: string, paths: readonly string[]): Promise<RecordedFile[]> {
  const recorded: RecordedFile[] = [];
  for (const path of [...new Set(paths)]) recorded.push(await recordFile(projectDir, path));
  return recorded.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
