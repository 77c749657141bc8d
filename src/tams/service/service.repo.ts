import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tamsService } from './service.tables.js';

export type ServiceRow = typeof tamsService.$inferSelect;

export const readServiceInfo = async (db: Db): Promise<ServiceRow | undefined> => (await db.select().from(tamsService).limit(1))[0];

/** Sets the given fields, keeping the others. */
export const writeServiceInfo = async (
  db: Db,
  values: { name?: string | undefined; description?: string | undefined },
  actor: string,
): Promise<ServiceRow> =>
  (
    await db
      .insert(tamsService)
      .values({ singleton: true, ...values, updatedBy: actor })
      .onConflictDoUpdate({ target: tamsService.singleton, set: { ...values, updated: sql`now()`, updatedBy: actor } })
      .returning()
  )[0]!;
