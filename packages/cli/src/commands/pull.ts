// `slipway pull <reference>`: a model by tag or digest into a directory, every blob verified against
// its digest, and its eval report next to it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SlipwayError } from '@slipway/core/errors';
import {
  LayoutStore,
  parseReference,
  pullModel,
  RegistryStore,
  registryCredentials,
} from '@slipway/core/oci';
import type { Command } from 'commander';
import pc from 'picocolors';
import { credentialsFromEnv } from './publish.js';

interface PullOptions {
  output: string;
  report?: string;
  trainingRecord?: string;
  username?: string;
  plainHttp?: boolean;
  json?: boolean;
}

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description(
      'Fetch a model (registry/repository:tag, …@sha256:…, or oci:<dir>:<tag>) and its eval report, verifying every digest.',
    )
    .argument('<reference>', 'what to pull')
    .option('-o, --output <dir>', 'directory the model files are written to', '.')
    .option('--report <path>', 'where the eval report goes (default <output>/eval-report.json)')
    .option(
      '--training-record <path>',
      'where the training record goes (default <output>/training-record.json)',
    )
    .option('-u, --username <name>', 'registry username (or SLIPWAY_REGISTRY_USERNAME)')
    .option('--plain-http', 'talk HTTP to the registry (automatic for localhost)')
    .option('--json', 'print the result as JSON')
    .action(async (text: string, options: PullOptions) => {
      const reference = parseReference(text);
      const store =
        reference.kind === 'layout'
          ? new LayoutStore(reference.directory)
          : new RegistryStore({
              registry: reference.registry,
              repository: reference.repository,
              actions: 'pull',
              credentials: registryCredentials(reference.registry, credentialsFromEnv(options.username)),
              ...(options.plainHttp ? { plainHttp: true } : {}),
              log: (line) => process.stderr.write(`${pc.yellow('retry')} ${line}\n`),
            });
      const output = resolve(options.output);
      const reportPath = resolve(options.report ?? join(output, 'eval-report.json'));
      const trainingPath = resolve(options.trainingRecord ?? join(output, 'training-record.json'));
      const result = await pullModel({
        store,
        ref: reference.ref,
        outputDir: output,
        reserved: [
          { path: reportPath, what: 'the eval report (--report)', for: 'report' },
          { path: trainingPath, what: 'the training record (--training-record)', for: 'training' },
        ],
      });
      if (result.report) await writeBeside(reportPath, result.report.bytes);
      let training: { commit?: string; wallTimeSeconds?: number; parameters?: object } | undefined;
      if (result.training) {
        await writeBeside(trainingPath, result.training.bytes);
        training = JSON.parse(result.training.bytes.toString('utf8')) as typeof training;
      }
      for (const entry of result.skipped) {
        process.stderr.write(
          `${pc.yellow('warning')} ${entry.path} (${entry.type}) in layer ${entry.layer} was not written: a pull writes regular files only.\n`,
        );
      }
      if (options.json) {
        const { manifest: _manifest, report, training: trained, ...rest } = result;
        const shown = {
          ...rest,
          ...(report ? { report: { digest: report.digest, path: reportPath } } : {}),
          ...(trained ? { training: { digest: trained.digest, path: trainingPath, record: training } } : {}),
        };
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${pc.green('Pulled')} ${store.location}@${result.digest}\n`);
      for (const file of result.files) process.stdout.write(`  ${file.path}  ${pc.dim(file.digest)}\n`);
      process.stdout.write(result.report ? `  eval report → ${reportPath}\n` : '  no eval report attached\n');
      process.stdout.write(
        training
          ? `  training record → ${trainingPath} (commit ${String(training.commit).slice(0, 12)}, ${training.wallTimeSeconds} s, parameters ${JSON.stringify(training.parameters ?? {})})\n`
          : '  no training record attached\n',
      );
    });
}

/** Writes a file the user named, making its folder; a path that cannot be written is said as such. */
async function writeBeside(path: string, bytes: Buffer): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  } catch (error) {
    throw new SlipwayError(`${path} could not be written: ${(error as Error).message}.`, { where: path });
  }
}
