import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { executePrepared } from '../../db/prepared.js';
import { anyOf, rowsOf } from '../../db/rows.js';
import { TransactionOvertaken } from '../../db/transaction.js';
import { isUniqueViolation } from '../../http/errors.js';
import { media } from '../../media/media.tables.js';
import type { TamsEventFilter } from '../events.js';
import { insertEventsSql, type NewEvent } from '../../events/outbox.js';
import type { PendingRequest } from '../deletion/delete-guard.js';
import { tamsDeleteRequests, tamsReleasedObjects } from '../deletion/delete-requests.tables.js';
import { flowCollectedBy, outerFlowId, sourceCollectedBy } from '../flows/collections.sql.js';
import { tamsFlows } from '../flows/flows.tables.js';
import type { SortOrder } from '../http/paging.js';
import type { Int8Bounds } from '../timerange.js';
import { tamsObjectInstances } from '../objects/instances.tables.js';
import { TAMS_OBJECT_PID_TYPE } from '../storage/backends.js';
import type { ObjectCopy } from './get-urls.js';
import { tamsObjects, tamsSegments, type UncontrolledUrl } from './segments.tables.js';

/** `(select ...)` of the given strings, as one JSON parameter (drizzle would expand an array into a list of parameters). */

const s = tamsSegments;
const o = tamsObjects;
const m = media;

/**
 * The segment `alias` (a tams_segments row) is one of flow `flowId`'s and overlaps `b` (half-open,
 * null sides unbounded), as conditions the btree on (flow_id, lower(range)) serves as one range
 * scan. A flow's segments never overlap, so in order of start their ends are in order too: of
 * those starting at or before `b.lower`, only the last can reach past it, and the scan starts
 * there. `flowId` may be an outer query's column.
 */
export function overlapsSql(alias: string, flowId: SQL, b: Int8Bounds): SQL {
  const a = sql.raw(alias);
  const conditions = [sql`${a}.flow_id = ${flowId}`];
  if (b.upper !== null) conditions.push(sql`lower(${a}.range) < ${String(b.upper)}::int8`);
  if (b.lower !== null) {
    const lo = sql`${String(b.lower)}::int8`;
    const lastStartingBefore = sql`(select lower(p.range) from ${s} p where p.flow_id = ${flowId} and lower(p.range) <= ${lo} order by lower(p.range) desc limit 1)`;
    conditions.push(sql`lower(${a}.range) >= coalesce(${lastStartingBefore}, ${lo})`, sql`upper(${a}.range) > ${lo}`);
  }
  return sql.join(conditions, sql` and `);
}

// ---- flows ---------------------------------------------------------------------------------

export interface FlowForSegments {
  readOnly: boolean;
  container: string | null;
}

/** Locks the flow row (segment writers of one flow run one after the other); undefined when none. */
export async function lockFlowForSegments(db: Db, flowId: string): Promise<FlowForSegments | undefined> {
  const rows = await db
    .select({ readOnly: tamsFlows.readOnly, container: tamsFlows.container })
    .from(tamsFlows)
    .where(sql`${tamsFlows.id} = ${flowId}`)
    .for('update');
  return rows[0];
}

export async function touchSegmentsUpdated(db: Db, flowId: string): Promise<void> {
  await db.execute(sql`update ${tamsFlows} set segments_updated = now() where id = ${flowId}`);
}

/** What webhook filters match the flow's events on (as `flowEvent` builds it), in one query. */
export async function eventFilterOf(db: Db, flowId: string): Promise<TamsEventFilter & { flow_id: string }> {
  const [row] = await db
    .select({
      sourceId: tamsFlows.sourceId,
      tags: tamsFlows.tags,
      flowCollectedBy: flowCollectedBy(outerFlowId),
      sourceCollectedBy: sourceCollectedBy(sql.raw('"tams_flows"."source_id"')),
    })
    .from(tamsFlows)
    .where(sql`${tamsFlows.id} = ${flowId}`);
  return { flow_id: flowId, source_id: row!.sourceId, tags: row!.tags, flow_collected_by: row!.flowCollectedBy ?? [], source_collected_by: row!.sourceCollectedBy ?? [] };
}

// ---- registration --------------------------------------------------------------------------

/** A flow locked for registration: what the checks and the event need of it. */
export interface LockedFlow {
  readOnly: boolean;
  container: string | null;
  filter: TamsEventFilter & { flow_id: string };
}

