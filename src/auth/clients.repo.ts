import { asc, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiClients } from './auth.tables.js';

export type ClientRow = typeof apiClients.$inferSelect;

export const findClient = async (db: Db, clientId: string): Promise<ClientRow | undefined> =>
  (await db.select().from(apiClients).where(eq(apiClients.clientId, clientId)).limit(1))[0];

export const listClients = (db: Db, after: string | undefined, limit: number): Promise<ClientRow[]> =>
  db
    .select()
    .from(apiClients)
    .where(after === undefined ? undefined : gt(apiClients.clientId, after))
    .orderBy(asc(apiClients.clientId))
    .limit(limit);

export const insertClient = async (db: Db, values: typeof apiClients.$inferInsert): Promise<ClientRow | undefined> =>
  (await db.insert(apiClients).values(values).onConflictDoNothing({ target: apiClients.clientId }).returning())[0];

export const updateClient = async (
  db: Db,
  clientId: string,
  changes: Partial<Pick<ClientRow, 'secretHash' | 'scopes' | 'description' | 'disabled'>>,
): Promise<ClientRow | undefined> =>
  (await db.update(apiClients).set(changes).where(eq(apiClients.clientId, clientId)).returning())[0];

export const deleteClient = async (db: Db, clientId: string): Promise<ClientRow | undefined> =>
  (await db.delete(apiClients).where(eq(apiClients.clientId, clientId)).returning())[0];
