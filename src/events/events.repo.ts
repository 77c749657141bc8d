import { and, asc, eq, gt, isNotNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { EventRecord } from './event-message.js';
import { eventOutbox } from './outbox.tables.js';

/** `media.created` exactly, or every type starting with `media.`. */
export type TypeFilter = { exact: string } | { prefix: string };

const columns = {
  id: eventOutbox.id,
  type: eventOutbox.type,
  subject: eventOutbox.subject,
  actor: eventOutbox.actor,
  payload: eventOutbox.payload,
  created: eventOutbox.created,
};

const typeMatches = (f: TypeFilter): SQL =>
  'exact' in f ? eq(eventOutbox.type, f.exact) : sql`starts_with(${eventOutbox.type}, ${f.prefix})`;

/** Sequenced events after `after`, in id order. */
export async function eventsAfter(
  db: Db,
  query: { after: number; limit: number; type?: TypeFilter | undefined; onlyTypes?: TypeFilter[] | undefined },
): Promise<EventRecord[]> {
  const rows = await db
    .select(columns)
    .from(eventOutbox)
    .where(
      and(
        gt(eventOutbox.id, query.after),
        query.type ? typeMatches(query.type) : undefined,
        query.onlyTypes ? or(...query.onlyTypes.map(typeMatches)) : undefined,
      ),
    )
    .orderBy(asc(eventOutbox.id))
    .limit(query.limit);
  return rows.map((r) => ({ ...r, id: r.id! }));
}

export async function eventById(db: Db, id: number): Promise<EventRecord | undefined> {
  const [row] = await db.select(columns).from(eventOutbox).where(eq(eventOutbox.id, id)).limit(1);
  return row && { ...row, id: row.id! };
}

/** Deletes up to `limit` sequenced events created before `before` and with ids up to `upTo`; returns how many. */
export async function deleteEvents(db: Db, query: { before: Date; upTo: number | undefined; limit: number }): Promise<number> {
  const doomed = db
    .select({ seq: eventOutbox.seq })
    .from(eventOutbox)
    .where(
      and(
        isNotNull(eventOutbox.id),
        lt(eventOutbox.created, query.before),
        query.upTo === undefined ? undefined : lte(eventOutbox.id, query.upTo),
      ),
    )
    .orderBy(asc(eventOutbox.id))
    .limit(query.limit);
  const deleted = (await db.execute(sql`
    with gone as (delete from ${eventOutbox} where seq in (${doomed}) returning 1)
    select count(*)::int as n from gone`)) as unknown as { rows: { n: number }[] };
  return deleted.rows[0]?.n ?? 0;
}
