import { ValidationError } from './errors.js';

/**
 * Opaque keyset cursors over an increasing integer key (a primary key or history id). The
 * encoding only discourages clients from building cursors themselves; a forged one is just
 * another valid starting point.
 */
export const encodeCursor = (after: number): string => Buffer.from(`k${after}`).toString('base64url');

/** The key a cursor continues after; 422 naming `loc` for anything that is not one of ours. */
export function decodeCursor(cursor: string | undefined, loc: (string | number)[]): number {
  if (cursor === undefined || cursor === '') return 0;
  const m = /^k(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  const after = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(after)) throw new ValidationError([{ loc, msg: 'not a cursor this service issued', type: 'value_error' }]);
  return after;
}

/** Splits `limit + 1` rows into a page and the cursor of the next one (null on the last page). */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => number): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? encodeCursor(keyOf(items.at(-1)!)) : null };
}
