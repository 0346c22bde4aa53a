// What was evaluated is what ships: the eval report records the sha256 of every file the artifact will
// contain, and publishing compares the files on disk with it before a byte leaves the machine. The same
// digests describe a training run's data and outputs (schemas/training-record.schema.json).
import type { RecordedFile } from '../config/recorded-files.js';
import { SlipwayError } from '../errors/index.js';

/** The files to publish are not the files that were evaluated. */
export class EvaluatedFilesMismatchError extends SlipwayError {
  override name = 'EvaluatedFilesMismatchError';
}

export interface EvaluatedFilesCheck {
  /** matched: every file is byte for byte what was evaluated; unrecorded: the report predates file digests. */
  readonly outcome: 'matched' | 'unrecorded';
  readonly files: readonly RecordedFile[];
}

/**
 * Compares the files about to be published with those the report says were evaluated. Throws, naming
 * each file and both digests, when a file differs, is missing from the report, or was evaluated but is
 * not in the artifact any more.
 */
export function checkEvaluatedFiles(
  evaluated: readonly RecordedFile[] | undefined,
  publishing: readonly RecordedFile[],
  reportPath: string,
): EvaluatedFilesCheck {
  if (evaluated === undefined) return { outcome: 'unrecorded', files: publishing };
  const byPath = new Map(evaluated.map((file) => [file.path, file]));
  const problems: string[] = [];
  for (const file of publishing) {
    const was = byPath.get(file.path);
    if (!was) problems.push(`${file.path} (${file.digest}) was not evaluated`);
    else if (was.digest !== file.digest)
      problems.push(`${file.path} is ${file.digest} now but was ${was.digest} when evaluated`);
    byPath.delete(file.path);
  }
  for (const left of byPath.values())
    problems.push(`${left.path} (${left.digest}) was evaluated but is not in artifact.files`);
  if (problems.length > 0) {
    throw new EvaluatedFilesMismatchError(
      `Refusing to publish: the files are not the ones the eval report ${reportPath} evaluated: ${problems.join('; ')}. ` +
        'Publish exactly the evaluated files (hand them from the eval job to the publish job, e.g. with actions/upload-artifact), or evaluate again.',
      { where: reportPath, expected: 'the sha256 digests recorded in the report' },
    );
  }
  return { outcome: 'matched', files: publishing };
}

/** The manifest annotation that says publishing checked the files against the eval report. */
export const ANNOTATION_EVALUATED_FILES = 'dev.slipway.evaluated-files';
/** The digest of the eval report whose file digests the artifact matched. */
export const ANNOTATION_EVAL_REPORT = 'dev.slipway.eval-report.digest';
