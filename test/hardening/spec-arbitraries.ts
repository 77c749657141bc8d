import fc from 'fast-check';
import { tamsSpec, toJsonSchema } from '../helpers/tams-spec.js';

/**
 * fast-check arbitraries from the TAMS spec's own JSON schemas (read from the spec directory at
 * test time, `$ref`s between the files followed): values a client written from the spec would
 * send. Covers what the spec's request schemas use: `$ref`, `allOf` (objects merged), `oneOf` /
 * `anyOf`, `enum`, `const`, string `pattern`s (timeranges, timestamps, UUIDs, MIME types),
 * `format`, integer bounds, arrays, objects with `required` and `additionalProperties`.
 */

type Schema = {
  $ref?: string; type?: string | string[]; const?: unknown; enum?: unknown[]; allOf?: Schema[]; oneOf?: Schema[]; anyOf?: Schema[];
  properties?: Record<string, Schema>; required?: string[]; additionalProperties?: boolean | Schema; items?: Schema; pattern?: string;
  format?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number; minItems?: number;
};

/** Nesting of values (arrays, objects); `$ref`s and `allOf`s do not count. */
const MAX_DEPTH = 6;

function resolve(ref: string): Schema {
  const file = ref.replace(/^schemas\//, '').split('#')[0]!;
  const schema = tamsSpec().ajv.getSchema(file)?.schema as Schema | undefined;
  if (!schema) throw new Error(`spec schema ${ref} not found`);
  return schema;
}

function stringOf(s: Schema): fc.Arbitrary<string> {
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern), { size: 'small' });
    } catch {
      // a pattern fast-check cannot invert: plain strings (the validator will say no)
    }
  }
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString());
  if (s.format === 'uri' || s.format === 'url') return fc.webUrl();
  return fc.string({ maxLength: 24 });
}

/** Objects from each `allOf` part, merged (what a `properties` + `allOf` schema describes). */
function merged(parts: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.tuple(...parts).map((values) => {
    if (!values.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) return values[values.length - 1];
    return Object.assign({}, ...(values as object[])) as unknown;
  });
}

function arbitrary(s: Schema, depth: number): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (s.$ref) return arbitrary(resolve(s.$ref), depth);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const own: Schema = { ...s, allOf: undefined, oneOf: undefined, anyOf: undefined };
  const parts: fc.Arbitrary<unknown>[] = [];
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives?.length) parts.push(fc.oneof(...alternatives.map((a) => arbitrary(a, depth))));
  for (const part of s.allOf ?? []) parts.push(arbitrary(part, depth));
  if (!parts.length) return plain(own, depth);
  if (own.properties || own.required) parts.unshift(plain(own, depth));
  return parts.length === 1 ? parts[0]! : merged(parts);
}

function plain(s: Schema, depth: number): fc.Arbitrary<unknown> {
  const type = Array.isArray(s.type) ? s.type[0] : (s.type ?? (s.properties ? 'object' : undefined));
  switch (type) {
    case 'string':
      return stringOf(s);
    case 'integer': {
      const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : (s.minimum ?? -1_000_000);
      return fc.integer({ min, max: s.maximum ?? Math.max(min, 0) + 1_000_000 });
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.exclusiveMinimum ?? s.minimum ?? -1e9, max: s.maximum ?? 1e9 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items ? arbitrary(s.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, 3) });
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      const record = fc.record(Object.fromEntries(props.map(([k, v]) => [k, arbitrary(v, depth + 1)])), { requiredKeys: (s.required ?? []).filter((k) => s.properties?.[k]) });
      const extra = s.additionalProperties;
      if (!extra || extra === true) return record;
      return fc.tuple(record, fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), arbitrary(extra, depth + 1), { maxKeys: 3 })).map(([r, d]) => ({ ...d, ...r }));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values of a schema file (`flow-put.json`) or of an inline schema from the YAML. */
export function specValue(schema: string | unknown): fc.Arbitrary<unknown> {
  return arbitrary(typeof schema === 'string' ? resolve(schema) : (toJsonSchema(schema) as Schema), 0);
}

/** One write operation of the spec with a JSON request body. */
export interface SpecWrite {
  method: 'post' | 'put';
  /** The spec's path template, e.g. `/flows/{flowId}/segments`. */
  template: string;
  operationId: string;
  body: fc.Arbitrary<unknown>;
  /** The request body's schema, for telling spec-valid bodies from the rest. */
  isValid(body: unknown): boolean;
}

/** Every POST and PUT of the spec that takes a JSON body, with an arbitrary of its body. */
export function specWrites(): SpecWrite[] {
  const spec = tamsSpec();
  const writes: SpecWrite[] = [];
  for (const [template, ops] of Object.entries(spec.document.paths)) {
    for (const method of ['post', 'put'] as const) {
      const op = ops[method] as { operationId?: string; requestBody?: { content?: Record<string, { schema?: unknown }> } } | undefined;
      const schema = op?.requestBody?.content?.['application/json']?.schema;
      if (!op || schema === undefined) continue;
      const validate = spec.compile(schema);
      writes.push({ method, template, operationId: op.operationId ?? `${method} ${template}`, body: specValue(schema), isValid: (b) => validValue(validate, b) });
    }
  }
  return writes;
}

/** ajv recurses with the value: a 3000-deep hostile value overflows the stack, and is no valid body anyway. */
function validValue(validate: (v: unknown) => boolean, value: unknown): boolean {
  try {
    return validate(value);
  } catch {
    return false;
  }
}
