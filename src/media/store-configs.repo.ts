import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { media } from './media.tables.js';
import { s3Configs } from './s3-configs.tables.js';
import { storeConfigs } from './store-configs.tables.js';

export type StoreConfigRow = typeof storeConfigs.$inferSelect;
export type NewStoreConfig = Pick<StoreConfigRow, 'type' | 'bucket' | 'location' | 's3ConfigId' | 'createdBy'>;

/** A store config with the url of its S3 config ('' for other types), as the API shows it. */
export const storeView = {
  id: storeConfigs.id,
  type: storeConfigs.type,
  bucket: storeConfigs.bucket,
  s3Url: sql<string>`coalesce(${s3Configs.url}, '')`,
};
export type StoreViewRow = { id: number; type: StoreConfigRow['type']; bucket: string; s3Url: string };

const selectViews = (db: Db) =>
  db.select(storeView).from(storeConfigs).leftJoin(s3Configs, eq(s3Configs.id, storeConfigs.s3ConfigId));

export const listStoreConfigs = (db: Db): Promise<StoreViewRow[]> => selectViews(db).orderBy(asc(storeConfigs.id));

export async function findStoreConfig(db: Db, id: number, lock?: 'key share'): Promise<StoreViewRow | undefined> {
  const query = selectViews(db).where(eq(storeConfigs.id, id)).limit(1);
  return (await (lock ? query.for(lock, { of: storeConfigs }) : query))[0];
}

/** The store config and its S3 config row (with sealed keys), for opening the store. */
export async function findStoreWithS3(db: Db, id: number) {
  const rows = await db
    .select({ store: storeConfigs, s3: s3Configs })
    .from(storeConfigs)
    .leftJoin(s3Configs, eq(s3Configs.id, storeConfigs.s3ConfigId))
    .where(eq(storeConfigs.id, id))
    .limit(1);
  return rows[0];
}

/** Share-locked, so that the config cannot be deleted before the transaction that uses it commits. */
export async function findStoreByIdentity(db: Db, v: Pick<StoreConfigRow, 'type' | 'location' | 's3ConfigId'>): Promise<StoreConfigRow | undefined> {
  const rows = await db
    .select()
    .from(storeConfigs)
    .where(
      and(
        eq(storeConfigs.type, v.type),
        eq(storeConfigs.location, v.location),
        v.s3ConfigId === null ? isNull(storeConfigs.s3ConfigId) : eq(storeConfigs.s3ConfigId, v.s3ConfigId),
      ),
    )
    .limit(1)
    .for('key share');
  return rows[0];
}

/** Undefined when an equal store config exists (a concurrent get-or-create won). */
export async function insertStoreConfig(db: Db, values: NewStoreConfig): Promise<StoreConfigRow | undefined> {
  return (await db.insert(storeConfigs).values(values).onConflictDoNothing().returning())[0];
}

export async function lockStoreConfig(db: Db, id: number): Promise<StoreConfigRow | undefined> {
  return (await db.select().from(storeConfigs).where(eq(storeConfigs.id, id)).for('update'))[0];
}

export async function deleteStoreConfig(db: Db, id: number): Promise<void> {
  await db.delete(storeConfigs).where(eq(storeConfigs.id, id));
}

/** A pid stored in this store config, if any. */
export async function mediaUsingStore(db: Db, id: number): Promise<string | undefined> {
  return (await db.select({ pid: media.pid }).from(media).where(eq(media.storeConfigId, id)).limit(1))[0]?.pid;
}
