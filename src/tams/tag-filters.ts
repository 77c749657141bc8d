import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { TagQueryInput } from './http/query.js';

/**
 * `tag.{name}=v1,v2`: the tag's value is one of the values, or (a list) contains one of them;
 * `tag_exists.{name}=true|false`. Both written as containment / key tests so the GIN index on
 * `tags` serves them.
 */
export function tagConditions(tags: AnyPgColumn, query: TagQueryInput): SQL[] {
  const conditions: SQL[] = [];
  for (const [name, values] of query['tag.{name}']) {
    const alternatives = values.flatMap((v) => [
      sql`${tags} @> jsonb_build_object(${name}::text, ${v}::text)`,
      sql`${tags} @> jsonb_build_object(${name}::text, jsonb_build_array(${v}::text))`,
    ]);
    conditions.push(sql`(${sql.join(alternatives, sql` or `)})`);
  }
  for (const [name, exists] of query['tag_exists.{name}']) {
    conditions.push(exists ? sql`${tags} ? ${name}::text` : sql`not (${tags} ? ${name}::text)`);
  }
  return conditions;
}
