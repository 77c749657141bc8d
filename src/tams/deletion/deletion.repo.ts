import { and, asc, eq, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { anyOf, rowsOf } from '../../db/rows.js';
import { media } from '../../media/media.tables.js';
import type { SortOrder } from '../http/paging.js';
import { tamsObjects, tamsSegments } from '../segments/segments.tables.js';
import { TAMS_OBJECT_PID_TYPE } from '../storage/backends.js';
import type { Int8Bounds } from '../timerange.js';
import { type DeleteRequestError, type DeleteRequestStatus, tamsDeleteRequests, tamsReleasedObjects } from './delete-requests.tables.js';


const s = tamsSegments;
const o = tamsObjects;
const r = tamsDeleteRequests;
const released = tamsReleasedObjects;
export type DeleteRequestRow = typeof r.$inferSelect;

const int8 = (v: bigint | null) => (v === null ? null : String(v));

/** What segments a deletion covers: of the flow, wholly inside `within`, optionally of one object. */
export interface SegmentScope {
  flowId: string;
  within: Int8Bounds;
  objectId?: string | undefined;
}

/** Conditions selecting the scope's segments; the bounds on lower(range) let the (flow_id, lower(range)) index serve them in time order. */
function scopeConditions(scope: SegmentScope): SQL {
  const { lower, upper } = scope.within;
  return sql.join(
    [
      sql`${s.flowId} = ${scope.flowId}`,
      sql`${s.range} <@ int8range(${int8(lower)}::int8, ${int8(upper)}::int8, '[)')`,
      lower === null ? undefined : sql`lower(${s.range}) >= ${int8(lower)}::int8`,
      upper === null ? undefined : sql`lower(${s.range}) < ${int8(upper)}::int8`,
      scope.objectId === undefined ? undefined : sql`${s.objectId} = ${scope.objectId}`,
    ].filter((c): c is SQL => c !== undefined),
    sql` and `,
  );
}

/** How many segments the scope holds, counting no further than `atMost` (so a huge flow costs no more than the limit). */
export async function countSegments(db: Db, scope: SegmentScope, atMost: number): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from (select 1 from ${s} where ${scopeConditions(scope)} limit ${atMost}) c`);
  return Number(rowsOf<{ n: number }>(result)[0]!.n);
}

export interface ErasedBatch {
  count: number;
  /** More segments of the scope remain after this batch. */
  more: boolean;
  /** The media and init objects the deleted segments referenced. */
  objectIds: string[];
  /** The registered timeranges of the first and last segments deleted (null when none). */
  first: string | null;
  last: string | null;
  /** Exclusive end (ns) of the last segment deleted. */
  lastUpper: bigint | null;
}

/** Deletes the scope's `limit` oldest segments. */
export async function deleteOldestSegments(db: Db, scope: SegmentScope, limit: number): Promise<ErasedBatch> {
  const result = await db.execute(sql`
    with candidates as (
      select ctid as row_id, lower(${s.range}) as lo from ${s} where ${scopeConditions(scope)} order by lower(${s.range}) limit ${limit + 1}
    ), d as (
      delete from ${s} where ctid = any(array(select row_id from candidates order by lo limit ${limit}))
      returning object_id, init_object_id, range, timerange
    )
    select (select count(*) from candidates)::int as found, (select count(*) from d)::int as count,
      coalesce((select array_agg(distinct id) from (select object_id as id from d union all select init_object_id from d where init_object_id is not null) u), '{}') as object_ids,
      (select timerange from d order by lower(range) asc limit 1) as first,
      (select timerange from d order by lower(range) desc limit 1) as last,
      (select max(upper(range))::text from d) as last_upper`);
  const row = rowsOf<{ found: number; count: number; object_ids: string[]; first: string | null; last: string | null; last_upper: string | null }>(result)[0]!;
  return {
    count: Number(row.count),
    more: Number(row.found) > limit,
    objectIds: row.object_ids,
    first: row.first,
    last: row.last,
    lastUpper: row.last_upper === null ? null : BigInt(row.last_upper),
  };
}

/**
 * Of `ids`, the objects no segment (of any flow) references any more, as its media object or as
 * its init object, lose their tams_objects
 * row, and their media records are queued in tams_released_objects for deletion; returns the
 * pids queued. The object rows are locked first: two flows releasing their last references to
 * a shared object at once run one after the other, so the second sees the first's deletion.
 */
export async function releaseObjects(db: Db, ids: string[], actor: string): Promise<string[]> {
  if (!ids.length) return [];
  const idList = anyOf(ids);
  await db.execute(sql`select id from ${o} where id ${idList} order by id for update`);
  const queued = await db.execute(sql`
    with freed as (
      delete from ${o} where id ${idList}
        and not exists (select 1 from ${s} where ${s.objectId} = ${o.id})
        and not exists (select 1 from ${s} where ${s.initObjectId} = ${o.id})
      returning id
    )
    insert into ${released} (pid, actor)
    select ${media.pid}, ${actor} from ${media} where ${media.pid} = any(array(select id from freed)) and ${media.pidType} = ${TAMS_OBJECT_PID_TYPE}
    on conflict do nothing
    returning pid`);
  return rowsOf<{ pid: string }>(queued).map((x) => x.pid);
}

/**
 * Takes back the queued releases of objects that are registered (segments use them): they must
 * not be deleted. Registration refuses queued objects, so only a queue row left from before that
 * rule can be found here. Returns their pids.
 */
export async function withdrawRegistered(db: Db, pids: string[]): Promise<string[]> {
  if (!pids.length) return [];
  const withdrawn = await db.execute(sql`delete from ${released} where pid ${anyOf(pids)}
    and exists (select 1 from ${o} where ${o.id} = ${released.pid}) returning pid`);
  return rowsOf<{ pid: string }>(withdrawn).map((r) => r.pid);
}

/** Queued releases whose record is now deleted or marked for the media deletion worker are done. */
export async function forgetReleased(db: Db, pids: string[]): Promise<void> {
  if (!pids.length) return;
  await db.execute(sql`delete from ${released} where pid ${anyOf(pids)}
    and not exists (select 1 from ${media} where ${media.pid} = ${released.pid} and ${media.deleteRequested} is null)`);
}

/** Releases queued longer than `olderThanMs` (their process died before deleting them), by actor. */
export async function leftoverReleases(db: Db, olderThanMs: number, limit: number): Promise<{ pid: string; actor: string }[]> {
  return db
    .select({ pid: released.pid, actor: released.actor })
    .from(released)
    .where(lt(released.released, sql`now() - make_interval(secs => ${olderThanMs / 1000}::float8)`))
    .orderBy(asc(released.released))
    .limit(limit);
}

// ---- delete requests ------------------------------------------------------------------------

const PENDING: DeleteRequestStatus[] = ['created', 'started'];

export async function insertRequest(db: Db, values: typeof r.$inferInsert): Promise<DeleteRequestRow> {
  return (await db.insert(r).values(values).returning())[0]!;
}

export async function findRequest(db: Db, id: string): Promise<DeleteRequestRow | undefined> {
  return (await db.select().from(r).where(eq(r.id, id)))[0];
}

/** The flow's requests still being worked on, oldest first. */
export const pendingRequests = (db: Db, flowId: string): Promise<DeleteRequestRow[]> =>
  db.select().from(r).where(and(eq(r.flowId, flowId), inArray(r.status, PENDING))).orderBy(asc(r.created));

/** Orders of GET /flow-delete-requests: `created` (newest first) or `expiry` (latest first; requests without one after the others), ties by id. */
export const requestOrders: Record<'created' | 'expiry', SortOrder<DeleteRequestRow>> = {
  created: {
    name: 'created',
    parts: [
      { sql: sql`${r.created}`, cast: 'timestamptz' },
      { sql: sql`${r.id}`, cast: 'uuid' },
    ],
    descending: true,
    keyOf: (row) => [row.created.toISOString(), row.id],
  },
  expiry: {
    name: 'expiry',
    parts: [
      // Descending: rows with an expiry (1) before those without (0).
      { sql: sql`(${r.expiry} is not null)::int`, cast: 'int4' },
      { sql: sql`coalesce(${r.expiry}, 'epoch'::timestamptz)`, cast: 'timestamptz' },
      { sql: sql`${r.id}`, cast: 'uuid' },
    ],
    descending: true,
    keyOf: (row) => [row.expiry ? 1 : 0, (row.expiry ?? new Date(0)).toISOString(), row.id],
  },
};

export const selectRequests = (db: Db, where: SQL | undefined, orderBy: SQL[], limit: number): Promise<DeleteRequestRow[]> =>
  db.select().from(r).where(where).orderBy(...orderBy).limit(limit);

/**
 * Leases the oldest pending request that nobody holds (or whose holder's lease lapsed: it died
 * or lost its database), skipping rows another worker is claiming right now.
 */
export async function claimRequest(db: Db, owner: string, leaseMs: number): Promise<DeleteRequestRow | undefined> {
  const next = db
    .select({ id: r.id })
    .from(r)
    .where(and(inArray(r.status, PENDING), or(isNull(r.leaseUntil), lt(r.leaseUntil, sql`now()`))))
    .orderBy(asc(r.created), asc(r.id))
    .limit(1)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(r)
    .set({ leaseOwner: owner, leaseUntil: sql`now() + make_interval(secs => ${leaseMs / 1000}::float8)` })
    .where(inArray(r.id, next))
    .returning();
  return rows[0];
}

/** Locks the request if `owner` still holds its lease (another worker may have taken it over). */
export async function lockOwnRequest(db: Db, id: string, owner: string): Promise<DeleteRequestRow | undefined> {
  return (await db.select().from(r).where(and(eq(r.id, id), eq(r.leaseOwner, owner))).for('update'))[0];
}

export async function updateRequest(db: Db, id: string, values: Partial<typeof r.$inferInsert> & { leaseMs?: number }): Promise<DeleteRequestRow> {
  const { leaseMs, ...rest } = values;
  const lease = leaseMs === undefined ? {} : { leaseUntil: sql`now() + make_interval(secs => ${leaseMs / 1000}::float8)` as unknown as Date };
  return (await db.update(r).set({ ...rest, ...lease, updated: sql`now()` as unknown as Date }).where(eq(r.id, id)).returning())[0]!;
}

/** Ends the request (`done` or `error`): kept until `expiry`, then purged. */
export async function finishRequest(db: Db, id: string, status: 'done' | 'error', keepSeconds: number, error: DeleteRequestError | null, remaining?: string): Promise<DeleteRequestRow> {
  return (
    await db
      .update(r)
      .set({
        status,
        error,
        ...(remaining === undefined ? {} : { timerangeRemaining: remaining }),
        updated: sql`now()` as unknown as Date,
        expiry: sql`now() + make_interval(secs => ${keepSeconds}::float8)` as unknown as Date,
        leaseOwner: null,
        leaseUntil: null,
      })
      .where(eq(r.id, id))
      .returning()
  )[0]!;
}

/** Lets another worker (or this one, later) take the request up. */
export async function releaseLease(db: Db, id: string, owner: string): Promise<void> {
  await db.update(r).set({ leaseOwner: null, leaseUntil: null }).where(and(eq(r.id, id), eq(r.leaseOwner, owner)));
}

/** Deletes finished requests past their expiry; returns how many. */
export async function purgeExpired(db: Db): Promise<number> {
  return (await db.delete(r).where(lt(r.expiry, sql`now()`)).returning({ id: r.id })).length;
}

