import type { z, ZodType } from 'zod';
import { ValidationError, type ValidationIssue } from './errors.js';

export type InputLocation = 'body' | 'query' | 'path' | 'header';

/** Converts zod issues to FastAPI/AMPLIfy-style `{loc, msg, type}` entries. */
export function toValidationIssues(error: z.ZodError, location: InputLocation): ValidationIssue[] {
  return error.issues.map((issue) => ({
    loc: [location, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    msg: issue.message,
    type: issue.code,
  }));
}

/** Parses request input with a zod schema; throws ValidationError naming every bad field. */
export function parseInput<T extends ZodType>(schema: T, value: unknown, location: InputLocation): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toValidationIssues(result.error, location));
  return result.data;
}
