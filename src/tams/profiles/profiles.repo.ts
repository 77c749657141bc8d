import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { dateOrder, type SortOrder } from '../http/paging.js';
import { tamsProfiles } from './profiles.tables.js';

export type ProfileRow = typeof tamsProfiles.$inferSelect;

/** Oldest first (the spec leaves the order of profiles open). */
export const profileOrder: SortOrder<ProfileRow> = dateOrder('created', tamsProfiles.created, tamsProfiles.id, (row) => [row.created, row.id], false);

export const findProfile = async (db: Db, id: string): Promise<ProfileRow | undefined> =>
  (await db.select().from(tamsProfiles).where(eq(tamsProfiles.id, id)).limit(1))[0];

/** Inserts unless the id exists; returns the new row or undefined. */
export const insertProfile = async (db: Db, values: typeof tamsProfiles.$inferInsert): Promise<ProfileRow | undefined> =>
  (await db.insert(tamsProfiles).values(values).onConflictDoNothing({ target: tamsProfiles.id }).returning())[0];

export interface ProfileFilters {
  format?: string | undefined;
  codec?: string | undefined;
  label?: string | undefined;
}

export const listProfiles = (db: Db, filters: ProfileFilters, after: SQL | undefined, orderBy: SQL[], limit: number): Promise<ProfileRow[]> =>
  db
    .select()
    .from(tamsProfiles)
    .where(
      and(
        filters.format === undefined ? undefined : sql`${tamsProfiles.flowMetadata} ->> 'format' = ${filters.format}`,
        filters.codec === undefined ? undefined : sql`${tamsProfiles.flowMetadata} ->> 'codec' = ${filters.codec}`,
        filters.label === undefined ? undefined : eq(tamsProfiles.label, filters.label),
        after,
      ),
    )
    .orderBy(...orderBy)
    .limit(limit);
