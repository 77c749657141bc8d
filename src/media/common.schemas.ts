import { z } from 'zod';

/**
 * Building blocks of the media capability's request schemas. Values that would reach the
 * database are checked here, so that bad input is a 422 naming the field before anything is
 * written (Postgres refuses NUL characters and lone UTF-16 surrogates).
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** In a `u` regex, surrogate pairs are one code point, so this matches only lone surrogates. */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** A name-like string: 1..max characters, no control characters. */
export const plainText = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => wellFormed(s), 'must be well-formed Unicode');

const MAX_JSON_DEPTH = 32;

/** Why a JSON value cannot be stored, with the path to the offending part; undefined when fine. */
export function jsonProblem(value: unknown, path: (string | number)[] = [], depth = 0): { path: (string | number)[]; msg: string } | undefined {
  if (depth > MAX_JSON_DEPTH) return { path, msg: `nested deeper than ${MAX_JSON_DEPTH} levels` };
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { path, msg: 'strings must not contain NUL characters' };
    if (!wellFormed(value)) return { path, msg: 'strings must be well-formed Unicode' };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], [...path, i], depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000') || !wellFormed(k)) return { path: [...path, k], msg: 'keys must be well-formed Unicode without NUL characters' };
      // JavaScript gives this key a meaning of its own; refusing it keeps objects plain.
      if (k === '__proto__') return { path: [...path, k], msg: 'the key "__proto__" is not allowed' };
      const p = jsonProblem(v, [...path, k], depth + 1);
      if (p) return p;
    }
  }
  return undefined;
}

/** Checked before `schema` parses, so that keys such as "__proto__" are refused rather than lost. */
const storableJson = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.msg, path: problem.path, input: value });
    return value;
  }, schema);

/** A JSON object that Postgres can store as jsonb. */
export const JsonObject = storableJson(z.record(z.string(), z.unknown())).meta({
  description: 'Any JSON object',
  example: { title: 'Evening news', camera: { model: 'X1' } },
});
export type JsonObject = Record<string, unknown>;

/** Any storable JSON value (metadata `data`, search `equals`). */
export const JsonValue = storableJson(z.unknown());

/** `X-Change-Reason`, recorded with the history row of every change the request makes. */
export const ChangeHeaders = z.object({
  'x-change-reason': z
    .string()
    .max(1000, 'at most 1000 characters')
    .optional()
    .meta({ description: 'Why the change is made; kept in the history rows it writes' }),
});

export const Limit = z.coerce.number().int().min(1).max(1000);
export const Cursor = z.string().max(64).meta({ description: 'Opaque cursor from `X-Paging-NextKey` or `next_cursor`' });

/** Path parameter of a store config or S3 config. */
export const PkParams = z.object({ pk: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
