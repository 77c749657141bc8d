import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { anyOf, rowsOf } from '../../db/rows.js';
import { media } from '../../media/media.tables.js';
import { tamsObjects, type UncontrolledUrl } from '../segments/segments.tables.js';
import { TAMS_OBJECT_PID_TYPE } from '../storage/backends.js';
import { tamsObjectInstances } from './instances.tables.js';

const i = tamsObjectInstances;
const o = tamsObjects;
const m = media;

export type InstanceRow = typeof i.$inferSelect;

/** A registered object with its media record, locked for the change of its instances. */
export interface LockedObject {
  id: string;
  uncontrolled: UncontrolledUrl[];
  mediaId: number;
  storeConfigId: number;
  storeKey: string;
  storeStatus: 'PENDING' | 'READY';
  size: number | null;
  sha256: string | null;
  md5: string | null;
  contentType: string | null;
  deleting: boolean;
  /** Ready controlled copies besides the media record's location. */
  copies: InstanceRow[];
}

/** The object (undefined unless registered by a segment) with its record and copies; `lock` takes the object row lock. */
export async function findObject(db: Db, id: string, lock: boolean): Promise<LockedObject | undefined> {
  const query = db.select({ object: o, record: m }).from(o).innerJoin(m, eq(m.pid, o.id)).where(eq(o.id, id));
  const rows = await (lock ? query.for('update', { of: o }) : query);
  const row = rows[0];
  if (!row) return undefined;
  const copies = await db
    .select()
    .from(i)
    .where(and(eq(i.objectId, id), eq(i.ready, true)))
    .orderBy(asc(i.id));
  const r = row.record;
  return {
    id: row.object.id,
    uncontrolled: row.object.uncontrolledUrls,
    mediaId: r.id,
    storeConfigId: r.storeConfigId,
    storeKey: r.storeKey,
    storeStatus: r.storeStatus,
    size: r.size,
    sha256: r.sha256,
    md5: r.md5,
    contentType: r.contentType ?? ((r.metadata.tams as { content_type?: string } | undefined)?.content_type ?? null),
    deleting: r.deleteRequested !== null,
    copies,
  };
}

/** Reserves the backend for a copy (not advertised until `markReady`); undefined when the object already has an instance row there. */
export async function reserveCopy(db: Db, values: { objectId: string; storeConfigId: number; storeKey: string; createdBy: string }): Promise<InstanceRow | undefined> {
  const rows = await db.insert(i).values(values).onConflictDoNothing().returning();
  return rows[0];
}

/** True when the reservation still belongs to a live object (it may have been released during the copy). */
export async function markReady(db: Db, id: number): Promise<boolean> {
  const rows = await db
    .update(i)
    .set({ ready: true })
    .where(and(eq(i.id, id), sql`${i.objectId} is not null`))
    .returning({ id: i.id });
  return rows.length === 1;
}

export async function deleteInstance(db: Db, id: number): Promise<void> {
  await db.delete(i).where(eq(i.id, id));
}

/** Detaches a copy from its object: its bytes are then deleted by `deleteBytes` or the housekeeping worker. */
export async function detach(db: Db, id: number): Promise<void> {
  await db.update(i).set({ objectId: null, ready: false }).where(eq(i.id, id));
}

/** Records bytes that no object uses any more (the media record's old location after a promotion), for deletion. */
export async function insertOrphan(db: Db, values: { storeConfigId: number; storeKey: string; createdBy: string }): Promise<InstanceRow> {
  return (await db.insert(i).values({ ...values, objectId: null }).returning())[0]!;
}

/** Moves the media record to another location (a copy becomes the record's own bytes). */
export async function moveRecord(db: Db, mediaId: number, to: { storeConfigId: number; storeKey: string }, actor: string): Promise<typeof m.$inferSelect> {
  return (
    await db
      .update(m)
      .set({ storeConfigId: to.storeConfigId, storeKey: to.storeKey, updated: sql`now()` as unknown as Date, updatedBy: actor })
      .where(eq(m.id, mediaId))
      .returning()
  )[0]!;
}

export async function setUncontrolled(db: Db, objectId: string, urls: UncontrolledUrl[]): Promise<void> {
  await db.update(o).set({ uncontrolledUrls: urls }).where(eq(o.id, objectId));
}

/**
 * Rows whose bytes are to be deleted: detached from their object (released, replaced) or a copy
 * that never finished within `staleMs` (its process died), locked so that two replicas never
 * work on the same row.
 */
export async function claimOrphans(db: Db, staleMs: number, limit: number): Promise<InstanceRow[]> {
  return db
    .select()
    .from(i)
    .where(or(isNull(i.objectId), and(eq(i.ready, false), lt(i.created, sql`now() - make_interval(secs => ${staleMs / 1000}::float8)`))))
    .orderBy(asc(i.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/**
 * Marks for deletion (as MediaDeletion's first step does) up to `limit` media records TAMS
 * allocated (`POST /flows/{id}/storage`) more than `olderThanSeconds` ago that no segment
 * registered, oldest first; returns their pids. The rows are locked first (skipping those another
 * replica or a registration holds) and checked again in a second statement, which sees a
 * registration that committed meanwhile; a marked record can no longer be registered.
 */
export async function markExpiredAllocations(db: Db, olderThanSeconds: number, limit: number, actor: string, reason: string): Promise<string[]> {
  const expired = sql`${m.pidType} = ${TAMS_OBJECT_PID_TYPE} and ${m.deleteRequested} is null
      and ${m.created} < now() - make_interval(secs => ${olderThanSeconds}::float8)
      and not exists (select 1 from ${o} where ${o.id} = ${m.pid})`;
  const locked = rowsOf<{ id: number }>(await db.execute(sql`select ${m.id} as id from ${m} where ${expired} order by ${m.id} limit ${limit} for update skip locked`));
  if (!locked.length) return [];
  const marked = await db.execute(sql`
    update ${m} set delete_requested = now(), delete_requested_by = ${actor}, delete_reason = ${reason}
    where ${m.id} ${anyOf(locked.map((r) => Number(r.id)), 'int8')} and ${expired}
    returning ${m.pid} as pid`);
  return rowsOf<{ pid: string }>(marked).map((r) => r.pid);
}

/**
 * Registered objects whose media record is still PENDING, after record id `afterId`, in id
 * order: bytes PUT straight to S3 through a presigned URL never pass through this service, so
 * housekeeping looks for them.
 */
export async function pendingRegistered(db: Db, afterId: number, limit: number): Promise<{ id: number; pid: string }[]> {
  return db
    .select({ id: m.id, pid: m.pid })
    .from(m)
    .innerJoin(o, eq(o.id, m.pid))
    .where(and(eq(m.storeStatus, 'PENDING'), gt(m.id, afterId), eq(m.pidType, TAMS_OBJECT_PID_TYPE), isNull(m.deleteRequested)))
    .orderBy(asc(m.id))
    .limit(limit);
}
