import { asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { users } from './auth.tables.js';

export type UserRow = typeof users.$inferSelect;

/**
 * `findUser` as a prepared statement (parsed and planned once per connection): it runs on
 * every authenticated request, to check the account is still active.
 */
export const prepareFindUser = (db: Db) =>
  db.select().from(users).where(eq(users.username, sql.placeholder('username'))).limit(1).prepare('user_by_username');

export const findUser = async (db: Db, username: string): Promise<UserRow | undefined> =>
  (await db.select().from(users).where(eq(users.username, username)).limit(1))[0];

export const listUsers = (db: Db, after: string | undefined, limit: number): Promise<UserRow[]> =>
  db
    .select()
    .from(users)
    .where(after === undefined ? undefined : gt(users.username, after))
    .orderBy(asc(users.username))
    .limit(limit);

/** Inserts unless the username exists; returns the new row or undefined. */
export const insertUser = async (
  db: Db,
  values: { username: string; passwordHash: string; isAdmin: boolean },
): Promise<UserRow | undefined> =>
  (await db.insert(users).values(values).onConflictDoNothing({ target: users.username }).returning())[0];

export const updateUser = async (
  db: Db,
  username: string,
  changes: Partial<Pick<UserRow, 'passwordHash' | 'isAdmin' | 'disabled'>>,
): Promise<UserRow | undefined> =>
  (await db.update(users).set({ ...changes, updated: new Date() }).where(eq(users.username, username)).returning())[0];

export const deleteUser = async (db: Db, username: string): Promise<UserRow | undefined> =>
  (await db.delete(users).where(eq(users.username, username)).returning())[0];
