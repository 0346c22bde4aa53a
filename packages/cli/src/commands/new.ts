// `slipway new [directory]` and `npm create slipway`: the two doors of one generator. Both build their
// command with defineNewCommand, so flags, prompts and output are the same; the work is newProject's.
import {
  type AskPolicy,
  chooseDirectory,
  chooseGit,
  chooseTemplate,
  collectAnswers,
  createTerminalPrompter,
  directoryNameOf,
  findTemplate,
  findTemplates,
  listTemplates,
  locateTemplates,
  newProject,
  questions,
} from '@slipway/core/templates';
import type { Command } from 'commander';
import pc from 'picocolors';

type NewOptions = Record<string, string | boolean | undefined> & {
  template?: string;
  templates?: string;
  list?: boolean;
  yes?: boolean;
  force?: boolean;
  git?: boolean;
  json?: boolean;
};

/** Whether a person can be asked: a terminal on both ends, and not CI (where a prompt would hang). */
export function canPrompt(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true && !env.CI;
}

export function templatesRoot(given: string | undefined): string {
  return given ?? locateTemplates(import.meta.url);
}

/**
 * Slipway's own templates, for a project whose record says it came from them; none when this install has
 * none to find (the project's recorded templates are used then).
 */
export function ownTemplates(): { builtinTemplatesRoot: string } | Record<string, never> {
  const found = findTemplates(import.meta.url);
  return found ? { builtinTemplatesRoot: found } : {};
}

/** Adds `new`'s argument, flags and action to `command` (a subcommand of slipway, or create-slipway itself). */
/** The template list of `new --list`, `npm create slipway -- --list` and `template list`: one format. */
export function printTemplates(templates: ReturnType<typeof listTemplates>, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        templates.map(({ dir: _, ...t }) => t),
        null,
        2,
      )}\n`,
    );
    return;
  }
  for (const t of templates) {
    process.stdout.write(`${pc.bold(t.name.padEnd(16))} ${t.version.padEnd(8)} ${t.description}\n`);
  }
}

export function defineNewCommand(command: Command): Command {
  command
    .description('Generate a Slipway project from a template: prompts in a terminal, flags everywhere.')
    .argument('[directory]', 'folder to create (a plain name, or . for the current folder)')
    .option('-t, --template <name>', 'template to generate from (see --list)')
    .option('--list', 'list the templates and exit')
    .option('--templates <dir>', "folder of templates (default: Slipway's own)");
  for (const question of questions) {
    command.option(`--${question.flag} <value>`, `${question.message}: ${question.expected}`);
  }
  return command
    .option('-y, --yes', 'take the default for everything not given as a flag')
    .option('--force', 'write into a non-empty directory')
    .option('--git', 'git init and commit the generated files (the default with --yes)')
    .option('--no-git', 'do not make a git repository')
    .option('--json', 'print the result as JSON')
    .action(async (directory: string | undefined, options: NewOptions) => {
      const root = templatesRoot(options.templates);
      const templates = listTemplates(root);
      if (options.list) {
        printTemplates(templates, options.json === true);
        return;
      }
      const interactive = canPrompt() && !options.yes;
      const policy: AskPolicy = {
        useDefaults: options.yes === true,
        ...(interactive ? { prompter: createTerminalPrompter() } : {}),
      };
      const templateName = await chooseTemplate(options.template, templates, policy);
      const spec = findTemplate(root, templateName);
      const target = await chooseDirectory(directory, policy);
      const given = Object.fromEntries(
        questions.map((q) => [
          q.key,
          typeof options[camel(q.flag)] === 'string' ? (options[camel(q.flag)] as string) : undefined,
        ]),
      );
      const answers = await collectAnswers(
        spec,
        given,
        { directoryName: directoryNameOf(process.cwd(), target) },
        policy,
      );
      const git = await chooseGit(options.git, policy);
      const result = await newProject({
        templatesRoot: root,
        template: spec.name,
        directory: target,
        parentDir: process.cwd(),
        answers,
        force: options.force === true,
        git,
        builtin: options.templates === undefined,
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const c = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
      for (const warning of result.warnings) process.stderr.write(`${c.yellow('!')} ${warning}\n`);
      process.stdout.write(
        `${c.green('✓')} Generated ${c.bold(result.projectDir)} from the ${result.template} template ${result.version}: ${result.files.length} files${result.commit ? `, first commit ${result.commit.slice(0, 7)}` : ''}.\n\nNext steps:\n${result.nextSteps.map((step) => `  ${step}`).join('\n')}\n`,
      );
    });
}

/** commander's name for an option: --environment-repository → environmentRepository. */
function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export function registerNew(program: Command): void {
  defineNewCommand(program.command('new'));
}
