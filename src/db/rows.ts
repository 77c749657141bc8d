/** The rows of a raw `db.execute(sql...)` result, whichever driver (node-postgres, PGlite) ran it. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
