import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { media } from './media.tables.js';
import { s3Configs } from './s3-configs.tables.js';
import { storeView, type StoreViewRow } from './store-configs.repo.js';
import { storeConfigs } from './store-configs.tables.js';

export type MediaRow = typeof media.$inferSelect;
export type NewMediaRow = typeof media.$inferInsert;
/** A media row with the store config it points at, as the API shows it. */
export interface MediaWithStore {
  media: MediaRow;
  store: StoreViewRow;
}

/** Rows per INSERT statement, well under Postgres' 65,535 bind parameters. */
const CHUNK = 1000;

const selectWithStore = (db: Db) =>
  db
    .select({ media, store: storeView })
    .from(media)
    .innerJoin(storeConfigs, eq(storeConfigs.id, media.storeConfigId))
    .leftJoin(s3Configs, eq(s3Configs.id, storeConfigs.s3ConfigId));

/** `lock` takes the record's row lock (not the store config's) until the transaction ends. */
export async function findByPid(db: Db, pid: string, lock?: 'update'): Promise<MediaWithStore | undefined> {
  const query = selectWithStore(db).where(eq(media.pid, pid)).limit(1);
  return (await (lock ? query.for(lock, { of: media }) : query))[0];
}

export async function findById(db: Db, id: number, lock?: { skipLocked: boolean }): Promise<MediaWithStore | undefined> {
  const query = selectWithStore(db).where(eq(media.id, id)).limit(1);
  if (!lock) return (await query)[0];
  return (await (lock.skipLocked ? query.for('update', { of: media, skipLocked: true }) : query.for('update', { of: media })))[0];
}

export async function findByStoreKey(db: Db, storeConfigId: number, storeKey: string): Promise<MediaWithStore | undefined> {
  return (await selectWithStore(db).where(and(eq(media.storeConfigId, storeConfigId), eq(media.storeKey, storeKey))).limit(1))[0];
}

export const findByPids = (db: Db, pids: string[]): Promise<MediaWithStore[]> =>
  pids.length ? selectWithStore(db).where(inArray(media.pid, pids)) : Promise.resolve([]);

/** Records matching `where`, in pk order after `afterId`. */
export const pageWhere = (db: Db, where: SQL | undefined, afterId: number, limit: number): Promise<MediaWithStore[]> =>
  selectWithStore(db)
    .where(and(where, afterId ? sql`${media.id} > ${afterId}` : undefined))
    .orderBy(media.id)
    .limit(limit);

/** Inserts the rows that take neither a used pid nor a used store key; returns those inserted. */
export async function insertMedia(db: Db, rows: NewMediaRow[]): Promise<MediaRow[]> {
  const inserted: MediaRow[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    inserted.push(...(await db.insert(media).values(rows.slice(i, i + CHUNK)).onConflictDoNothing().returning()));
  }
  return inserted;
}

export async function existingPids(db: Db, pids: string[]): Promise<string[]> {
  if (pids.length === 0) return [];
  return (await db.select({ pid: media.pid }).from(media).where(inArray(media.pid, pids))).map((r) => r.pid);
}

export async function storeKeyTaken(db: Db, storeConfigId: number, storeKey: string): Promise<string | undefined> {
  const rows = await db
    .select({ pid: media.pid })
    .from(media)
    .where(and(eq(media.storeConfigId, storeConfigId), eq(media.storeKey, storeKey)))
    .limit(1);
  return rows[0]?.pid;
}

export async function updateMedia(db: Db, id: number, changes: Partial<NewMediaRow>): Promise<MediaRow> {
  return (await db.update(media).set(changes).where(eq(media.id, id)).returning())[0]!;
}

export async function deleteMedia(db: Db, id: number): Promise<void> {
  await db.delete(media).where(eq(media.id, id));
}

/** Records whose deletion waits for their bytes to go, requested before `before`. */
export async function deletionsDue(db: Db, before: Date, limit: number): Promise<number[]> {
  const rows = await db
    .select({ id: media.id })
    .from(media)
    .where(sql`${media.deleteRequested} < ${before.toISOString()}::timestamptz`)
    .orderBy(media.deleteRequested)
    .limit(limit);
  return rows.map((r) => r.id);
}
