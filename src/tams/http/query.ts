import { z } from 'zod';
import { parseTimerange, TIMERANGE_PATTERN, type TimeRange } from '../timerange.js';

/**
 * Query-string forms of the spec's parameter types. Values arrive as strings; anything not in
 * the exact form (`1.5` for an integer, `yes` for a boolean, a repeated parameter) is a 400.
 */

export const QueryBoolean = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .meta({ type: 'boolean' });

export const QueryInteger = z
  .string()
  .regex(/^-?(0|[1-9][0-9]{0,14})$/, 'must be an integer')
  .transform(Number)
  .meta({ type: 'integer' });

/** `url-tag-list.json`: comma-separated values (decoded first, as clients encode the whole value). */
export const QueryValueList = z
  .string()
  .regex(/^([^,]+(,[^,]+)*)?$/, 'must be a comma-separated list of non-empty values')
  .transform((v) => v.split(','))
  .meta({ type: 'string' });

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** `uuid-list-empty.json`: comma-separated ids; empty selects resources not collected by anything. */
export const QueryUuidList = z
  .string()
  .refine((v) => v === '' || v.split(',').every((id) => UUID_PATTERN.test(id)), 'must be a comma-separated list of lowercase UUIDs, or empty')
  .transform((v) => (v === '' ? [] : v.split(',')))
  .meta({ type: 'string' });

export const QueryTimerange = z
  .string()
  .regex(TIMERANGE_PATTERN, 'must be a timerange such as [0:0_10:0)')
  .transform((v, ctx): TimeRange => {
    try {
      return parseTimerange(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  })
  .meta({ type: 'string', example: '[0:0_10:0)' });

/** `tag.{name}` and `tag_exists.{name}` (the route mechanism collects the family). */
export const TagQuery = {
  'tag.{name}': QueryValueList.optional().meta({
    description: 'Only resources whose tag {name} has one of these comma-separated values (or, for a list tag, contains one). {name} and values URL-encoded.',
  }),
  'tag_exists.{name}': QueryBoolean.optional().meta({ description: 'true: only resources with the tag {name}; false: only those without it.' }),
};

export interface TagQueryInput {
  'tag.{name}': [string, string[]][];
  'tag_exists.{name}': [string, boolean][];
}
