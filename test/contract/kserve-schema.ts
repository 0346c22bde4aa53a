// KServe's InferenceService schema (test/fixtures/kserve) as the API server applies it with strict field
// validation: an unknown field is an error wherever the schema does not preserve unknown fields.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../harness/run-action.js';

type Node = Record<string, unknown>;

/** OpenAPI v3 structural schema → JSON Schema draft-07 as Kubernetes validates it. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== 'object') return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (key.startsWith('x-kubernetes-')) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Node).map(([k, v]) => [k, strict(v)]))
        : strict(value);
  }
  const schema = node as Node;
  // int-or-string: Kubernetes accepts either (resources: { cpu: 100m } or { cpu: 1 }).
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
  }
  if (
    schema.type === 'object' &&
    schema.properties &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true &&
    schema.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** Validates every document of a manifest that is an InferenceService; returns the problems, none when valid. */
export async function kserveValidator(): Promise<(manifest: string) => string[]> {
  const fixture = JSON.parse(
    await readFile(join(repoRoot, 'test/fixtures/kserve/inferenceservice-v1beta1.schema.json'), 'utf8'),
  ) as { group: string; kind: string; version: string; openAPIV3Schema: unknown };
  // The schema's formats: integer widths (the type already says integer) and RFC 3339 times.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    formats: {
      int32: { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n < 2 ** 31 },
      int64: { type: 'number', validate: (n: number) => Number.isSafeInteger(n) },
      'date-time': (text: string) => !Number.isNaN(Date.parse(text)),
    },
  });
  const validate = ajv.compile(strict(fixture.openAPIV3Schema) as object);
  return (manifest) =>
    parseAllDocuments(manifest).flatMap((doc) => {
      const value = doc.toJS() as { apiVersion?: string; kind?: string } | null;
      if (!value || value.kind !== fixture.kind) return [];
      if (value.apiVersion !== `${fixture.group}/${fixture.version}`)
        return [`apiVersion ${value.apiVersion}`];
      return validate(value)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    });
}
