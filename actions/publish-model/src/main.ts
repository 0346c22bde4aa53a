// publish-model: slipway.yaml + model files → a ModelPack artifact pinned by digest, eval report attached.
import * as core from '@actions/core';
import {
  modelcarMountFrom,
  openModelcarBase,
  openStore,
  type PublishResult,
  publishModel,
  type RegistryCredentials,
  readEvalReport,
  readPublishPlan,
  resolveCreated,
} from '@slipway/core/oci';
import { type PublishModelSettings, readSettings } from './inputs.js';
import { formatBytes, progressLogger } from './progress.js';

export async function run(): Promise<void> {
  try {
    const settings = readSettings();
    const plan = await readPublishPlan(settings.config, {
      registry: settings.registry,
      repository: settings.repository,
      version: settings.version,
      layout: settings.layout,
      tags: settings.tags,
      owner: settings.owner,
      modelcarBase: settings.modelcarBase,
    });
    const report = settings.report ? await readEvalReport(settings.report) : undefined;
    const created = await resolveCreated({
      explicit: settings.created,
      sourceDateEpoch: settings.sourceDateEpoch,
      dir: plan.projectDir,
      revision: settings.revision,
    });
    const credentials = credentialsFor(plan.target.kind === 'registry' ? plan.target.registry : '', settings);
    const store = openStore(plan.target, {
      credentials,
      plainHttp: settings.plainHttp || undefined,
      chunkSize: settings.chunkSize,
      mountFrom: [...settings.mountFrom, ...modelcarMountFrom(plan.modelcarBase, plan.target)],
      onSecret: (secret) => core.setSecret(secret),
      log: (line) => core.warning(line),
    });
    core.info(`Publishing ${plan.name} ${plan.version} (${plan.files.length} files) to ${store.location}`);
    const result = await publishModel({
      store,
      files: plan.files,
      metadata: {
        name: plan.name,
        version: plan.version,
        ...(created ? { created } : {}),
        ...(settings.sourceUrl ? { source: settings.sourceUrl } : {}),
        ...(settings.revision ? { revision: settings.revision } : {}),
        ...(plan.description ? { description: plan.description } : {}),
        ...(plan.licenses ? { licenses: plan.licenses } : {}),
      },
      movingTags: plan.movingTags,
      ...(report ? { report } : {}),
      onProgress: progressLogger((line) => core.info(line)),
      ...(plan.modelcarBase
        ? {
            modelcar: {
              base: openModelcarBase(plan.modelcarBase, plan.target, {
                credentials,
                plainHttp: settings.plainHttp || undefined,
                onSecret: (secret) => core.setSecret(secret),
              }),
            },
          }
        : {}),
    });

    const reference = `${result.location}@${result.digest}`;
    core.setOutput('digest', result.digest);
    core.setOutput('reference', reference);
    core.setOutput('version-tag', result.versionTag);
    core.setOutput('report-digest', result.reportDigest ?? '');
    core.setOutput('bytes-uploaded', String(result.bytesUploaded));
    core.setOutput('bytes-skipped', String(result.bytesSkipped));
    const serving = result.modelcar ? `${result.location}@${result.modelcar.digest}` : reference;
    core.setOutput('modelcar-digest', result.modelcar?.digest ?? '');
    core.setOutput('serving-reference', serving);
    if (result.modelcar)
      core.info(`KServe modelcar (files under /models on ${plan.modelcarBase}): ${serving}`);
    core.info(
      `${result.alreadyPublished ? 'Already published' : 'Published'} ${reference} (${formatBytes(result.bytesUploaded)} uploaded, ${formatBytes(result.bytesSkipped)} already there)`,
    );
    await writeSummary(plan.name, reference, result);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/** Explicit credentials win; GITHUB_TOKEN is offered to ghcr.io only, never to another registry. */
function credentialsFor(registry: string, settings: PublishModelSettings): RegistryCredentials {
  if (settings.password) return { username: settings.username, password: settings.password };
  if (registry === 'ghcr.io' && settings.githubToken) {
    return { username: settings.username || settings.owner, token: settings.githubToken };
  }
  return settings.username ? { username: settings.username } : {};
}

async function writeSummary(name: string, reference: string, result: PublishResult): Promise<void> {
  const rows = result.blobs.map((blob) => [
    { data: blob.path },
    { data: `\`${blob.digest.slice(0, 19)}…\`` },
    { data: formatBytes(blob.size) },
    { data: blob.outcome },
  ]);
  await core.summary
    .addHeading(`Published ${name} ${result.versionTag}`, 3)
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
          : ''),
      true,
    )
    .write();
}
