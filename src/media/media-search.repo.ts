import { and, arrayContains, arrayOverlaps, eq, not, sql, type SQL } from 'drizzle-orm';
import { hasWildcard, wildcardToLike } from './patterns.js';
import type { MediaSearch, MetadataCondition } from './media-search.schemas.js';
import { media } from './media.tables.js';

/**
 * The WHERE clause of a media search. Each condition is written so an index answers it:
 * GIN (array_ops) on tags for `&&` and `@>`; GIN (jsonb_ops) on identifiers for `@>` and `?`
 * and on metadata for key-exists; GIN (jsonb_path_ops) on metadata for equality (`@>`); a
 * text_pattern_ops btree on pid for prefixes and trigram GIN on pid and on
 * `media_identifiers_text(identifiers)` for other wildcards; btree on pid_type, store_status
 * and (store_config, store_key). Conditions that an index only narrows down (containment,
 * trigram matches) are rechecked exactly.
 */
export function searchConditions(q: MediaSearch): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (q.tags?.length) conditions.push(arrayOverlaps(media.tags, q.tags));
  if (q.tags_all?.length) conditions.push(arrayContains(media.tags, q.tags_all));
  if (q.pid) conditions.push(hasWildcard(q.pid) ? sql`${media.pid} like ${wildcardToLike(q.pid)}` : eq(media.pid, q.pid));
  if (q.pid_type) conditions.push(eq(media.pidType, q.pid_type));
  if (q.store_status) conditions.push(eq(media.storeStatus, q.store_status));
  if (q.store_config) conditions.push(eq(media.storeConfigId, q.store_config));
  for (const [type, value] of Object.entries(q.identifiers ?? {})) conditions.push(identifierCondition(type, value));
  for (const condition of q.metadata ?? []) conditions.push(metadataCondition(condition));
  return and(...conditions);
}

/** Separates entries in `media_identifiers_text` (see the media_custom migration); no identifier contains it. */
const UNIT_SEPARATOR = '\u001f';

function identifierCondition(type: string, value: string): SQL {
  if (value === '*') return sql`${media.identifiers} ? ${type}`;
  if (!hasWildcard(value)) return sql`${media.identifiers} @> ${JSON.stringify({ [type]: value })}::jsonb`;
  const like = wildcardToLike(value);
  // The trigram index finds candidates in the text of all identifiers; the first test is exact.
  const entry = `%${UNIT_SEPARATOR}${wildcardToLike(type)}=${like}${UNIT_SEPARATOR}%`;
  return sql`(${media.identifiers} ->> ${type} like ${like} and media_identifiers_text(${media.identifiers}) like ${entry})`;
}

function metadataCondition(c: MetadataCondition): SQL {
  if (c.exists !== undefined) {
    // strict: a key path does not silently descend into arrays, as lax jsonpath would
    const path = `strict $${c.keys.map((k) => `.${JSON.stringify(k)}`).join('')}`;
    const exists = sql`${media.metadata} @? ${path}::jsonpath`;
    // The planner does not take the GIN index for `@?` alone; the top-level key (`?`) it does.
    if (c.exists) return sql`(${media.metadata} ? ${c.keys[0]} and ${exists})`;
    // A missing key is a structural error in strict mode, which makes `@?` null, not false.
    return not(sql`coalesce(${exists}, false)`);
  }
  const nested = c.keys.reduceRight<unknown>((value, key) => ({ [key]: value }), c.equals);
  // Containment uses the index; the path comparison makes it equality (containment would also
  // accept a larger object or array).
  return sql`(${media.metadata} @> ${JSON.stringify(nested)}::jsonb and ${media.metadata} #> ${pgTextArray(c.keys)} = ${JSON.stringify(c.equals)}::jsonb)`;
}

/** A text[] literal: each element double-quoted with `"` and `\` escaped. */
const pgTextArray = (items: string[]): SQL => sql`${`{${items.map((i) => `"${i.replace(/["\\]/g, (ch) => `\\${ch}`)}"`).join(',')}}`}::text[]`;
