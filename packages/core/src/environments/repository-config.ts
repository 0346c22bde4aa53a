// The environment repository's slipway.yaml (kind: Environments, schemas/environments.schema.json):
// read, checked against the schema, and given its defaults, so the rest of Slipway sees one typed value.

import { LineCounter, parseDocument } from 'yaml';
import { didYouMean } from '../config/did-you-mean.js';
import { formatPath, locateValue, parsePointer } from '../config/locate.js';
import type { Environments } from '../config/types.generated.js';
import { environments as validateEnvironments } from '../config/validators.generated.js';
import { SlipwayError } from '../errors/index.js';
import type { MergeMethod } from '../github/pull-requests.js';
import { parseYamlPath, type YamlPath } from './manifest-edit.js';

export type { MergeMethod };

export interface EnvironmentPolicy {
  /** Enable GitHub auto-merge on the pull request (it merges once its reviews and checks pass). */
  readonly autoMerge: boolean;
  readonly mergeMethod: MergeMethod;
  readonly draft: boolean;
  readonly labels: readonly string[];
  readonly reviewers: readonly string[];
  readonly teamReviewers: readonly string[];
}

export interface EnvironmentSpec {
  readonly name: string;
  /** Folder of the environment's manifests, relative to the repository root. */
  readonly folder: string;
  readonly policy: EnvironmentPolicy;
}

export interface ModelSpec {
  readonly name: string;
  /** The manifest relative to an environment's folder. */
  readonly manifest: string;
  readonly storageUriPath: YamlPath;
  readonly annotationsPath: YamlPath;
  /** Environments the model is deployed to; undefined means all. */
  readonly environments?: readonly string[];
}

export interface EnvironmentsConfig {
  /** In promotion order. */
  readonly environments: readonly EnvironmentSpec[];
  readonly models: readonly ModelSpec[];
}

/** One model in one environment: everything a proposal needs to know about where it writes. */
export interface DeploymentTarget {
  readonly environment: EnvironmentSpec;
  readonly model: ModelSpec;
  /** Repository-relative path of the manifest. */
  readonly manifestPath: string;
  /** The environment after this one in promotion order, if any. */
  readonly next?: string;
}

export class EnvironmentsConfigError extends SlipwayError {
  override readonly name = 'EnvironmentsConfigError';
}

export const environmentsConfigFile = 'slipway.yaml';
export const defaultStorageUriPath = 'spec.predictor.model.storageUri';
export const defaultAnnotationsPath = 'metadata.annotations';

type RawConfig = Environments;

/** Parses and validates the text of slipway.yaml; `where` names it in errors (e.g. `acme/envs@main:slipway.yaml`). */
export function parseEnvironmentsConfig(text: string, where = environmentsConfigFile): EnvironmentsConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const yamlError = document.errors[0];
  if (yamlError) {
    const at = lineCounter.linePos(yamlError.pos[0]);
    throw new EnvironmentsConfigError(`${where}:${at.line}:${at.col}: ${yamlError.message.split('\n')[0]}`);
  }
  const data = document.toJS({ maxAliasCount: 200 }) as unknown;
  if (!data || typeof data !== 'object' || (data as { kind?: unknown }).kind !== 'Environments') {
    throw new EnvironmentsConfigError(
      `${where}: expected an environment repository's slipway.yaml with \`kind: Environments\`; found ${describeKind(data)}.`,
    );
  }
  if (!validateEnvironments(data)) {
    const error = validateEnvironments.errors?.[0];
    const segments = parsePointer(error?.instancePath ?? '');
    const at = locateValue(document, lineCounter, segments);
    const path = formatPath(segments) || 'the top level';
    const detail =
      error?.keyword === 'additionalProperties'
        ? `unknown key '${String(error.params.additionalProperty)}'`
        : error?.message;
    throw new EnvironmentsConfigError(
      `${where}:${at.line}:${at.column}: ${path}: ${detail ?? 'invalid'} (see schemas/environments.schema.json).`,
    );
  }
  return withDefaults(data as RawConfig, where);
}

function withDefaults(raw: RawConfig, where: string): EnvironmentsConfig {
  const environments = raw.environments.map(
    (e): EnvironmentSpec => ({
      name: e.name,
      folder: (e.folder ?? e.name).replace(/\/+$/, ''),
      policy: {
        autoMerge: e.policy?.['auto-merge'] ?? false,
        mergeMethod: e.policy?.['merge-method'] ?? 'squash',
        draft: e.policy?.draft ?? false,
        labels: e.policy?.labels ?? [],
        reviewers: e.policy?.reviewers ?? [],
        teamReviewers: e.policy?.['team-reviewers'] ?? [],
      },
    }),
  );
  const names = environments.map((e) => e.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate)
    throw new EnvironmentsConfigError(
      `${where}: environment '${duplicate}' is listed twice; names must be unique.`,
    );
  const models = raw.models.map((m): ModelSpec => {
    for (const env of m.environments ?? []) {
      if (!names.includes(env)) throw unknownEnvironment(where, env, names, `models[${m.name}].environments`);
    }
    return {
      name: m.name,
      manifest: m.manifest ?? defaultModelManifest(m.name),
      storageUriPath: parseYamlPath(m.set?.['storage-uri'] ?? defaultStorageUriPath),
      annotationsPath: parseYamlPath(m.set?.annotations ?? defaultAnnotationsPath),
      ...(m.environments ? { environments: m.environments } : {}),
    };
  });
  return { environments, models };
}

const defaultModelManifest = (model: string) => `${model}/inferenceservice.yaml`;

/** Where a model's manifest is in an environment when slipway.yaml sets neither folder nor manifest. */
export function defaultManifestPath(environment: string, model: string): string {
  return `${environment}/${defaultModelManifest(model)}`;
}

/** The model in the environment, or an error that lists what exists and suggests the nearest name. */
export function resolveTarget(
  config: EnvironmentsConfig,
  environment: string,
  model: string,
  where = environmentsConfigFile,
): DeploymentTarget {
  const names = config.environments.map((e) => e.name);
  const index = names.indexOf(environment);
  const env = config.environments[index];
  if (!env) throw unknownEnvironment(where, environment, names, 'environments');
  const spec = config.models.find((m) => m.name === model);
  if (!spec) {
    const models = config.models.map((m) => m.name);
    const hint = didYouMean(model, models);
    throw new EnvironmentsConfigError(
      `${where}: model '${model}' is not listed under models (listed: ${models.join(', ')}).${hint ? ` Did you mean '${hint}'?` : ''} Add it to deploy it from this repository.`,
    );
  }
  if (spec.environments && !spec.environments.includes(environment)) {
    throw new EnvironmentsConfigError(
      `${where}: model '${model}' is not deployed to '${environment}' (its environments: ${spec.environments.join(', ')}).`,
    );
  }
  const next = config.environments[index + 1]?.name;
  return {
    environment: env,
    model: spec,
    manifestPath: `${env.folder}/${spec.manifest}`,
    ...(next ? { next } : {}),
  };
}

function unknownEnvironment(
  where: string,
  name: string,
  names: readonly string[],
  listedIn: string,
): EnvironmentsConfigError {
  const hint = didYouMean(name, names);
  return new EnvironmentsConfigError(
    `${where}: environment '${name}' is not in ${listedIn} (known: ${names.join(', ')}).${hint ? ` Did you mean '${hint}'?` : ''}`,
  );
}

function describeKind(data: unknown): string {
  if (!data || typeof data !== 'object') return 'no YAML mapping';
  const kind = (data as { kind?: unknown }).kind;
  return kind === undefined ? 'no kind' : `kind: ${String(kind)}`;
}
