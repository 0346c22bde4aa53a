// The one reader of JSON files a user points Slipway at (eval reports, partial results): every failure names
// the file, says what is wrong with it and what was expected there, as a SlipwayError.
import { readFile } from 'node:fs/promises';
import { SlipwayError } from '../errors/index.js';

/** A JSON file that is missing, unreadable or not JSON. `where` is its path. */
export class JsonFileError extends SlipwayError {
  override readonly name = 'JsonFileError';
}

export interface JsonFile {
  /** The file's exact bytes (an eval report is attached to an artifact byte for byte). */
  readonly bytes: Buffer;
  readonly value: unknown;
}

/**
 * Reads and parses `path`. `expected` says in the user's words what belongs there ("a baseline eval
 * report"); it ends every message, so the user knows what to put there.
 */
export async function readJsonFile(path: string, expected: string): Promise<JsonFile> {
  const fail = (problem: string) =>
    new JsonFileError(`${path}: ${problem}. Expected ${expected}.`, { where: path, expected });
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? fail('no such file')
      : fail(`cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    return { bytes, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (error) {
    throw fail(`not valid JSON (${(error as Error).message})`);
  }
}