export interface ObjectState {
  pid: string;
  pidType: string;
  deleteRequested: boolean;
  allocatedFor: string | null;
  /** The record's content type (as uploaded, else as allocated); null when unknown. */
  contentType: string | null;
  /** Null until a segment registered the object. */
  registered: { timerange: string; keyFrameCount: number | null; uncontrolled: UncontrolledUrl[]; init: boolean } | null;
}

/** A probe for an existing segment of `flowId` overlapping [lo, hi), named by `key`. */
export interface OverlapProbe {
  key: number;
  flowId: string;
  lo: bigint;
  hi: bigint;
}

export interface RegistrationState {
  /** The flows locked, by id. */
  flows: Map<string, LockedFlow>;
  /** With `skipLocked`: the flows that exist (locked here or by another transaction). */
  existing: Set<string>;
  /** Pending delete requests of each flow, oldest first. */
  pending: Map<string, PendingRequest[]>;
  /** By probe key: the timerange of an existing segment that the probe overlaps. */
  overlaps: Map<number, string>;
  /** The objects named, by id (absent: no media record). */
  objects: Map<string, ObjectState>;
}

const jsonText = (values: unknown): SQL => sql`${JSON.stringify(values)}::jsonb`;

/**
 * Everything a registration reads, in two statements (the flow locks, then one for the rest; the
 * select list is evaluated in order, so the locks are taken in this order): the flows for update (segment
 * writers of one flow run one after the other; delete requests are created under that lock),
 * with their event filter; their pending delete requests; the overlap probes; the registered
 * objects for update, then the media records for share, so a concurrent deletion of an
 * unreferenced object and a registration using it run one after the other, and the later one
 * sees what the earlier did (a release that committed while this statement waited shows as an
 * object row read without the lock but not with it; one committed before, as a queued release).
 * `skipLocked`: flows another transaction holds are left out (and
 * reported in `existing`) rather than waited for.
 */
