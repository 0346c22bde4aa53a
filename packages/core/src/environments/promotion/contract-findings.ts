// The promotion contract's checks as validate-config findings: what `promote` would refuse (a freeze rule
// that does not parse or carries its own zone, an unknown promote-from, a cycle, a hold on no environment)
// is reported on the pull request that writes it, at its line and column, not on the next promotion run.
// Loaded on its own (@slipway/core/environments/contract-findings) so validating a project never loads the
// recurrence and cron libraries.
import type { Finding } from '../../config/finding.js';
import { SlipwayError } from '../../errors/index.js';
import { parsePromotionContract } from './contract.js';

/** The contract's first problem in an environment repository's slipway.yaml, as a finding; none when sound. */
export function contractFindings(text: string, file: string): Finding[] {
  try {
    parsePromotionContract(text, file);
    return [];
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    // The place leads the message (`file:line:col: …`, or `file: …`); the finding carries it apart.
    const rest = error.message.startsWith(`${file}:`) ? error.message.slice(file.length) : undefined;
    const place = rest === undefined ? null : /^(?::(\d+):(\d+))?: /.exec(rest);
    const line = Number(place?.[1] ?? 1);
    const column = Number(place?.[2] ?? 1);
    const message = rest !== undefined && place ? rest.slice(place[0].length) : error.message;
    return [
      {
        file,
        line,
        column,
        endLine: line,
        endColumn: column + 1,
        severity: 'error',
        message,
        path: '',
        rule: 'environments.promotion',
      },
    ];
  }
}
