import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { s3Configs } from './s3-configs.tables.js';
import { storeConfigs } from './store-configs.tables.js';

export type S3ConfigRow = typeof s3Configs.$inferSelect;
type Sealed = Pick<S3ConfigRow, 'url' | 'accessKeySealed' | 'secretKeySealed'>;

export const listS3Configs = (db: Db): Promise<S3ConfigRow[]> => db.select().from(s3Configs).orderBy(asc(s3Configs.id));

export async function findS3Config(db: Db, id: number, lock?: 'update'): Promise<S3ConfigRow | undefined> {
  const query = db.select().from(s3Configs).where(eq(s3Configs.id, id)).limit(1);
  return (await (lock ? query.for(lock) : query))[0];
}

export async function findS3ConfigByUrl(db: Db, url: string): Promise<S3ConfigRow | undefined> {
  return (await db.select().from(s3Configs).where(eq(s3Configs.url, url)).limit(1))[0];
}

/** Undefined when the url is taken. */
export async function insertS3Config(db: Db, values: Sealed & { actor: string }): Promise<S3ConfigRow | undefined> {
  const { actor, ...sealed } = values;
  const rows = await db
    .insert(s3Configs)
    .values({ ...sealed, createdBy: actor, updatedBy: actor })
    .onConflictDoNothing()
    .returning();
  return rows[0];
}

export async function updateS3Config(db: Db, id: number, values: Sealed & { actor: string }): Promise<S3ConfigRow> {
  const { actor, ...sealed } = values;
  const rows = await db
    .update(s3Configs)
    .set({ ...sealed, updated: sql`now()`, updatedBy: actor })
    .where(eq(s3Configs.id, id))
    .returning();
  return rows[0]!;
}

export async function deleteS3Config(db: Db, id: number): Promise<void> {
  await db.delete(s3Configs).where(eq(s3Configs.id, id));
}

/** A store config using this S3 config, if any. */
export async function storeUsingS3Config(db: Db, id: number): Promise<number | undefined> {
  const rows = await db.select({ id: storeConfigs.id }).from(storeConfigs).where(eq(storeConfigs.s3ConfigId, id)).limit(1);
  return rows[0]?.id;
}