export async function lockForRegistration(
  db: Db,
  input: { flowIds: string[]; probes: OverlapProbe[]; objectIds: string[]; skipLocked: boolean },
): Promise<RegistrationState> {
  const flowIds = anyOf(input.flowIds, 'uuid');
  const objectIds = anyOf(input.objectIds);
  const probes = input.probes.map((p) => ({ k: p.key, f: p.flowId, lo: String(p.lo), hi: String(p.hi) }));
  // Prepared: run for every registration, these cost more to plan than to execute. One name per text.
  const suffix = input.skipLocked ? '_skip_locked' : '';
  // The flow locks come first, in a statement of their own: a statement sees the database as it
  // was when it began, so overlap probes in the statement that waited for a flow's lock would
  // miss the segments the transaction holding it had just committed.
  const lockedIds = rowsOf<{ id: string }>(
    await executePrepared(db, `tams_registration_lock${suffix}`, sql`select id from ${tamsFlows} where id ${flowIds} order by id for update${input.skipLocked ? sql` skip locked` : sql``}`),
  ).map((r) => r.id);
  const result = await executePrepared(db, `tams_registration_read${suffix}`, sql`
    select
      (select json_agg(json_build_object('id', f.id, 'read_only', f.read_only, 'container', f.container, 'source_id', f.source_id, 'tags', f.tags,
          'flow_collected_by', ${flowCollectedBy(sql.raw('f.id'))}, 'source_collected_by', ${sourceCollectedBy(sql.raw('f.source_id'))}))
        from (select id, read_only, container, source_id, tags from ${tamsFlows}
          where id ${anyOf(lockedIds, 'uuid')}) f) as flows,
      ${input.skipLocked ? sql`(select json_agg(id) from ${tamsFlows} where id ${flowIds})` : sql`null::json`} as existing,
      (select json_agg(json_build_object('flow_id', d.flow_id, 'id', d.id, 'delete_flow', d.delete_flow, 'remaining', d.timerange_remaining) order by d.created)
        from ${tamsDeleteRequests} d where d.flow_id ${flowIds} and d.status in ('created', 'started')) as pending,
      (select json_agg(json_build_object('k', x.k, 'timerange', e.timerange))
        from jsonb_to_recordset(${jsonText(probes)}) as x(k int, f uuid, lo text, hi text)
        cross join lateral (
          select ${s.timerange} as timerange, upper(${s.range}) as hi from ${s} where ${s.flowId} = x.f and lower(${s.range}) < x.hi::int8
          order by lower(${s.range}) desc limit 1
        ) e where e.hi > x.lo::int8) as overlaps,
      (select json_agg(t) from (
        select id, timerange, key_frame_count, uncontrolled_urls, init from ${o} where id ${objectIds} order by id for update) t) as objects,
      (select json_agg(id) from ${o} where id ${objectIds}) as objects_seen,
      (select json_agg(pid) from ${tamsReleasedObjects} where pid ${objectIds}) as released,
      (select json_agg(t) from (
        select pid, pid_type, delete_requested is not null as delete_requested, metadata #>> '{tams,allocated_for_flow}' as allocated_for,
          coalesce(content_type, metadata #>> '{tams,content_type}') as content_type
        from ${m} where pid ${objectIds} order by pid for share) t) as records`);
  const [row] = rowsOf<{
    flows: { id: string; read_only: boolean; container: string | null; source_id: string; tags: Record<string, string | string[]>; flow_collected_by: string[] | null; source_collected_by: string[] | null }[] | null;
    existing: string[] | null;
    pending: { flow_id: string; id: string; delete_flow: boolean; remaining: string }[] | null;
    overlaps: { k: number; timerange: string }[] | null;
    objects: { id: string; timerange: string; key_frame_count: number | null; uncontrolled_urls: UncontrolledUrl[]; init: boolean }[] | null;
    objects_seen: string[] | null;
    released: string[] | null;
    records: { pid: string; pid_type: string; delete_requested: boolean; allocated_for: string | null; content_type: string | null }[] | null;
  }>(result);
  const flows = new Map(
    (row!.flows ?? []).map((f) => [
      f.id,
      {
        readOnly: f.read_only,
        container: f.container,
        filter: { flow_id: f.id, source_id: f.source_id, tags: f.tags, flow_collected_by: f.flow_collected_by ?? [], source_collected_by: f.source_collected_by ?? [] },
      },
    ]),
  );
  const pending = new Map<string, PendingRequest[]>();
  for (const d of row!.pending ?? []) pending.set(d.flow_id, [...(pending.get(d.flow_id) ?? []), { id: d.id, deleteFlow: d.delete_flow, timerangeRemaining: d.remaining }]);
  const registered = new Map((row!.objects ?? []).map((r) => [r.id, r]));
  // Released objects whose records TAMS deletes once the release commits: queued ones, and those
  // whose object row was there when the statement began but gone once its lock was granted (a
  // release committed while this waited; its queue row is too new for this statement to see).
  const seen = new Set(row!.objects_seen ?? []);
  const released = new Set(row!.released ?? []);
  const isReleased = (pid: string, pidType: string) => pidType === TAMS_OBJECT_PID_TYPE && (released.has(pid) || (seen.has(pid) && !registered.has(pid)));
  const objects = new Map(
    (row!.records ?? []).map((r) => {
      const reg = registered.get(r.pid);
      const state: ObjectState = {
        pid: r.pid,
        pidType: r.pid_type,
        deleteRequested: r.delete_requested || isReleased(r.pid, r.pid_type),
        allocatedFor: r.allocated_for,
        contentType: r.content_type,
        registered: reg ? { timerange: reg.timerange, keyFrameCount: reg.key_frame_count, uncontrolled: reg.uncontrolled_urls, init: reg.init } : null,
      };
      return [r.pid, state];
    }),
  );
  return {
    flows,
    existing: new Set(input.skipLocked ? (row!.existing ?? []) : flows.keys()),
    pending,
    overlaps: new Map((row!.overlaps ?? []).map((r) => [Number(r.k), r.timerange])),
    objects,
  };
}

export interface NewObject {
  id: string;
  firstFlowId: string;
  timerange: string;
  keyFrameCount: number | null;
  uncontrolled: UncontrolledUrl[];
  init: boolean;
}

export interface NewSegment {
  flowId: string;
  lo: bigint;
  hi: bigint;
  timerange: string;
  objectId: string;
  initObjectId: string | undefined;
  tsOffset: bigint | undefined;
  lastDuration: bigint | undefined;
  sampleOffset: number | undefined;
  sampleCount: number | undefined;
}

export interface RegistrationWrites {
  objects: NewObject[];
  /** Registered objects given new uncontrolled URLs: the full new list. */
  urls: { id: string; urls: UncontrolledUrl[] }[];
  segments: NewSegment[];
  /** Flows whose `segments_updated` is now. */
  flowIds: string[];
  events: NewEvent[];
}

/**
 * Everything a registration writes, in one statement: each kind of row travels as one JSON
 * parameter (no per-row bind parameters, no per-row round trips). The segments' foreign key
 * to the objects inserted beside them holds: constraint checks run at the end of the statement.
 */
