import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { insertEventsFrom } from '../events/outbox.js';
import { configHistory, mediaHistory, type ConfigResource } from './history.tables.js';

export type MediaHistoryRow = typeof mediaHistory.$inferSelect;
export type ConfigHistoryRow = typeof configHistory.$inferSelect;
export type NewConfigHistoryRow = typeof configHistory.$inferInsert;

/** A change of a media record, as its history row and its event record it. */
export interface MediaChangeRow {
  mediaId: number;
  pid: string;
  historyType: MediaHistoryRow['historyType'];
  /** The event type (`media.created`, ...). */
  event: string;
  snapshot: unknown;
  /** Fields that changed, added to the event payload. */
  changed?: string[];
}

/**
 * History rows and their events in one statement. The changes travel once, as one JSON array
 * parameter, and feed both inserts (the event payload is the snapshot, plus `changed`): a
 * bulk create of ten thousand records sends each snapshot once, not twice.
 */
export function insertMediaChangesSql(rows: MediaChangeRow[], actor: string, reason: string | null): SQL {
  const json = JSON.stringify(
    rows.map((r) => ({ media_id: r.mediaId, pid: r.pid, type: r.historyType, event: r.event, snapshot: r.snapshot, changed: r.changed })),
  );
  return sql`
    with changes as materialized (select c, n from jsonb_array_elements(${json}::jsonb) with ordinality as rows (c, n)),
    history as (
      insert into ${mediaHistory} (media_id, pid, history_type, history_user, reason, snapshot)
      select (c ->> 'media_id')::bigint, c ->> 'pid', c ->> 'type', ${actor}, ${reason}, c -> 'snapshot' from changes order by n
    )
    ${insertEventsFrom(sql`
      select c ->> 'event', c ->> 'pid', ${actor}::text,
             case when c ? 'changed' then (c -> 'snapshot') || jsonb_build_object('changed', c -> 'changed') else c -> 'snapshot' end
      from changes order by n`)}`;
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
