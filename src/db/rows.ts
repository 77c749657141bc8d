import { type SQL, sql } from 'drizzle-orm';
/** The rows of a raw `db.execute(sql...)` result, whichever driver (node-postgres, PGlite) ran it. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/**
 * `= any(array(...))` of the given values, sent as one JSON parameter: drizzle would expand a
 * JavaScript array into one parameter per element. Not `in (select ...)`: planned as a semi-join
 * on an estimate of 100 rows, that becomes a hash join over the whole table (a sequential scan of
 * media for every segment registration); an array is looked up in the index. `type`: the
 * elements' SQL type.
 */
export const anyOf = (values: readonly (string | number)[], type: 'text' | 'uuid' | 'int8' = 'text'): SQL =>
  sql`= any(array(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb)::${sql.raw(type)}))`;
