// `slipway publish`: the publish-model action on a laptop. Same plan from slipway.yaml, same core,
// with a progress bar on a terminal. Secrets come from the environment, never from arguments.
import { SlipwayError } from '@slipway/core/errors';
import {
  type CredentialInputs,
  DEFAULT_PARALLEL_UPLOADS,
  type PublishOutcome,
  type PublishProgress,
  publishProject,
  type SourceContext,
} from '@slipway/core/oci/publish';
import type { Command } from 'commander';
import pc from 'picocolors';

interface PublishOptions {
  config: string;
  registry?: string;
  repository?: string;
  modelVersion?: string;
  tag: string[];
  layout?: string;
  report?: string;
  username?: string;
  mountFrom: string[];
  chunkSize: string;
  idleTimeout: string;
  timeout: string;
  parallelUploads: string;
  plainHttp?: boolean;
  created?: string;
  modelcarBase?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description(
      'Publish the model in slipway.yaml as a ModelPack OCI artifact (registry or OCI layout), eval report attached. ' +
        'Credentials: SLIPWAY_REGISTRY_PASSWORD (or SLIPWAY_REGISTRY_TOKEN; GITHUB_TOKEN for ghcr.io).',
    )
    .option('-c, --config <path>', 'slipway.yaml to read', 'slipway.yaml')
    .option('--registry <host>', 'registry host, overriding artifact.registry')
    .option('--repository <path>', 'repository, overriding artifact.repository')
    .option('--model-version <version>', 'version to publish, overriding model.version')
    .option('-t, --tag <tag>', 'moving tag to point at this version (repeatable)', collect, [])
    .option('--layout <dir>', 'OCI layout directory when no registry is set')
    .option('--report <path>', 'eval report JSON to attach as a referrer')
    .option('-u, --username <name>', 'registry username (or SLIPWAY_REGISTRY_USERNAME)')
    .option('--mount-from <repository>', 'sibling repository to mount blobs from (repeatable)', collect, [])
    .option('--chunk-size <bytes>', 'upload in chunks of this many bytes; 0 for one streamed PUT', '0')
    .option('--idle-timeout <seconds>', 'abandon and retry a request when no bytes moved for this long', '60')
    .option('--timeout <minutes>', 'stop the whole publish after this long', '120')
    .option(
      '--parallel-uploads <count>',
      'model files sent at once; 1 sends them one by one',
      String(DEFAULT_PARALLEL_UPLOADS),
    )
    .option('--plain-http', 'talk HTTP to the registry (automatic for localhost)')
    .option('--created <time>', 'creation time (RFC 3339); defaults to SOURCE_DATE_EPOCH or the commit time')
    .option(
      '--modelcar-base <image>',
      'base image (with sh) of the KServe modelcar, overriding artifact.modelcar.base',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: PublishOptions) => {
      const chunkSize = Number(options.chunkSize);
      if (!Number.isSafeInteger(chunkSize) || chunkSize < 0) {
        throw new SlipwayError(`--chunk-size must be a whole number of bytes; got '${options.chunkSize}'.`, {
          where: '--chunk-size',
          expected: 'a whole number of bytes',
        });
      }
      const idleTimeoutSeconds = positive(options.idleTimeout, '--idle-timeout', 'seconds');
      const timeoutMinutes = positive(options.timeout, '--timeout', 'minutes');
      const parallelUploads = Number(options.parallelUploads);
      if (!Number.isSafeInteger(parallelUploads) || parallelUploads < 1) {
        throw new SlipwayError(
          `--parallel-uploads must be a whole number from 1 up; got '${options.parallelUploads}'.`,
          { where: '--parallel-uploads', expected: 'a whole number from 1 up' },
        );
      }
      const env = process.env;
      const bar = await progressBar(!options.json);
      let result: PublishOutcome;
      try {
        result = await publishProject({
          config: options.config,
          // A path typed on the command line is relative to where it was typed, not to the project.
          root: process.cwd(),
          ...(options.registry ? { registry: options.registry } : {}),
          ...(options.repository ? { repository: options.repository } : {}),
          ...(options.modelVersion ? { version: options.modelVersion } : {}),
          ...(options.layout ? { layout: options.layout } : {}),
          tags: options.tag,
          ...(options.report ? { report: options.report } : {}),
          ...(options.created ? { created: options.created } : {}),
          ...(env.SOURCE_DATE_EPOCH ? { sourceDateEpoch: env.SOURCE_DATE_EPOCH } : {}),
          source: githubContext(env),
          credentials: credentialsFromEnv(options.username),
          ...(options.plainHttp ? { plainHttp: true } : {}),
          chunkSize,
          mountFrom: options.mountFrom,
          idleTimeoutSeconds,
          timeoutMinutes,
          ...(options.modelcarBase ? { modelcarBase: options.modelcarBase } : {}),
          parallelUploads,
          log: (line) => process.stderr.write(`${pc.yellow('retry')} ${line}\n`),
          onProgress: bar.update,
        });
      } finally {
        bar.stop();
      }
      const { reference, plan, ...published } = result;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ reference, ...published }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${pc.green(result.alreadyPublished ? 'Already published' : 'Published')} ${plan.name} ${result.versionTag}\n` +
          `  ${pc.bold(reference)}\n` +
          `  ${result.bytesUploaded} bytes uploaded, ${result.bytesSkipped} already there` +
          (result.reportDigest ? `\n  eval report ${result.reportDigest}` : '') +
          (result.modelcar ? `\n  KServe modelcar ${pc.bold(result.servingReference)}` : '') +
          (result.evaluatedFiles === 'matched'
            ? '\n  files match the digests the eval report evaluated'
            : result.evaluatedFiles === 'unrecorded'
              ? `\n  ${pc.yellow('the eval report records no file digests: not checked against what was evaluated')}`
              : '') +
          (result.trainingRecordDigest ? `\n  training record ${result.trainingRecordDigest}` : '') +
          '\n',
      );
    });
}

/** In a workflow, GitHub's context names the source; on a laptop core reads the git checkout instead. */
function githubContext(env: NodeJS.ProcessEnv): SourceContext {
  return {
    ...(env.GITHUB_REPOSITORY ? { repository: env.GITHUB_REPOSITORY } : {}),
    ...(env.GITHUB_REPOSITORY_OWNER ? { owner: env.GITHUB_REPOSITORY_OWNER } : {}),
    ...(env.GITHUB_SERVER_URL ? { serverUrl: env.GITHUB_SERVER_URL } : {}),
    ...(env.GITHUB_SHA ? { revision: env.GITHUB_SHA } : {}),
  };
}

/** Registry credentials from the environment: never from argv, where `ps` and shell history see them. */
export function credentialsFromEnv(username?: string): CredentialInputs {
  const user = username ?? process.env.SLIPWAY_REGISTRY_USERNAME;
  const password = process.env.SLIPWAY_REGISTRY_PASSWORD ?? process.env.SLIPWAY_REGISTRY_TOKEN;
  return {
    ...(user ? { username: user } : {}),
    ...(password ? { password } : {}),
    ...(process.env.GITHUB_TOKEN ? { githubToken: process.env.GITHUB_TOKEN } : {}),
  };
}

async function progressBar(
  enabled: boolean,
): Promise<{ update: (event: PublishProgress) => void; stop: () => void }> {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  // Loaded only for a terminal: in CI and with --json nothing draws, and start-up is most of a no-op publish.
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{phase} {file} [{bar}] {percentage}% | {done}/{size}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  return {
    update: (event) => {
      if (!('bytesDone' in event)) return;
      const key = `${event.phase}:${event.file}`;
      const payload = {
        phase: event.phase === 'hash' ? 'hashing ' : 'uploading',
        file: event.file,
        done: mib(event.bytesDone),
        size: mib(event.bytesTotal),
      };
      if (key !== current) {
        if (current) bar.stop();
        current = key;
        bar.start(event.bytesTotal, event.bytesDone, payload);
      } else {
        bar.update(event.bytesDone, payload);
      }
    },
    stop: () => bar.stop(),
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function positive(text: string, flag: string, unit: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new SlipwayError(`${flag} must be a positive number of ${unit}; got '${text}'.`, {
      where: flag,
      expected: `a positive number of ${unit}`,
    });
  }
  return value;
}
