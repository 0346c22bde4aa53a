// GitHub's own OpenAPI description (@octokit/openapi, read as a file) turned into a router and validators:
// every request the simulator receives and every response it sends is checked against it.
// The document is 13 MB, so it is parsed once per process and each operation is compiled on first use.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: Json;
}

interface Operation {
  readonly operationId: string;
  readonly parameters?: Array<Parameter | { $ref: string }>;
  readonly requestBody?: Json;
  readonly responses: Record<string, Json>;
}

/** One REST operation of GitHub's API, as the router found it for a request. */
export interface MatchedOperation {
  readonly operationId: string;
  readonly method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/git/refs/{ref}`. */
  readonly template: string;
  /** Path parameters, decoded (`heads%2Fmain` → `heads/main`). */
  readonly params: Record<string, string>;
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly regex: RegExp;
  readonly names: string[];
  readonly literalLength: number;
  readonly operation: Operation;
}

interface CompiledOperation {
  readonly parameters: ValidateFunction;
  readonly body: ValidateFunction | undefined;
  readonly bodyRequired: boolean;
  readonly responses: Map<string, ValidateFunction | undefined>;
}

/** Path parameters whose values contain slashes when they close the path. */
const SLASHED = new Set(['ref', 'path', 'branch', 'basehead', 'file_path', 'tag']);

const SPEC_ID = 'https://slipway.test/api.github.com.json';

/**
 * A file inside an installed package, found by walking up node_modules from this module and from the
 * working directory: benchmarks bundle the simulator into a temp dir, where module resolution cannot see it.
 */
export function packageFile(relative: string): string {
  for (let dir of [import.meta.dirname ?? process.cwd(), process.cwd()]) {
    for (;;) {
      const candidate = join(dir, 'node_modules', relative);
      if (existsSync(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`Cannot find node_modules/${relative}; run npm install at the repository root.`);
}

function specPath(): string {
  // Read as a file, not imported: the package has no JS entry worth loading.
  return packageFile('@octokit/openapi/generated/api.github.com.json');
}

/**
 * OpenAPI 3.0 allows `nullable: true` beside `allOf`/`$ref` with no `type`; ajv only understands it next
 * to `type`. Rewritten once, in place, as `anyOf: [schema, {type: null}]`, which means the same.
 */
function typelessNullableToAnyOf(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) typelessNullableToAnyOf(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  for (const value of Object.values(schema)) typelessNullableToAnyOf(value);
  if (schema.nullable === true && schema.type === undefined) {
    const rest: Json = { ...schema };
    delete rest.nullable;
    for (const key of Object.keys(schema)) delete schema[key];
    schema.anyOf = [rest, { type: 'null' }];
  }
}

/** Turns `#/components/...` into a reference into the registered document, recursively (small op schemas only). */
function anchorRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(anchorRefs);
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/')
        ? SPEC_ID + inner
        : anchorRefs(inner);
  }
  return out;
}

export class GitHubOpenApi {
  private readonly spec: { paths: Record<string, Record<string, unknown>>; components: Json };
  private readonly routes: Route[] = [];
  private readonly compiled = new Map<string, CompiledOperation>();
  /** Bodies and responses: exact types, as GitHub's JSON parser sees them. */
  private readonly ajv: Ajv;
  /** Path and query parameters arrive as strings; `per_page=100` must satisfy `type: integer`. */
  private readonly paramAjv: Ajv;

