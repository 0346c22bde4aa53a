// From slipway.yaml (and overrides) to what publishModel needs: where the artifact goes, which files,
// which version and tags. The config is validated first, so a wrong slipway.yaml fails with its
// file:line:col findings rather than halfway through an upload.
import { dirname, join, resolve } from 'node:path';
import { ConfigError, checkArtifactPath, loadConfig, schemaValidators } from '../config/index.js';
import { readJsonFile } from '../config/json-file.js';
import type { Project } from '../config/types.generated.js';
import { OciError } from './errors.js';
import type { ModelFile } from './layer.js';
import { REPOSITORY_PATTERN } from './reference.js';

export interface PublishOverrides {
  readonly registry?: string;
  readonly repository?: string;
  readonly version?: string;
  readonly layout?: string;
  /** Moving tags added to artifact.tags. */
  readonly tags?: readonly string[];
  /** Owner used for the default repository `<owner>/<model name>` (the GitHub repository owner). */
  readonly owner?: string;
  /** Base image of the KServe modelcar, overriding artifact.modelcar.base. */
  readonly modelcarBase?: string;
}

export type PublishTarget =
  | { readonly kind: 'registry'; readonly registry: string; readonly repository: string }
  | { readonly kind: 'layout'; readonly directory: string };

export interface PublishPlan {
  readonly target: PublishTarget;
  readonly files: readonly ModelFile[];
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly licenses?: readonly string[];
  readonly movingTags: readonly string[];
  /** Directory of slipway.yaml: file paths are relative to it. */
  readonly projectDir: string;
  /** Base image of the KServe modelcar to publish beside the artifact; none when not named. */
  readonly modelcarBase?: string;
  /** Where the digests of unchanged model files are remembered between publishes on this machine. */
  readonly digestCacheFile: string;
}

/** The parts of slipway.yaml a publish reads, typed from schemas/project.schema.json. */
type ProjectArtifactConfig = Pick<Project, 'model' | 'artifact'>;

export async function readPublishPlan(
  configPath: string,
  overrides: PublishOverrides = {},
): Promise<PublishPlan> {
  return planPublish(loadPublishConfig(configPath), overrides);
}

/** slipway.yaml read and checked against its schema and the project checks, not yet planned. */
export interface PublishConfig {
  /** As given, for messages. */
  readonly configPath: string;
  readonly config: ProjectArtifactConfig;
}

/** Reads and checks slipway.yaml (synchronously, so a caller can have git running meanwhile). */
export function loadPublishConfig(configPath: string): PublishConfig {
  try {
    const { data } = loadConfig<ProjectArtifactConfig>(resolve(configPath), {
      file: configPath,
      schema: 'project',
    });
    return { configPath, config: data };
  } catch (error) {
    if (error instanceof ConfigError) throw new OciError(error.message);
    throw error;
  }
}

/** The plan from a checked slipway.yaml and what this run overrides. */
export function planPublish(
  { configPath, config }: PublishConfig,
  overrides: PublishOverrides = {},
): PublishPlan {
  const path = resolve(configPath);
  const artifact = config.artifact;
  if (!artifact) {
    throw new OciError(
      `${configPath} has no 'artifact' section: add artifact.files to say which files make up the model.`,
    );
  }
  const projectDir = dirname(path);
  const version = overrides.version || config.model.version;
  if (!version) {
    throw new OciError(`No model version: set model.version in ${configPath} or give the version input.`);
  }
  // What is given beats what the file says: a layout given for this run wins over artifact.registry
  // (a local try-out of a project that ships to a registry), a registry given wins over both.
  const registry = overrides.registry || (overrides.layout ? undefined : artifact.registry);
  let target: PublishTarget;
  if (registry) {
    const repository =
      overrides.repository ||
      artifact.repository ||
      (overrides.owner ? `${overrides.owner.toLowerCase()}/${config.model.name}` : config.model.name);
    if (!REPOSITORY_PATTERN.test(repository)) {
      throw new OciError(
        `Repository '${repository}' is not valid: expected lower-case path components like acme/models/iris.`,
      );
    }
    target = { kind: 'registry', registry, repository };
  } else {
    target = {
      kind: 'layout',
      directory: resolve(projectDir, overrides.layout || artifact.layout || '.slipway/oci'),
    };
  }
  const files = artifact.files.map((file): ModelFile => {
    const checked = checkArtifactPath(projectDir, file.path);
    if (checked.kind === 'refused') {
      throw new OciError(
        `artifact.files path '${file.path}' in ${configPath} ${checked.reason}. Publishing refuses it; ` +
          'list the model files themselves, inside the project.',
      );
    }
    // The real path, so what is read later is the file checked here, not whatever a link points to then.
    const source = checked.kind === 'file' ? checked.realPath : checked.source;
    return {
      path: file.path
        .split(/[\\/]+/)
        .filter((part) => part !== '.')
        .join('/'),
      source,
      type: file.type,
    };
  });
  return {
    target,
    files,
    name: config.model.name,
    version,
    ...(config.model.description ? { description: config.model.description } : {}),
    ...(config.model.license ? { licenses: [config.model.license] } : {}),
    movingTags: [...new Set([...(artifact.tags ?? []), ...(overrides.tags ?? [])])],
    projectDir,
    ...(overrides.modelcarBase || artifact.modelcar?.base
      ? { modelcarBase: overrides.modelcarBase || artifact.modelcar?.base }
      : {}),
    digestCacheFile: join(projectDir, DIGEST_CACHE_FILE),
  };
}

/** Beside the default layout, under .slipway/, which projects keep out of git. */
export const DIGEST_CACHE_FILE = '.slipway/cache/digests.json';

/** Reads an eval report and checks it against schemas/eval-report.schema.json. */
export async function readEvalReportBytes(path: string): Promise<Buffer> {
  const { bytes, value: data } = await readJsonFile(
    path,
    'an eval report, as the accuracy-test action writes it',
  );
  const validate = schemaValidators.evalReport;
  if (!validate(data)) {
    const problems = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(top level)'} ${e.message ?? e.keyword}`)
      .join('; ');
    throw new OciError(`Eval report ${path} does not match schemas/eval-report.schema.json: ${problems}.`);
  }
  return bytes;
}
