import fc from 'fast-check';
import { z, type ZodType } from 'zod';

/**
 * fast-check arbitraries derived from the zod schemas of the route tables (through their JSON
 * Schema), mixed with hostile values. The schema-shaped values get past the first checks so the
 * hostile ones reach the services, the database and the stores.
 */

type JsonSchema = {
  $ref?: string; $defs?: Record<string, JsonSchema>; type?: string | string[]; const?: unknown; enum?: unknown[];
  anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; properties?: Record<string, JsonSchema>;
  required?: string[]; items?: JsonSchema; format?: string; minimum?: number; maximum?: number; maxLength?: number;
};

const deep = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown;
const deepObject = (n: number) => JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) as unknown;

/** Strings that have broken stores before: sizes, encodings, paths, timeranges, numbers in text. */
export const hostileStrings = [
  '', ' ', 'x'.repeat(100_000), 'nul\u0000byte', '\ud800', '\udfff\ud800', '\u202e\u0301', '../../etc/passwd', '..', '/abs/path', 'a/../../b',
  '%00', '%2e%2e%2f', '[0:0_', '[5:0_3:0)', '(0:0_0:0]', '[99999999999999999999:0_1:0)', '[-9223372036854775809:0_0:0)',
  '[0:1000000000_', '0:999999999999', '_', '[)', '1e309', '-0', 'NaN', '9223372036854775808', "'; drop table media; --",
  '$(touch /tmp/x)', '{{x}}', '*', '.*', '(a+)+$', '__proto__', 'constructor', 'tag.', 'true', 'null',
];

export const hostileValues: unknown[] = [
  ...hostileStrings, null, true, 0, -1, 1e308, -1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 0.1, [], {}, [null],
  deep(3000), deepObject(3000), { __proto__: { admin: true } }, JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])), Array.from({ length: 10_000 }, (_, i) => i),
];

export const hostile = fc.constantFrom(...hostileValues);
export const hostileString = fc.constantFrom(...hostileStrings);

function toJsonSchema(schema: ZodType): JsonSchema | undefined {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  } catch {
    return undefined;
  }
}

function fromJsonSchema(s: JsonSchema, root: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 5) return fc.constant(null);
  if (s.$ref) {
    const target = s.$ref === '#' ? root : root.$defs?.[s.$ref.split('/').pop()!];
    return target ? fromJsonSchema(target, root, depth + 1) : fc.jsonValue({ maxDepth: 2 });
  }
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => fromJsonSchema(a, root, depth + 1)));
  if (s.allOf?.length) return fromJsonSchema(s.allOf[0]!, root, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return fc.uuid();
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      return fc.string({ maxLength: Math.min(s.maxLength ?? 24, 24) });
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e6), max: Math.min(s.maximum ?? 1000, 1e6) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items ? fromJsonSchema(s.items, root, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 });
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      if (!props.length) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      const record: Record<string, fc.Arbitrary<unknown>> = Object.fromEntries(props.map(([k, v]) => [k, fromJsonSchema(v, root, depth + 1)]));
      return fc.record(record, { requiredKeys: (s.required ?? []).filter((k) => k in record) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values shaped by the schema. */
export function fromSchema(schema: ZodType | undefined): fc.Arbitrary<unknown> {
  const json = schema && toJsonSchema(schema);
  return json ? fromJsonSchema(json, json, 0) : fc.jsonValue({ maxDepth: 2 });
}

/** Schema-shaped values, the same with one member made hostile, or hostile outright. */
export function fuzzValue(schema: ZodType | undefined): fc.Arbitrary<unknown> {
  return withHostile(fromSchema(schema));
}

/** `shaped` values, the same with one member (or an extra `../x` member) made hostile, or hostile outright. */
export function withHostile(shaped: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const poisoned = fc.tuple(shaped, hostile, fc.nat(), fc.boolean()).map(([value, bad, i, extraKey]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad;
    const keys = Object.keys(value);
    const key = extraKey || !keys.length ? '../x' : keys[i % keys.length]!;
    return { ...value, [key]: bad };
  });
  return fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 3, arbitrary: poisoned }, { weight: 1, arbitrary: hostile });
}

/** encodeURIComponent, except that a lone surrogate goes out as the invalid UTF-8 a careless client would send. */
export function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** A path or query value: schema-ish, hostile, or a broken percent-encoding sent as is. */
export const rawSegment = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(hostileString.filter((s) => s.length > 0 && s.length < 5000), fc.uuid(), fc.string({ minLength: 1, maxLength: 20 })).map(encode) },
  { weight: 1, arbitrary: fc.constantFrom('%FF', '%C3%28', '%ZZ', '%', '%00', '..%2F..%2Fetc', '%E0%80%AF', '%F4%90%80%80') },
);
