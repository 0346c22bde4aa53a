// The job summary of one matrix shard: what it evaluated and where its partial files are. Gates are decided
// by the merge job, which sees every shard.
import type { Shard } from '@slipway/core/eval';
import type { PartialResult } from '@slipway/core/metrics';

export function renderShardSummary(
  shard: Shard,
  partials: readonly PartialResult[],
  files: readonly string[],
): string {
  const lines = [
    `## Accuracy test: shard ${shard.index + 1} of ${shard.count} (index ${shard.index})`,
    '',
    'Gates are decided when the merge job combines every shard.',
    '',
    '| Test set | Examples | Slices seen | Partial file |',
    '| --- | ---: | ---: | --- |',
  ];
  partials.forEach((partial, i) => {
    const slices = Object.values(partial.slices).filter((s) => s.n > 0).length;
    lines.push(`| ${partial.testSet} | ${partial.overall.n} | ${slices} | \`${files[i] ?? ''}\` |`);
  });
  return `${lines.join('\n')}\n`;
}