export async function writeRegistration(db: Db, w: RegistrationWrites): Promise<void> {
  const str = (v: bigint | undefined) => (v === undefined ? null : String(v));
  const objects = w.objects.map((r) => ({ id: r.id, f: r.firstFlowId, tr: r.timerange, kfc: r.keyFrameCount, urls: r.uncontrolled, init: r.init }));
  const segments = w.segments.map((r) => ({
    f: r.flowId, lo: String(r.lo), hi: String(r.hi), tr: r.timerange, obj: r.objectId, init: r.initObjectId ?? null, tso: str(r.tsOffset), ld: str(r.lastDuration), so: r.sampleOffset ?? null, sc: r.sampleCount ?? null,
  }));
  const statement = sql`
    with new_objects as (
      insert into ${o} (id, first_flow_id, timerange, key_frame_count, uncontrolled_urls, init)
      select x.id, x.f, x.tr, x.kfc, x.urls, x.init from jsonb_to_recordset(${jsonText(objects)}) as x(id text, f uuid, tr text, kfc int, urls jsonb, init boolean)
    ), new_urls as (
      update ${o} set uncontrolled_urls = x.urls from jsonb_to_recordset(${jsonText(w.urls)}) as x(id text, urls jsonb) where ${o.id} = x.id
    ), new_segments as (
      insert into ${s} (flow_id, range, timerange, object_id, init_object_id, ts_offset, last_duration, sample_offset, sample_count)
      select x.f, int8range(x.lo::int8, x.hi::int8, '[)'), x.tr, x.obj, x.init, x.tso::int8, x.ld::int8, x.so, x.sc
      from jsonb_to_recordset(${jsonText(segments)}) as x(f uuid, lo text, hi text, tr text, obj text, init text, tso text, ld text, so int8, sc int8)
    ), touched as (
      update ${tamsFlows} set segments_updated = now() where id ${anyOf(w.flowIds, 'uuid')}
    )
    ${insertEventsSql(w.events)}`;
  try {
    await executePrepared(db, 'tams_registration_write', statement);
  } catch (err) {
    // A registration of the same new object by another transaction committed after this one
    // read it as unregistered (the insert waited for that commit): read again, and reuse it.
    if (isUniqueViolation(err, 'tams_objects_pkey')) throw new TransactionOvertaken('an object registered meanwhile by another transaction', { cause: err });
    throw err;
  }
}

// ---- reads ---------------------------------------------------------------------------------

export interface SegmentRow {
  lo: string;
  timerange: string;
  object_id: string;
  init_object_id: string | null;
  ts_offset: string | null;
  last_duration: string | null;
  sample_offset: string | number | null;
  sample_count: string | number | null;
  object_timerange: string;
  key_frame_count: number | null;
  uncontrolled_urls: UncontrolledUrl[];
  store_config_id: string | number;
  store_key: string;
  content_type: string | null;
  copies: ObjectCopy[];
}

/** Time order (segments never overlap, so their start orders them), keyed by the start in ns. */
export const segmentOrder: SortOrder<SegmentRow> = {
  name: 'time',
  parts: [{ sql: sql`lower(${s.range})`, cast: 'int8' }],
  descending: false,
  keyOf: (row) => [row.lo],
};

/** The object's ready controlled copies (`ObjectCopy[]`, oldest first), for get_urls. */
const copiesColumn = sql`coalesce((select jsonb_agg(jsonb_build_object('store_config_id', ci.store_config_id, 'store_key', ci.store_key) order by ci.id)
  from ${tamsObjectInstances} ci where ci.object_id = ${o.id} and ci.ready), '[]'::jsonb) as copies`;

const segmentColumns = sql`
  lower(${s.range})::text as lo, ${s.timerange} as timerange, ${s.objectId} as object_id, ${s.initObjectId} as init_object_id,
  ${s.tsOffset}::text as ts_offset, ${s.lastDuration}::text as last_duration, ${s.sampleOffset} as sample_offset, ${s.sampleCount} as sample_count,
  ${o.timerange} as object_timerange, ${o.keyFrameCount} as key_frame_count, ${o.uncontrolledUrls} as uncontrolled_urls,
  ${m.storeConfigId} as store_config_id, ${m.storeKey} as store_key, coalesce(${m.contentType}, ${m.metadata} #>> '{tams,content_type}') as content_type, ${copiesColumn}`;

export async function selectSegments(db: Db, where: SQL[], orderBy: SQL[], limit: number): Promise<SegmentRow[]> {
  const result = await db.execute(sql`
    select ${segmentColumns}
    from ${s} join ${o} on ${o.id} = ${s.objectId} join ${m} on ${m.pid} = ${s.objectId}
    where ${sql.join(where, sql` and `)}
    order by ${sql.join(orderBy, sql`, `)}
    limit ${limit}`);
  return rowsOf<SegmentRow>(result);
}

