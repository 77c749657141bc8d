import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { configHistory, mediaHistory, type ConfigResource } from './history.tables.js';

export type MediaHistoryRow = typeof mediaHistory.$inferSelect;
export type NewMediaHistoryRow = typeof mediaHistory.$inferInsert;
export type ConfigHistoryRow = typeof configHistory.$inferSelect;
export type NewConfigHistoryRow = typeof configHistory.$inferInsert;

/** The INSERT of media history rows as one statement (all rows in one JSON array parameter, like `insertEventsSql`). */
export function insertMediaHistorySql(rows: NewMediaHistoryRow[]): SQL {
  const json = JSON.stringify(
    rows.map((r) => ({ media_id: r.mediaId, pid: r.pid, type: r.historyType, by: r.historyUser, reason: r.reason, snapshot: r.snapshot })),
  );
  return sql`insert into ${mediaHistory} (media_id, pid, history_type, history_user, reason, snapshot)
    select (h ->> 'media_id')::bigint, h ->> 'pid', h ->> 'type', h ->> 'by', h ->> 'reason', h -> 'snapshot'
    from jsonb_array_elements(${json}::jsonb) with ordinality as rows (h, n)
    order by n`;
}

export async function insertConfigHistory(db: Db, row: NewConfigHistoryRow): Promise<void> {
  await db.insert(configHistory).values(row);
}

/** Every record that was ever called `pid` (several, when a pid was deleted and reused). */
export async function mediaIdsForPid(db: Db, pid: string): Promise<number[]> {
  const rows = await db.selectDistinct({ mediaId: mediaHistory.mediaId }).from(mediaHistory).where(eq(mediaHistory.pid, pid));
  return rows.map((r) => r.mediaId);
}

/** Newest first, history ids below `before` (0 = from the newest). */
export const mediaHistoryPage = (db: Db, mediaIds: number[], before: number, limit: number): Promise<MediaHistoryRow[]> =>
  db
    .select()
    .from(mediaHistory)
    .where(and(inArray(mediaHistory.mediaId, mediaIds), before ? lt(mediaHistory.historyId, before) : undefined))
    .orderBy(desc(mediaHistory.historyId))
    .limit(limit);

/**
 * The last change at or before `asOf` of each of these records. Dates compare at millisecond
 * precision, the precision of the times the API prints, so that `as_of=<a record's updated>`
 * finds that very version.
 */
export const mediaHistoryAsOf = (db: Db, mediaIds: number[], asOf: Date): Promise<MediaHistoryRow[]> =>
  db
    .selectDistinctOn([mediaHistory.mediaId])
    .from(mediaHistory)
    .where(and(inArray(mediaHistory.mediaId, mediaIds), sql`date_trunc('milliseconds', ${mediaHistory.historyDate}) <= ${asOf.toISOString()}::timestamptz`))
    .orderBy(mediaHistory.mediaId, desc(mediaHistory.historyId));

export const configHistoryPage = (db: Db, resource: ConfigResource, resourceId: string, before: number, limit: number): Promise<ConfigHistoryRow[]> =>
  db
    .select()
    .from(configHistory)
    .where(
      and(
        eq(configHistory.resource, resource),
        eq(configHistory.resourceId, resourceId),
        before ? lt(configHistory.historyId, before) : undefined,
      ),
    )
    .orderBy(desc(configHistory.historyId))
    .limit(limit);
