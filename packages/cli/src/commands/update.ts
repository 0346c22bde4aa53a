// `slipway update [directory]`: the project merged three ways onto a newer template version or new
// answers. Exit code 1 while conflicts wait in git's index, so a script cannot miss them.
import { parseSetPairs, type UpdateResult, updateProject } from '@slipway/core/templates';
import type { Command } from 'commander';
import pc from 'picocolors';
import { ownTemplates } from './new.js';

interface UpdateOptions {
  to?: string;
  set: string[];
  templates?: string;
  source?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerUpdate(program: Command): void {
  program
    .command('update')
    .description(
      "Merge the template's newer version (or changed answers) into a generated project, three ways.",
    )
    .argument('[directory]', 'the project (default: the current folder)', '.')
    .option('--to <version>', 'template version (or git revision of the template source) to update to')
    .option('--set <key=value>', 'change an answer (repeatable)', collect, [])
    .option(
      '--templates <dir>',
      'folder of templates to update to (default: the ones the project was generated from)',
    )
    .option(
      '--source <repository>',
      'git repository (path or URL) holding the template history, if not the recorded one',
    )
    .option('--json', 'print the result as JSON')
    .action(async (directory: string, options: UpdateOptions) => {
      const set = parseSetPairs(options.set);
      const result = await updateProject({
        projectDir: directory,
        ...(options.to === undefined && options.templates !== undefined
          ? { templatesRoot: options.templates }
          : {}),
        ...ownTemplates(),
        ...(options.to !== undefined ? { to: options.to } : {}),
        set,
        ...(options.source ? { source: options.source } : {}),
      });
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(render(result));
      process.exitCode = result.conflicts.length > 0 ? 1 : 0;
    });
}

function render(result: UpdateResult): string {
  const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
  const mark = {
    written: c.green('M'),
    merged: c.green('M'),
    removed: c.red('D'),
    replaced: c.yellow('R'),
    kept: c.yellow('K'),
    conflict: c.red('U'),
  };
  const lines = [`Updated from the ${result.template} template ${result.from} to ${result.to}.`];
  if (result.files.length === 0) lines.push('Nothing in the project changes.');
  for (const file of result.files) {
    lines.push(
      `  ${mark[file.outcome]} ${file.path} ${c.dim(file.outcome)}${file.note ? `: ${file.note}` : ''}`,
    );
  }
  for (const key of result.defaulted)
    lines.push(
      c.yellow(`! '${key}' is a new question, answered with its default; change it with --set ${key}=…`),
    );
  lines.push(
    result.conflicts.length > 0
      ? c.red(
          `${result.conflicts.length} file(s) have conflicts, unmerged in git (git status): resolve the <<<<<<< blocks, git add them, then commit.`,
        )
      : 'Review the changes with git diff, then commit them.',
  );
  return `${lines.join('\n')}\n`;
}
