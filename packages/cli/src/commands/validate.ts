// `slipway validate [paths…]`: the validate-config findings for a person, or as JSON for machines.
import { resolve } from 'node:path';
import {
  defaultConfigGlobs,
  formatFinding,
  formatTotals,
  type Painter,
  readSourceForFrames,
  validateConfigs,
} from '@slipway/core/config';
import type { Command } from 'commander';
import pc from 'picocolors';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Check slipway.yaml files against their schemas; problems are printed as file:line:col.')
    .argument('[paths...]', 'files or globs to check', defaultConfigGlobs)
    .option('--json', 'print the findings as JSON')
    .option('--fail-on-warning', 'exit 1 on warnings too')
    .option('-C, --cwd <dir>', 'directory the paths are relative to', '.')
    .action(async (paths: string[], options: { json?: boolean; failOnWarning?: boolean; cwd: string }) => {
      const root = resolve(options.cwd);
      const report = await validateConfigs({
        root,
        patterns: paths,
        deeper: {
          // An environment repository's promotion contract, loaded only when such a file is validated.
          environments: async (text, file) =>
            (await import('@slipway/core/environments/contract-findings')).contractFindings(text, file),
        },
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const paint = painter(process.stdout.isTTY === true && !process.env.NO_COLOR);
        for (const file of report.files) {
          if (file.findings.length === 0) continue;
          const text = readSourceForFrames(resolve(root, file.file));
          for (const finding of file.findings) {
            process.stdout.write(`${formatFinding(finding, text, paint)}\n\n`);
          }
        }
        process.stdout.write(`${formatTotals(report)}\n`);
      }
      const failing = report.errorCount + (options.failOnWarning ? report.warningCount : 0);
      process.exitCode = failing > 0 ? 1 : 0;
    });
}

function painter(colour: boolean): Painter {
  const colours = pc.createColors(colour);
  return { red: colours.red, yellow: colours.yellow, dim: colours.dim, bold: colours.bold };
}