  constructor(path = specPath()) {
    this.spec = JSON.parse(readFileSync(path, 'utf8'));
    typelessNullableToAnyOf(this.spec);
    const make = (coerceTypes: boolean) => {
      // strict:false: OpenAPI 3.0 keywords (example, discriminator, x-github…) are not JSON Schema.
      // GitHub's own formats (`repo.nwo`, …) are unknown to ajv-formats and, rightly, not checked.
      const logger = { log: () => {}, warn: () => {}, error: console.error };
      const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, validateFormats: true, logger });
      addFormats(ajv);
      ajv.addSchema({ $id: SPEC_ID, components: this.spec.components });
      return ajv;
    };
    this.ajv = make(false);
    this.paramAjv = make(true);
    for (const [template, item] of Object.entries(this.spec.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!operation || typeof operation !== 'object' || !('operationId' in operation)) continue;
        this.routes.push(this.route(method.toUpperCase(), template, operation as Operation));
      }
    }
    // Literal segments win over parameters: `/git/matching-refs/{ref}` before `/git/{x}/{ref}`.
    this.routes.sort((a, b) => b.literalLength - a.literalLength);
  }

  private route(method: string, template: string, operation: Operation): Route {
    const names: string[] = [];
    const segments = template.split('/');
    const pattern = segments.map((segment, index) =>
      segment.replace(/\{([^}]+)\}|([^{]+)/g, (_m, name: string | undefined, literal: string | undefined) => {
        if (literal !== undefined) return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name!);
        // A trailing ref or path may hold slashes (`heads/a/b`, `envs/prod/x.yaml`), sent raw or as %2F.
        const spansSlashes = index === segments.length - 1 && segment === `{${name}}` && SLASHED.has(name!);
        return spansSlashes ? '(.+)' : '([^/]+?)';
      }),
    );
    const literalLength = template.replace(/\{[^}]+\}/g, '').length;
    return { method, template, regex: new RegExp(`^${pattern.join('/')}$`), names, literalLength, operation };
  }

  /** The operation a request is for, or undefined when GitHub's API has no such route. */
  match(method: string, pathname: string): MatchedOperation | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.regex.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]!);
      });
      return { operationId: route.operation.operationId, method, template: route.template, params };
    }
    return undefined;
  }

  private resolve<T>(value: T | { $ref: string }): T {
    let current: unknown = value;
    while (current && typeof current === 'object' && '$ref' in current && typeof current.$ref === 'string') {
      const parts = current.$ref.replace(/^#\//, '').split('/');
      current = parts.reduce<unknown>((node, key) => (node as Json)[key], this.spec);
    }
    return current as T;
  }

  private operation(matched: MatchedOperation): Operation {
    return this.spec.paths[matched.template]![matched.method.toLowerCase()] as Operation;
  }

  private compile(matched: MatchedOperation): CompiledOperation {
    const key = `${matched.method} ${matched.template}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const operation = this.operation(matched);
    const parameters = (operation.parameters ?? []).map((p) => this.resolve<Parameter>(p));
    const properties: Json = {};
    const required: string[] = [];
    for (const p of parameters.filter((x) => x.in === 'path' || x.in === 'query')) {
      properties[p.name] = anchorRefs(p.schema ?? {});
      if (p.required) required.push(p.name);
    }
    const paramSchema = { type: 'object', properties, required };
    const requestBody = operation.requestBody ? this.resolve<Json>(operation.requestBody) : undefined;
    const bodySchema = (requestBody?.content as Record<string, { schema?: unknown }> | undefined)?.[
      'application/json'
    ]?.schema;
    const responses = new Map<string, ValidateFunction | undefined>();
    for (const [status, response] of Object.entries(operation.responses)) {
      const content = this.resolve<Json>(response).content as
        | Record<string, { schema?: unknown }>
        | undefined;
      const json =
        content?.['application/json'] ?? Object.entries(content ?? {}).find(([t]) => t.includes('json'))?.[1];
      responses.set(status, json?.schema ? this.ajv.compile(anchorRefs(json.schema) as Json) : undefined);
    }
    const result: CompiledOperation = {
      parameters: this.paramAjv.compile(paramSchema),
      body: bodySchema ? this.ajv.compile(anchorRefs(bodySchema) as Json) : undefined,
      bodyRequired: requestBody?.required === true,
      responses,
    };
    this.compiled.set(key, result);
    return result;
  }

  /**
   * Problems with a request, in the words GitHub uses for its 422 "Invalid request." answers; empty when valid.
   * `query` values are strings as received; integers are coerced, as GitHub does.
   */
  validateRequest(matched: MatchedOperation, query: Record<string, string>, body: unknown): string[] {
    const compiled = this.compile(matched);
    const params = { ...query, ...matched.params };
    const problems: string[] = [];
    if (!compiled.parameters(params)) problems.push(...describe(compiled.parameters.errors, 'parameters'));
    if (body === undefined) {
      if (compiled.bodyRequired) problems.push('A JSON request body is required.');
    } else if (compiled.body && !compiled.body(body)) {
      problems.push(...describe(compiled.body.errors, 'body'));
    }
    return problems;
  }

  /** Problems with a response: a status the operation does not declare, or a body that breaks its schema. */
  validateResponse(matched: MatchedOperation, status: number, body: unknown): string[] {
    const compiled = this.compile(matched);
    const declared = compiled.responses.has(String(status)) || compiled.responses.has('default');
    if (!declared) {
      return [`status ${status} is not declared (declared: ${[...compiled.responses.keys()].join(', ')})`];
    }
    const validate = compiled.responses.get(String(status)) ?? compiled.responses.get('default');
    if (!validate || body === undefined) return [];
    return validate(body) ? [] : describe(validate.errors, 'response');
  }
}

function describe(errors: ErrorObject[] | null | undefined, where: string): string[] {
  // allErrors reports every oneOf branch; the first few are what a person needs to fix the call.
  return (errors ?? []).slice(0, 8).map((e) => {
    const at = e.instancePath ? `'${e.instancePath.slice(1).replace(/\//g, '.')}'` : where;
    const extra =
      e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : '';
    return `For ${at}, ${e.message ?? 'invalid'}${extra}.`;
  });
}

let shared: GitHubOpenApi | undefined;
/** The process-wide copy: parsing and compiling the description once serves every simulator. */
export function githubOpenApi(): GitHubOpenApi {
  shared ??= new GitHubOpenApi();
  return shared;
}
