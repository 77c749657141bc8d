import { asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { identifierTypes } from './identifier-types.tables.js';
import { media } from './media.tables.js';

export type IdentifierTypeRow = typeof identifierTypes.$inferSelect;

export const listTypes = (db: Db): Promise<IdentifierTypeRow[]> => db.select().from(identifierTypes).orderBy(asc(identifierTypes.name));

export async function findType(db: Db, name: string, lock?: 'update'): Promise<IdentifierTypeRow | undefined> {
  const query = db.select().from(identifierTypes).where(eq(identifierTypes.name, name)).limit(1);
  return (await (lock ? query.for(lock) : query))[0];
}

/**
 * The named types, share-locked until the transaction ends: a pattern cannot change between
 * the moment a media write checks its values against it and the moment that write commits.
 */
export const lockTypes = (db: Db, names: string[]): Promise<Pick<IdentifierTypeRow, 'name' | 'pattern'>[]> =>
  names.length === 0
    ? Promise.resolve([])
    : db
        .select({ name: identifierTypes.name, pattern: identifierTypes.pattern })
        .from(identifierTypes)
        .where(inArray(identifierTypes.name, names))
        .for('key share');

export async function insertType(db: Db, values: { name: string; pattern: string; actor: string }): Promise<IdentifierTypeRow | undefined> {
  const rows = await db
    .insert(identifierTypes)
    .values({ name: values.name, pattern: values.pattern, createdBy: values.actor, updatedBy: values.actor })
    .onConflictDoNothing()
    .returning();
  return rows[0];
}

export async function updatePattern(db: Db, name: string, pattern: string, actor: string): Promise<IdentifierTypeRow> {
  const rows = await db
    .update(identifierTypes)
    .set({ pattern, updated: sql`now()`, updatedBy: actor })
    .where(eq(identifierTypes.name, name))
    .returning();
  return rows[0]!;
}

export async function deleteType(db: Db, name: string): Promise<void> {
  await db.delete(identifierTypes).where(eq(identifierTypes.name, name));
}

/** A pid of some record whose pid_type or identifiers use the type, if any. */
export async function mediaUsingType(db: Db, name: string): Promise<string | undefined> {
  const rows = await db
    .select({ pid: media.pid })
    .from(media)
    .where(sql`${media.pidType} = ${name} or ${media.identifiers} ? ${name}`)
    .limit(1);
  return rows[0]?.pid;
}

/** Values of this type in use, a batch at a time in record order: pids of that type, then identifier values. */
export async function valuesOfType(
  db: Db,
  name: string,
  source: 'pid' | 'identifier',
  afterId: number,
  limit: number,
): Promise<{ id: number; pid: string; value: string }[]> {
  const value = source === 'pid' ? media.pid : sql<string>`${media.identifiers} ->> ${name}`;
  const where = source === 'pid' ? eq(media.pidType, name) : sql`${media.identifiers} ? ${name}`;
  return db
    .select({ id: media.id, pid: media.pid, value })
    .from(media)
    .where(sql`${where} and ${gt(media.id, afterId)}`)
    .orderBy(asc(media.id))
    .limit(limit);
}