/** The first or last segment of the flow overlapping `within` (null bounds: all), by start. */
export async function edgeSegment(db: Db, flowId: string, within: Int8Bounds, last: boolean): Promise<string | undefined> {
  const result = await db.execute(sql`
    select ${s.timerange} as timerange from ${s}
    where ${overlapsSql('tams_segments', sql`${flowId}::uuid`, within)}
    order by lower(${s.range}) ${last ? sql`desc` : sql`asc`} limit 1`);
  return rowsOf<{ timerange: string }>(result)[0]?.timerange;
}

/** Where an object's bytes are, and its object properties. */
export type ObjectLocationRow = Omit<SegmentRow, 'lo' | 'timerange' | 'object_id' | 'init_object_id' | 'ts_offset' | 'last_duration' | 'sample_offset' | 'sample_count'>;

/** Objects with their location, for shaping events and init objects. */
export async function objectLocations(db: Db, ids: string[]): Promise<Map<string, ObjectLocationRow>> {
  if (!ids.length) return new Map();
  const result = await db.execute(sql`
    select ${o.id} as id, ${o.timerange} as object_timerange, ${o.keyFrameCount} as key_frame_count, ${o.uncontrolledUrls} as uncontrolled_urls,
      ${m.storeConfigId} as store_config_id, ${m.storeKey} as store_key, coalesce(${m.contentType}, ${m.metadata} #>> '{tams,content_type}') as content_type, ${copiesColumn}
    from ${o} join ${m} on ${m.pid} = ${o.id} where ${o.id} ${anyOf(ids)}`);
  return new Map(rowsOf<SegmentRow & { id: string }>(result).map(({ id, ...rest }) => [id, rest]));
}

// ---- deletion ------------------------------------------------------------------------------

/** Up to `limit` flows whose segments use the object, when it is a registered TAMS object. */
export async function flowsUsingObject(db: Db, objectId: string, limit: number): Promise<string[]> {
  const result = await db.execute(sql`select distinct flow_id from (
    (select ${s.flowId} as flow_id from ${s} where ${s.objectId} = ${objectId} limit ${limit})
    union all (select ${s.flowId} from ${s} where ${s.initObjectId} = ${objectId} limit ${limit})) u limit ${limit}`);
  return rowsOf<{ flow_id: string }>(result).map((r) => r.flow_id);
}

// ---- objects -------------------------------------------------------------------------------

export interface ObjectRow {
  id: string;
  first_flow_id: string;
  timerange: string;
  init: boolean;
  key_frame_count: number | null;
  uncontrolled_urls: UncontrolledUrl[];
  store_config_id: string | number;
  store_key: string;
  content_type: string | null;
  copies: ObjectCopy[];
}

export async function findObject(db: Db, id: string): Promise<ObjectRow | undefined> {
  const result = await db.execute(sql`
    select ${o.id} as id, ${o.firstFlowId} as first_flow_id, ${o.timerange} as timerange, ${o.init} as init, ${o.keyFrameCount} as key_frame_count,
      ${o.uncontrolledUrls} as uncontrolled_urls, ${m.storeConfigId} as store_config_id, ${m.storeKey} as store_key,
      coalesce(${m.contentType}, ${m.metadata} #>> '{tams,content_type}') as content_type, ${copiesColumn}
    from ${o} join ${m} on ${m.pid} = ${o.id} where ${o.id} = ${id}`);
  return rowsOf<ObjectRow>(result)[0];
}

/** Flows whose segments reference the object, by id, after the cursor, matching `where`. */
export async function referencingFlows(db: Db, objectId: string, where: (SQL | undefined)[], orderBy: SQL[], limit: number): Promise<{ flow_id: string }[]> {
  const result = await db.execute(sql`
    select ${tamsFlows.id} as flow_id from ${tamsFlows}
    where (exists (select 1 from ${s} where ${s.objectId} = ${objectId} and ${s.flowId} = ${tamsFlows.id})
      or exists (select 1 from ${s} where ${s.initObjectId} = ${objectId} and ${s.flowId} = ${tamsFlows.id}))
    ${sql.join(
      where.filter((w): w is SQL => w !== undefined).map((w) => sql`and ${w}`),
      sql` `,
    )}
    order by ${sql.join(orderBy, sql`, `)} limit ${limit}`);
  return rowsOf<{ flow_id: string }>(result);
}
