// Turns ajv's schema errors into findings a person can act on: located in the YAML source, saying what was
// found and what was expected, with a did-you-mean for misspelt keys and enum values.
import type { Document, LineCounter } from 'yaml';
import type { SchemaError } from './compiled-validator.js';
import { didYouMean } from './did-you-mean.js';
import type { Finding } from './finding.js';
import { formatPath, locateKey, locateValue, type PathSegment, parsePointer } from './locate.js';

interface Context {
  readonly file: string;
  readonly document: Document;
  readonly lineCounter: LineCounter;
}

export function schemaFindings(errors: readonly SchemaError[], context: Context): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  // A oneOf/anyOf failure explains itself once; the failures of its branches are noise.
  const unions = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .map((e) => `${e.schemaPath}/`);
  for (const error of errors) {
    if (unions.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    if (error.keyword === 'if') continue;
    const finding = toFinding(error, context);
    const id = `${finding.path}|${finding.rule}|${finding.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    findings.push(finding);
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

function toFinding(error: SchemaError, { file, document, lineCounter }: Context): Finding {
  const segments = parsePointer(error.instancePath);
  const where = describe(segments);
  const parent = error.parentSchema ?? {};
  const base = { file, severity: 'error' as const, rule: `schema.${error.keyword}` };

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      const suggestion = didYouMean(key, known);
      const keySegments = [...segments, key];
      return {
        ...base,
        ...locateKey(document, lineCounter, keySegments),
        path: formatPath(keySegments),
        message: `Unknown key '${key}' in ${where}.${suggestion ? ` Did you mean '${suggestion}'?` : ''} Expected one of: ${known.join(', ')}.`,
        ...(suggestion ? { suggestion } : {}),
      };
    }
    case 'required': {
      const key = String(error.params.missingProperty);
      const property = (parent.properties as Record<string, Record<string, unknown>> | undefined)?.[key];
      const about = typeof property?.description === 'string' ? ` (${property.description})` : '';
      const position =
        segments.length === 0
          ? locateValue(document, lineCounter, [])
          : locateKey(document, lineCounter, segments);
      return {
        ...base,
        ...position,
        path: formatPath(segments),
        message: `Missing required key '${key}' in ${where}${about}.`,
      };
    }
    case 'enum':
    case 'const': {
      const allowed =
        error.keyword === 'enum' ? (error.params.allowedValues as unknown[]) : [error.params.allowedValue];
      const found = error.data;
      const suggestion =
        typeof found === 'string'
          ? didYouMean(
              found,
              allowed.filter((v): v is string => typeof v === 'string'),
            )
          : undefined;
      const expected = allowed.length === 1 ? show(allowed[0]) : `one of ${allowed.map(show).join(', ')}`;
      return {
        ...base,
        ...locateValue(document, lineCounter, segments),
        path: formatPath(segments),
        message: `${capitalize(where)} is ${show(found)}; expected ${expected}.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`,
        ...(suggestion ? { suggestion } : {}),
      };
    }
    case 'oneOf':
    case 'anyOf':
    case 'type': {
      const expected =
        error.keyword === 'type'
          ? `${article(String(error.params.type))}${describeSchema(parent)}`
          : describeSchema(parent).replace(/^: /, '') || 'a value matching the schema';
      return {
        ...base,
        ...locateValue(document, lineCounter, segments),
        path: formatPath(segments),
        message: `${capitalize(where)} is ${kindOf(error.data)}; expected ${expected}.`,
      };
    }
    default: {
      return {
        ...base,
        ...locateValue(document, lineCounter, segments),
        path: formatPath(segments),
        message: `${capitalize(where)} is ${show(error.data)}; it ${error.message ?? 'does not match the schema'}.${hint(parent)}`,
      };
    }
  }
}

function describe(segments: readonly PathSegment[]): string {
  return segments.length === 0 ? 'the document' : `'${formatPath(segments)}'`;
}

function describeSchema(schema: Record<string, unknown>): string {
  return typeof schema.description === 'string' ? `: ${schema.description.replace(/\.$/, '')}` : '';
}

function hint(schema: Record<string, unknown>): string {
  return typeof schema.description === 'string' ? ` Expected: ${schema.description.replace(/\.$/, '')}.` : '';
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${article(typeof value)} (${show(value)})`;
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    integer: 'an integer',
    null: 'empty',
  };
  return names[type] ?? (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'empty';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
