// The shape of an ajv standalone validator, as scripts/compile-schemas.ts emits it.
export interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
  /** With ajv's `verbose`: the schema object that holds the failing keyword, and the failing data. */
  readonly parentSchema?: Record<string, unknown>;
  readonly schema?: unknown;
  readonly data?: unknown;
}

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}
