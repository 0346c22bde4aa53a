// publish-model: inputs → publishProject → outputs and job summary. slipway.yaml + model files → a ModelPack
// artifact pinned by digest, eval report attached.
import * as core from '@actions/core';
import { describeError, htmlSafe, logSafeText } from '@slipway/core/errors';
import { type PublishResult, publishProject } from '@slipway/core/oci/publish';
import { readSettings, secretRedactor } from './inputs.js';
import { formatBytes, progressLogger } from './progress.js';

export async function run(): Promise<void> {
  const redactor = secretRedactor();
  try {
    const settings = readSettings();
    const result = await publishProject({
      ...settings,
      onSecret: (secret) => core.setSecret(secret),
      log: (line) => core.warning(line),
      onPlan: (plan, location) =>
        info(`Publishing ${plan.name} ${plan.version} (${plan.files.length} files) to ${location}`),
      onProgress: progressLogger((line) => info(line)),
    });

    const { reference } = result;
    core.setOutput('digest', result.digest);
    core.setOutput('reference', reference);
    core.setOutput('version-tag', result.versionTag);
    core.setOutput('report-digest', result.reportDigest ?? '');
    core.setOutput('evaluated-files', result.evaluatedFiles ?? '');
    core.setOutput('training-record-digest', result.trainingRecordDigest ?? '');
    if (result.evaluatedFiles === 'unrecorded') {
      core.warning(
        'The eval report records no file digests (it is from an older accuracy-test), so the files were not checked against what was evaluated.',
      );
    }
    core.setOutput('bytes-uploaded', String(result.bytesUploaded));
    core.setOutput('bytes-skipped', String(result.bytesSkipped));
    core.setOutput('modelcar-digest', result.modelcar?.digest ?? '');
    core.setOutput('serving-reference', result.servingReference);
    if (result.modelcar) info(`KServe modelcar (the files under /models): ${result.servingReference}`);
    info(
      `${result.alreadyPublished ? 'Already published' : 'Published'} ${reference} (${formatBytes(result.bytesUploaded)} uploaded, ${formatBytes(result.bytesSkipped)} already there)`,
    );
    await writeSummary(result.plan.name, reference, result);
  } catch (error) {
    core.setFailed(describeError(error, (text) => redactor.redact(text)));
  }
}

async function writeSummary(name: string, reference: string, result: PublishResult): Promise<void> {
  const rows = result.blobs.map((blob) => [
    { data: htmlSafe(blob.path) },
    { data: `\`${blob.digest.slice(0, 19)}…\`` },
    { data: formatBytes(blob.size) },
    { data: blob.outcome },
  ]);
  await core.summary
    .addHeading(htmlSafe(`Published ${name} ${result.versionTag}`), 3)
    .addCodeBlock(reference)
    .addTable([
      [
        { data: 'File', header: true },
        { data: 'Digest', header: true },
        { data: 'Size', header: true },
        { data: 'Upload', header: true },
      ],
      ...rows,
    ])
    .addRaw(
      `Tags: \`${[result.versionTag, ...result.movingTags].join('`, `')}\`. ` +
        (result.reportDigest
          ? `Eval report attached as \`${result.reportDigest}\`.`
          : 'No eval report attached.') +
        (result.modelcar
          ? ` KServe modelcar (tag \`${result.modelcar.tag}\`): \`${result.location}@${result.modelcar.digest}\`.`
          : '') +
        (result.evaluatedFiles === 'matched'
          ? ' Every file matches the sha256 the eval report recorded when it was evaluated.'
          : '') +
        (result.trainingRecordDigest
          ? ` Training record attached as \`${result.trainingRecordDigest}\`.`
          : ''),
      true,
    )
    .write();
}

/** Every log line goes through here: no value in it can start a workflow command. */
function info(text: string): void {
  core.info(logSafeText(text));
}
