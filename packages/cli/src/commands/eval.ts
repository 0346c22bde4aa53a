// `slipway eval`: the accuracy-test action for a person at a terminal. The eval command's output goes to
// stderr, so `--json` leaves stdout to the report alone. Exit code 1 when a gate fails, 2 on an error.
import { relative, resolve } from 'node:path';
import {
  evaluateProject,
  gateFailure,
  gatesVerdict,
  parseShard,
  parseTimeoutMinutes,
  shownMetrics,
} from '@slipway/core/eval';
import type { EvalReport, MetricValue } from '@slipway/core/metrics';
import { registryCredentials } from '@slipway/core/oci';
import type { Command } from 'commander';
import pc from 'picocolors';
import { credentialsFromEnv } from './publish.js';

interface EvalOptions {
  config: string;
  testSet?: string[];
  shard?: string;
  merge?: string[];
  baseline?: string;
  environmentRepository?: string;
  apiUrl?: string;
  baselineLayout?: string;
  trainingRecord?: string;
  command?: string;
  timeoutMinutes?: string;
  requireGpu?: boolean;
  json?: boolean;
  out?: string;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Evaluate the model on its test sets and slices and check the gates of slipway.yaml.')
    .option('-c, --config <path>', 'the project file', 'slipway.yaml')
    .option('-t, --test-set <name...>', 'only these test sets (repeatable)')
    .option('--shard <i/n>', 'evaluate shard i of n (0-based) and write partial result files for --merge')
    .option('--merge <globs...>', 'merge the partial result files of every shard into one report')
    .option(
      '-b, --baseline <baseline>',
      "environment:<name> (the version deployed there), an earlier report's path, or none; default: baseline.environment of slipway.yaml",
    )
    .option(
      '--environment-repository <owner/name>',
      'environment repository an environment:<name> baseline is read from (default: deploy.repository); token from GITHUB_TOKEN',
    )
    .option('--api-url <url>', 'GitHub REST API root (GitHub Enterprise Server: https://HOST/api/v3)')
    .option(
      '--baseline-layout <dir>',
      "read the deployed version's eval report from this OCI layout instead of its registry",
    )
    .option(
      '--training-record <record.json>',
      'training record to include (default: .slipway/train/record.json beside slipway.yaml, if training left one)',
    )
    .option('--command <command>', 'eval command replacing eval.command (split on whitespace, no shell)')
    .option('--timeout-minutes <minutes>', 'kill the eval command and its process tree after this long')
    .option('--require-gpu', 'fail when this machine has no GPU')
    .option('--json', 'print the report (or the shard result) as JSON on stdout')
    .option(
      '-o, --out <report.json>',
      'write the report here (default: .slipway/eval/report.json beside slipway.yaml)',
    )
    .action(async (options: EvalOptions) => {
      const cwd = process.cwd();
      const colours = pc.createColors(process.stdout.isTTY === true && !process.env.NO_COLOR);
      const timeoutMinutes = parseTimeoutMinutes(options.timeoutMinutes, '--timeout-minutes');
      const outcome = await evaluateProject({
        config: options.config,
        root: cwd,
        ...(options.merge ? { partials: options.merge } : {}),
        ...(options.shard ? { shard: parseShard(options.shard) } : {}),
        ...(options.command ? { command: options.command } : {}),
        ...(options.testSet ? { testSets: options.testSet } : {}),
        ...(timeoutMinutes !== undefined ? { timeoutMinutes } : {}),
        requireGpu: options.requireGpu === true,
        ...(options.baseline ? { baseline: options.baseline } : {}),
        deployedBaseline: {
          ...(options.environmentRepository ? { environmentRepository: options.environmentRepository } : {}),
          ...(process.env.GITHUB_TOKEN ? { token: process.env.GITHUB_TOKEN } : {}),
          ...((options.apiUrl ?? process.env.GITHUB_API_URL)
            ? { apiUrl: options.apiUrl ?? process.env.GITHUB_API_URL }
            : {}),
          ...(options.baselineLayout ? { layout: resolve(options.baselineLayout) } : {}),
          registryCredentials: (registry: string) => registryCredentials(registry, credentialsFromEnv()),
        },
        ...(options.trainingRecord ? { trainingRecord: options.trainingRecord } : {}),
        ...(options.out ? { reportPath: options.out } : {}),
        env: process.env,
        log: (line) => process.stderr.write(`${colours.dim(line)}\n`),
      });

      if (outcome.kind === 'partials') {
        const files = outcome.partialFiles.map((file) => relative(cwd, file));
        if (options.json)
          process.stdout.write(`${JSON.stringify({ shard: outcome.shard, files }, null, 2)}\n`);
        else
          process.stdout.write(
            `Shard ${options.shard}: wrote ${files.join(', ')}\nMerge with: slipway eval --merge '${relative(cwd, outcome.partialsDir)}/*.json'\n`,
          );
        return;
      }
      const { report } = outcome;
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(renderForTerminal(report, colours, relative(cwd, outcome.reportPath)));
      process.exitCode = report.passed ? 0 : 1;
    });
}

type Colours = ReturnType<typeof pc.createColors>;

function renderForTerminal(report: EvalReport, c: Colours, out: string): string {
  const metrics = shownMetrics(report);
  const lines: string[] = [];
  const source = report.baseline;
  if (source?.source === 'environment') {
    lines.push(
      source.deployed
        ? c.bold(
            `Compared with ${source.version ?? 'the version'} deployed in ${source.environment}: ${source.artifact}, eval report ${source.reportDigest}`,
          )
        : c.yellow(`Baseline ${source.environment}: ${source.note}`),
      '',
    );
  } else if (source?.path) lines.push(c.bold(`Compared with ${source.path}`), '');
  for (const set of report.testSets) {
    lines.push(c.bold(`${set.name}${set.hardCase ? ' (hard cases)' : ''}`));
    for (const group of [{ ...set, name: 'all' }, ...set.slices]) {
      const values = metrics.map((m) => `${m} ${formatValue(group.metrics[m])}`).join('  ');
      lines.push(`  ${group.name.padEnd(24)} n=${String(group.n).padEnd(6)} ${values}`);
    }
  }
  lines.push('');
  for (const gate of report.gates) {
    const where = `${gate.testSet}${gate.slice ? ` / ${gate.slice}` : ''}`;
    lines.push(`${gate.passed ? c.green('✓') : c.red('✗')} ${where}: ${gate.reason}`);
  }
  for (const warning of report.warnings) lines.push(c.yellow(`! ${warning.testSet}: ${warning.message}`));
  const failure = gateFailure(report);
  lines.push(
    '',
    failure === undefined
      ? c.green(`Passed. ${gatesVerdict(report.gates)}. Report: ${out}`)
      : c.red(`Failed: ${failure}\nReport: ${out}`),
  );
  return `${lines.join('\n')}\n`;
}

function formatValue(value: MetricValue | undefined): string {
  if (!value || value.value === null) return '—';
  const interval =
    value.lower !== null && value.upper !== null
      ? ` [${value.lower.toFixed(3)}, ${value.upper.toFixed(3)}]`
      : '';
  return `${value.value.toFixed(3)}${interval}`;
}
