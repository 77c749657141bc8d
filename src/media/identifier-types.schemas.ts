import { z } from 'zod';
import { patternProblem } from './patterns.js';

export const IdentifierTypeName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits and _ . : - only, starting with a letter or digit')
  .refine((n) => n !== 'list', '"list" is reserved (GET /api/identifier/list)')
  .meta({ example: 'DOI' });

/** A regular expression (JavaScript syntax) that every value must match in full; '' or null accepts anything. */
export const Pattern = z
  .string()
  .max(1000, 'at most 1000 characters')
  .nullish()
  .transform((p) => p ?? '')
  .superRefine((p, ctx) => {
    const problem = patternProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: 'Regular expression (JavaScript syntax) a value must match in full; empty accepts anything',
    example: '10\\.\\d{4,9}/\\S+',
  });

export const IdentifierType = z.object({ name: z.string(), pattern: z.string() }).meta({ id: 'IdentifierType' });
export type IdentifierType = z.infer<typeof IdentifierType>;

export const IdentifierTypeBody = z
  .strictObject({ name: IdentifierTypeName, pattern: Pattern.default('') })
  .meta({ id: 'IdentifierTypeBody' });

/** AMPLIfy's `DELETE /identifier` names the type in the body. */
export const IdentifierTypeRef = z
  .strictObject({ name: IdentifierTypeName, pattern: z.string().nullish() })
  .meta({ id: 'IdentifierTypeRef' });

export const IdentifierTypeParams = z.object({ name: IdentifierTypeName });
