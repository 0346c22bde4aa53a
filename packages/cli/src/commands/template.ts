// `slipway template list|check`: the templates there are, and (for CI) whether a project is behind its
// template: exit code 1 when `slipway update` would change something.
import { resolve } from 'node:path';
import { checkTemplate, listTemplates } from '@slipway/core/templates';
import type { Command } from 'commander';
import { ownTemplates, printTemplates, templatesRoot } from './new.js';

export function registerTemplate(program: Command): void {
  const template = program
    .command('template')
    .description('List templates; check a project against its template.');
  template
    .command('list')
    .description('List the templates `slipway new` can generate.')
    .option('--templates <dir>', "folder of templates (default: Slipway's own)")
    .option('--json', 'print them as JSON')
    .action((options: { templates?: string; json?: boolean }) => {
      printTemplates(listTemplates(templatesRoot(options.templates)), options.json === true);
    });
  template
    .command('check')
    .description('Exit 1 when the project is behind its template (for CI).')
    .argument('[directory]', 'the project (default: the current folder)', '.')
    .option(
      '--templates <dir>',
      'folder of templates to compare with (default: the ones the project was generated from)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (directory: string, options: { templates?: string; json?: boolean }) => {
      const result = await checkTemplate({
        projectDir: resolve(directory),
        ...(options.templates !== undefined ? { templatesRoot: options.templates } : {}),
        ...ownTemplates(),
      });
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (result.behind)
        process.stdout.write(
          `Behind: the ${result.template} template is at ${result.currentVersion} (this project: ${result.recordedVersion}); ${result.changed.length} file(s) would change: ${result.changed.join(', ')}. Run \`slipway update\`.\n`,
        );
      else
        process.stdout.write(`Up to date with the ${result.template} template ${result.currentVersion}.\n`);
      process.exitCode = result.behind ? 1 : 0;
    });
}
