// The environments template renders the repository's `environments/` skeleton itself (the single source
// of the environment repo), with the user's names put in: its environments (in promotion order), model,
// registry, repository and reviewers. The skeleton stays a working example with example names (acme,
// iris, dev/staging/prod); this maps them, so the skeleton can grow without a copy here to keep in step.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap, YAMLSeq } from 'yaml';
import { SlipwayError } from '../errors/index.js';
import { answerList } from './answers.js';
import { filesBelow } from './files-below.js';

/** The names the skeleton uses for its example environment repository. */
const exampleRepository = 'acme/ml-environments';
const schemaBase = 'https://raw.githubusercontent.com/slipway-dev/slipway/main/schemas/';
const placeholderUri = /oci:\/\/[^@\s"']+@sha256:0{64}/g;

interface SkeletonNames {
  readonly environments: readonly string[];
  readonly model: string;
}

function readNames(dir: string): SkeletonNames {
  const where = join(dir, 'slipway.yaml');
  const raw = parseDocument(readFileSync(where, 'utf8')).toJS() as {
    environments?: Array<{ name?: string }>;
    models?: Array<{ name?: string }>;
  };
  const environments = (raw.environments ?? []).map((e) => e.name).filter((n): n is string => !!n);
  const model = raw.models?.[0]?.name;
  if (environments.length === 0 || !model) {
    throw new SlipwayError(
      `${where} names no environments or no model; the environments template renders from it.`,
      {
        where,
        expected: 'environments and models lists',
      },
    );
  }
  return { environments, model };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces whole words (not parts of longer names) all at once, so a→b, b→c does not chain. */
function replaceWords(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0) return text;
  const words = [...map.keys()].sort((a, b) => b.length - a.length).map(escape);
  return text.replace(
    new RegExp(`(?<![A-Za-z0-9_.-])(${words.join('|')})(?![A-Za-z0-9_])`, 'g'),
    (w) => map.get(w) ?? w,
  );
}

/** A rendered skeleton file, with what it came from: its skeleton path, and the environment it is for. */
export interface SkeletonFile {
  readonly content: Buffer;
  readonly origin: string;
}

export function renderSkeleton(
  dir: string,
  values: Readonly<Record<string, string>>,
): Map<string, SkeletonFile> {
  const names = readNames(dir);
  const environments = answerList(values.environments);
  const model = values.name ?? names.model;
  const [, repositoryName] = (values['environment-repository'] ?? exampleRepository).split('/');
  const reviewers = answerList(values.reviewers);
  // Each of the user's environments takes the policy and manifests of a skeleton environment: the first
  // the first's, the last the last's, the ones between the middle one's.
  const skeletonFor = (index: number): string => {
    const list = names.environments;
    if (index === 0) return list[0] as string;
    if (index === environments.length - 1) return list.at(-1) as string;
    return list[Math.min(1, list.length - 1)] as string;
  };

  const common = (text: string): string =>
    replaceWords(
      text
        .replaceAll(exampleRepository, values['environment-repository'] ?? exampleRepository)
        // The skeleton names its schema relative to this repository; a generated one names it by URL.
        .replace(/\$schema=(?:\.\.\/)+schemas\//g, `$schema=${schemaBase}`)
        .replace(
          placeholderUri,
          (uri) => `oci://${values.registry}/${values.repository}@${uri.split('@')[1]}`,
        ),
      new Map([
        [names.model, model],
        ['ml-environments', repositoryName ?? 'ml-environments'],
      ]),
    );
  /** Names of environment `index`'s skeleton environment, and of the one before it, mapped to the user's. */
  const environmentWords = (index: number): Map<string, string> => {
    const map = new Map<string, string>();
    const own = skeletonFor(index);
    const before = names.environments[names.environments.indexOf(own) - 1];
    if (before !== undefined && index > 0) {
      map.set(before, environments[index - 1] as string);
      map.set(`ml-${before}`, `ml-${environments[index - 1]}`);
      map.set(`env/${before}`, `env/${environments[index - 1]}`);
    }
    map.set(own, environments[index] as string);
    map.set(`ml-${own}`, `ml-${environments[index]}`);
    map.set(`env/${own}`, `env/${environments[index]}`);
    return map;
  };

  const out = new Map<string, SkeletonFile>();
  const put = (path: string, text: string, origin = path) =>
    out.set(path, { content: Buffer.from(text), origin });
  for (const path of filesBelow(dir)) {
    const text = readFileSync(join(dir, path), 'utf8');
    const [first, ...rest] = path.split('/');
    if (first !== undefined && rest.length > 0 && names.environments.includes(first)) {
      environments.forEach((environment, index) => {
        if (skeletonFor(index) !== first) return;
        const target = [environment, ...rest.map((p) => (p === names.model ? model : p))].join('/');
        // By position: renaming an environment renames its folder, and an update carries edits across.
        put(target, replaceWords(common(text), environmentWords(index)), `${path}#${index}`);
      });
    } else if (path === 'slipway.yaml') {
      put(path, common(renderContract(text, names, environments, model, reviewers, skeletonFor)));
    } else if (path.endsWith('.yaml') || path.endsWith('.yml')) {
      put(path, common(renderPerEnvironment(text, names, environments, skeletonFor, environmentWords)));
    } else {
      put(path, common(text));
    }
  }
  return out;
}

/** The Environments contract: the user's environments with their policies, and the one model. */
function renderContract(
  text: string,
  names: SkeletonNames,
  environments: readonly string[],
  model: string,
  reviewers: readonly string[],
  skeletonFor: (index: number) => string,
): string {
  const doc = parseDocument(text);
  const skeleton = doc.get('environments') as YAMLSeq<YAMLMap>;
  const byName = new Map(skeleton.items.map((item) => [String(item.get('name')), item]));
  const seq = new YAMLSeq<YAMLMap>();
  environments.forEach((environment, index) => {
    const own = skeletonFor(index);
    const item = (byName.get(own) as YAMLMap).clone() as YAMLMap;
    item.set('name', environment);
    const policy = item.get('policy');
    if (isMap(policy)) {
      const labels = policy.get('labels');
      if (isSeq(labels))
        labels.items = labels.items.map((l) => (String(l) === `env/${own}` ? `env/${environment}` : l));
      if (index > 0) {
        policy.delete('reviewers');
        policy.set('team-reviewers', doc.createNode([...reviewers], { flow: true }));
      }
    }
    seq.items.push(item);
  });
  doc.set('environments', seq);
  const models = doc.get('models') as YAMLSeq<YAMLMap>;
  const first = models.items[0] as YAMLMap;
  models.items = [first];
  first.set('name', model);
  const manifest = first.get('manifest');
  if (typeof manifest === 'string') first.set('manifest', manifest.replace(names.model, model));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * GitOps wiring lists the environments: a list of `environment: <name>` entries (Argo CD's list
 * generator) or one document per environment folder (Flux Kustomizations). Both become one per user
 * environment, cloned from the skeleton environment it maps to.
 */
function renderPerEnvironment(
  text: string,
  names: SkeletonNames,
  environments: readonly string[],
  skeletonFor: (index: number) => string,
  environmentWords: (index: number) => Map<string, string>,
): string {
  const folderOf = (chunk: string): string | undefined =>
    names.environments.find((e) =>
      new RegExp(`^\\s*path:\\s*["']?\\.?/?${escapeRegExp(e)}["']?\\s*$`, 'm').test(chunk),
    );
  const chunks = text.split(/^---[ \t]*$/m);
  if (chunks.length > 1) {
    const result: string[] = [];
    for (const chunk of chunks) {
      const folder = folderOf(chunk);
      if (folder === undefined) {
        result.push(chunk);
        continue;
      }
      environments.forEach((_, index) => {
        if (skeletonFor(index) !== folder) return;
        let rendered = replaceWords(chunk, environmentWords(index));
        // The first environment depends on nothing, whichever skeleton environment it was cloned from.
        if (index === 0) rendered = rendered.replace(/^ {2}dependsOn:\n(?: {4}- .*\n)+/m, '');
        result.push(rendered.startsWith('\n') ? rendered : `\n${rendered}`);
      });
    }
    return result.join('---');
  }
  const doc = parseDocument(text);
  let changed = false;
  const visit = (node: unknown): void => {
    if (isSeq(node)) {
      const items = node.items as unknown[];
      const entries = items.filter(
        (i): i is YAMLMap => isMap(i) && names.environments.includes(String(i.get('environment'))),
      );
      if (entries.length > 0 && entries.length === items.length) {
        const byName = new Map(entries.map((e) => [String(e.get('environment')), e]));
        node.items = environments.map((environment, index) => {
          const clone = (byName.get(skeletonFor(index)) ?? entries[0])?.clone() as YAMLMap;
          clone.set('environment', environment);
          return clone;
        });
        changed = true;
        return;
      }
      for (const item of items) visit(item);
    } else if (isMap(node)) {
      for (const pair of node.items) visit(pair.value);
    }
  };
  visit(doc.contents);
  return changed ? doc.toString({ lineWidth: 0, flowCollectionPadding: false }) : text;
}
