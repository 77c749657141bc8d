import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { anyOf, rowsOf } from '../db/rows.js';
import { media, type FixityStatus } from './media.tables.js';
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

/**
 * `pid` among `pids`, as one JSON parameter made an array once (an init plan): the planner then
 * expects a few rows and takes the pid btree (`media_pid_key`). A list of parameters (`pid in
 * ($1..$500)`, drizzle's `inArray`) gives it the real count, and from a few hundred pids sharing
 * a prefix it prefers the trigram GIN index (`media_pid_trgm_idx`, which also answers `=`):
 * 13 s instead of 3 ms for 500 pids among 110,000 records (docs/tams.md, "Deleting many objects").
 * Every lookup of a list of pids goes through here.
 */
const pidIn = (pids: string[]) => sql`${media.pid} ${anyOf(pids)}`;

const selectWithStore = (db: Db) =>
  db
    .select({ media, store: storeView })
    .from(media)
    .innerJoin(storeConfigs, eq(storeConfigs.id, media.storeConfigId))
    .leftJoin(s3Configs, eq(s3Configs.id, storeConfigs.s3ConfigId));

/**
 * The read behind GET /api/media/{pid}, the hottest query: prepared once (a named statement,
 * parsed and planned once per connection instead of on every request).
 */
export const prepareFindByPid = (db: Db) => selectWithStore(db).where(eq(media.pid, sql.placeholder('pid'))).limit(1).prepare('media_by_pid');

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
  pids.length ? selectWithStore(db).where(pidIn(pids)) : Promise.resolve([]);

/** Records matching `where`, in pk order after `afterId`. */
export const pageWhere = (db: Db, where: SQL | undefined, afterId: number, limit: number): Promise<MediaWithStore[]> =>
  selectWithStore(db)
    .where(and(where, afterId ? sql`${media.id} > ${afterId}` : undefined))
    .orderBy(media.id)
    .limit(limit);

/** What a create gives; every other column starts at its default (PENDING, no bytes). */
export type MediaInsert = Pick<MediaRow, 'pid' | 'pidType' | 'storeConfigId' | 'storeKey' | 'identifiers' | 'metadata' | 'tags' | 'createdBy'>;

/**
 * Inserts the rows that take neither a used pid nor a used store key; returns those inserted,
 * complete. All rows travel as one JSON parameter expanded by `jsonb_to_recordset`: ten
 * thousand records are one statement, without ten thousand bind parameters to build.
 */
export async function insertMedia(db: Db, rows: MediaInsert[]): Promise<MediaRow[]> {
  if (rows.length === 0) return [];
  const json = JSON.stringify(
    rows.map((r) => ({ pid: r.pid, pid_type: r.pidType, store_config_id: r.storeConfigId, store_key: r.storeKey, identifiers: r.identifiers, metadata: r.metadata, tags: r.tags, by: r.createdBy })),
  );
  const result = await db.execute(sql`
    insert into ${media} (pid, pid_type, store_config_id, store_key, identifiers, metadata, tags, created_by, updated_by)
    select x.pid, x.pid_type, x.store_config_id, x.store_key, x.identifiers, x.metadata, x.tags, x.by, x.by
    from jsonb_to_recordset(${json}::jsonb) as x(pid text, pid_type text, store_config_id bigint, store_key text, identifiers jsonb, metadata jsonb, tags text[], by text)
    on conflict do nothing
    returning id, pid, to_json(created) #>> '{}' as created`);
  const inserted = new Map(rowsOf<{ id: number | string; pid: string; created: string }>(result).map((r) => [r.pid, r]));
  return rows.flatMap((r) => {
    const done = inserted.get(r.pid);
    if (!done) return [];
    const created = new Date(done.created);
    return [
      {
        ...r,
        id: Number(done.id),
        storeStatus: 'PENDING' as const,
        size: null,
        sha256: null,
        md5: null,
        contentType: null,
        stored: null,
        created,
        updated: created,
        updatedBy: r.createdBy,
        deleteRequested: null,
        deleteRequestedBy: null,
        deleteReason: null,
        deleteAttempts: 0,
        deleteError: null,
        fixityChecked: null,
        fixityStatus: null,
      },
    ];
  });
}

export async function existingPids(db: Db, pids: string[]): Promise<string[]> {
  if (pids.length === 0) return [];
  return (await db.select({ pid: media.pid }).from(media).where(pidIn(pids))).map((r) => r.pid);
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

/** Notes a fixity check that changed nothing about the record (no history, `updated` kept). */
export async function setFixity(db: Db, id: number, status: FixityStatus): Promise<void> {
  await db.update(media).set({ fixityChecked: sql`now()`, fixityStatus: status }).where(eq(media.id, id));
}

export async function deleteMedia(db: Db, id: number): Promise<void> {
  await db.delete(media).where(eq(media.id, id));
}


/** The store configs of the records `pids`. */
export async function storeConfigsOf(db: Db, pids: string[]): Promise<number[]> {
  return (await db.selectDistinct({ id: media.storeConfigId }).from(media).where(pidIn(pids))).map((r) => r.id);
}

/** The records `pids`, row-locked (those another transaction holds are skipped). */
export const lockByPids = (db: Db, pids: string[]): Promise<MediaWithStore[]> =>
  selectWithStore(db).where(pidIn(pids)).orderBy(media.id).for('update', { of: media, skipLocked: true });

export async function deleteMediaIds(db: Db, ids: number[]): Promise<void> {
  if (ids.length) await db.delete(media).where(inArray(media.id, ids));
}

/**
 * Where a walk of the due deletions stands: the last record seen. `requested` is PostgreSQL's
 * own text of `delete_requested`, so the microseconds a JS Date would drop survive the trip
 * (records marked in one transaction share the time; `id` orders them).
 */
export interface DueCursor {
  requested: string;
  id: number;
}

/** A due deletion as the retry walk reads it: its cursor position and its store config. */
export interface DueDeletion extends DueCursor {
  storeConfigId: number;
}

/**
 * A page of the records whose deletion waits for their bytes to go, requested before `before`,
 * in (delete_requested, id) order after `after`: read from `media_deletions_due_idx`, and each
 * page starts where the last ended, so the records that keep failing are behind the walk. The
 * store config comes from the index too (an index-only scan), so the walk can pass over the
 * records of a store it has given up on without reading them.
 */
export async function deletionsDue(db: Db, before: Date, limit: number, after?: DueCursor): Promise<DueDeletion[]> {
  const rows = await db
    .select({ id: media.id, requested: sql<string>`${media.deleteRequested}::text`.as('requested'), storeConfigId: media.storeConfigId })
    .from(media)
    .where(
      and(
        sql`${media.deleteRequested} < ${before.toISOString()}::timestamptz`,
        after ? sql`(${media.deleteRequested}, ${media.id}) > (${after.requested}::timestamptz, ${after.id})` : undefined,
      ),
    )
    .orderBy(media.deleteRequested, media.id)
    .limit(limit);
  return rows;
}
