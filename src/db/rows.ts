import { type SQL, sql } from 'drizzle-orm';
/** The rows of a raw `db.execute(sql...)` result, whichever driver (node-postgres, PGlite) ran it. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/** `(select ...)` of the given strings, as one JSON parameter (drizzle would expand an array into a list of parameters). */
export const textList = (values: string[]): SQL => sql`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
