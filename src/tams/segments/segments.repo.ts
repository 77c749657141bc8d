import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rowsOf, textList } from '../../db/rows.js';
import { media } from '../../media/media.tables.js';
import type { TamsEventFilter } from '../events.js';
import { flowCollectedBy, outerFlowId, sourceCollectedBy } from '../flows/collections.sql.js';
import { tamsFlows } from '../flows/flows.tables.js';
import type { SortOrder } from '../http/paging.js';
import type { Int8Bounds } from '../timerange.js';
import { tamsObjectInstances } from '../objects/instances.tables.js';
import type { ObjectCopy } from './get-urls.js';
import { tamsObjects, tamsSegments, type UncontrolledUrl } from './segments.tables.js';

/** `(select ...)` of the given strings, as one JSON parameter (drizzle would expand an array into a list of parameters). */

const s = tamsSegments;
const o = tamsObjects;
const m = media;

/** `int8range(lower, upper, '[)')` of half-open bounds; null sides unbounded. */
export const rangeOf = (b: Int8Bounds): SQL =>
  sql`int8range(${b.lower === null ? null : String(b.lower)}::int8, ${b.upper === null ? null : String(b.upper)}::int8, '[)')`;

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

/** For each candidate (by index), the timerange of an existing segment of the flow it overlaps. */
export async function overlappingExisting(db: Db, flowId: string, candidates: { i: number; lo: bigint; hi: bigint }[]): Promise<Map<number, string>> {
  if (!candidates.length) return new Map();
  const json = JSON.stringify(candidates.map((c) => ({ i: c.i, lo: String(c.lo), hi: String(c.hi) })));
  const result = await db.execute(sql`
    select x.i, e.timerange from jsonb_to_recordset(${json}::jsonb) as x(i int, lo text, hi text)
    cross join lateral (
      select ${s.timerange} as timerange from ${s}
      where ${s.flowId} = ${flowId} and ${s.range} && int8range(x.lo::int8, x.hi::int8, '[)') limit 1
    ) e`);
  return new Map(rowsOf<{ i: number; timerange: string }>(result).map((r) => [Number(r.i), r.timerange]));
}

export interface ObjectState {
  pid: string;
  pidType: string;
  deleteRequested: boolean;
  allocatedFor: string | null;
  /** Null until a segment registered the object. */
  registered: { timerange: string; keyFrameCount: number | null; uncontrolled: UncontrolledUrl[] } | null;
}

/**
 * The objects named, locked: registered ones (tams_objects) for update, then the media records
 * for share, so a concurrent deletion of an unreferenced object and a registration using it run
 * one after the other, and the later one sees what the earlier did.
 */
export async function lockObjects(db: Db, ids: string[]): Promise<Map<string, ObjectState>> {
  if (!ids.length) return new Map();
  const idList = textList(ids);
  const registered = rowsOf<{ id: string; timerange: string; key_frame_count: number | null; uncontrolled_urls: UncontrolledUrl[] }>(
    await db.execute(sql`select id, timerange, key_frame_count, uncontrolled_urls from ${o} where id in ${idList} order by id for update`),
  );
  const records = rowsOf<{ pid: string; pid_type: string; delete_requested: unknown; allocated_for: string | null }>(
    await db.execute(sql`
      select pid, pid_type, delete_requested, metadata #>> '{tams,allocated_for_flow}' as allocated_for
      from ${m} where pid in ${idList} order by pid for share`),
  );
  const byId = new Map(registered.map((r) => [r.id, r]));
  return new Map(
    records.map((r) => {
      const reg = byId.get(r.pid);
      return [
        r.pid,
        {
          pid: r.pid,
          pidType: r.pid_type,
          deleteRequested: r.delete_requested !== null,
          allocatedFor: r.allocated_for,
          registered: reg ? { timerange: reg.timerange, keyFrameCount: reg.key_frame_count, uncontrolled: reg.uncontrolled_urls } : null,
        },
      ];
    }),
  );
}

export interface NewObject {
  id: string;
  firstFlowId: string;
  timerange: string;
  keyFrameCount: number | null;
  uncontrolled: UncontrolledUrl[];
}

export async function insertObjects(db: Db, rows: NewObject[]): Promise<void> {
  if (!rows.length) return;
  await db.insert(o).values(rows.map((r) => ({ id: r.id, firstFlowId: r.firstFlowId, timerange: r.timerange, keyFrameCount: r.keyFrameCount, uncontrolledUrls: r.uncontrolled })));
}

export async function setUncontrolledUrls(db: Db, id: string, urls: UncontrolledUrl[]): Promise<void> {
  await db.execute(sql`update ${o} set uncontrolled_urls = ${JSON.stringify(urls)}::jsonb where id = ${id}`);
}

export interface NewSegment {
  lo: bigint;
  hi: bigint;
  timerange: string;
  objectId: string;
  tsOffset: bigint | undefined;
  lastDuration: bigint | undefined;
  sampleOffset: number | undefined;
  sampleCount: number | undefined;
}

/** All rows in one statement: one JSON parameter expanded by jsonb_to_recordset. */
export async function insertSegments(db: Db, flowId: string, rows: NewSegment[]): Promise<void> {
  if (!rows.length) return;
  const str = (v: bigint | undefined) => (v === undefined ? null : String(v));
  const json = JSON.stringify(
    rows.map((r) => ({ lo: String(r.lo), hi: String(r.hi), tr: r.timerange, obj: r.objectId, tso: str(r.tsOffset), ld: str(r.lastDuration), so: r.sampleOffset ?? null, sc: r.sampleCount ?? null })),
  );
  await db.execute(sql`
    insert into ${s} (flow_id, range, timerange, object_id, ts_offset, last_duration, sample_offset, sample_count)
    select ${flowId}::uuid, int8range(x.lo::int8, x.hi::int8, '[)'), x.tr, x.obj, x.tso::int8, x.ld::int8, x.so, x.sc
    from jsonb_to_recordset(${json}::jsonb) as x(lo text, hi text, tr text, obj text, tso text, ld text, so int8, sc int8)`);
}

// ---- reads ---------------------------------------------------------------------------------

export interface SegmentRow {
  lo: string;
  timerange: string;
  object_id: string;
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
  lower(${s.range})::text as lo, ${s.timerange} as timerange, ${s.objectId} as object_id,
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
    where ${s.flowId} = ${flowId} and ${s.range} && ${rangeOf(within)}
    order by lower(${s.range}) ${last ? sql`desc` : sql`asc`} limit 1`);
  return rowsOf<{ timerange: string }>(result)[0]?.timerange;
}

/** Objects with their location, for shaping events. */
export async function objectLocations(db: Db, ids: string[]): Promise<Map<string, Omit<SegmentRow, 'lo' | 'timerange' | 'object_id' | 'ts_offset' | 'last_duration' | 'sample_offset' | 'sample_count'>>> {
  if (!ids.length) return new Map();
  const result = await db.execute(sql`
    select ${o.id} as id, ${o.timerange} as object_timerange, ${o.keyFrameCount} as key_frame_count, ${o.uncontrolledUrls} as uncontrolled_urls,
      ${m.storeConfigId} as store_config_id, ${m.storeKey} as store_key, coalesce(${m.contentType}, ${m.metadata} #>> '{tams,content_type}') as content_type, ${copiesColumn}
    from ${o} join ${m} on ${m.pid} = ${o.id} where ${o.id} in ${textList(ids)}`);
  return new Map(rowsOf<SegmentRow & { id: string }>(result).map(({ id, ...rest }) => [id, rest]));
}

// ---- deletion ------------------------------------------------------------------------------

/** Up to `limit` flows whose segments use the object, when it is a registered TAMS object. */
export async function flowsUsingObject(db: Db, objectId: string, limit: number): Promise<string[]> {
  const result = await db.execute(sql`select distinct ${s.flowId} as flow_id from ${s} where ${s.objectId} = ${objectId} limit ${limit}`);
  return rowsOf<{ flow_id: string }>(result).map((r) => r.flow_id);
}

// ---- objects -------------------------------------------------------------------------------

export interface ObjectRow {
  id: string;
  first_flow_id: string;
  timerange: string;
  key_frame_count: number | null;
  uncontrolled_urls: UncontrolledUrl[];
  store_config_id: string | number;
  store_key: string;
  content_type: string | null;
  copies: ObjectCopy[];
}

export async function findObject(db: Db, id: string): Promise<ObjectRow | undefined> {
  const result = await db.execute(sql`
    select ${o.id} as id, ${o.firstFlowId} as first_flow_id, ${o.timerange} as timerange, ${o.keyFrameCount} as key_frame_count,
      ${o.uncontrolledUrls} as uncontrolled_urls, ${m.storeConfigId} as store_config_id, ${m.storeKey} as store_key,
      coalesce(${m.contentType}, ${m.metadata} #>> '{tams,content_type}') as content_type, ${copiesColumn}
    from ${o} join ${m} on ${m.pid} = ${o.id} where ${o.id} = ${id}`);
  return rowsOf<ObjectRow>(result)[0];
}

/** Flows whose segments reference the object, by id, after the cursor, matching `where`. */
export async function referencingFlows(db: Db, objectId: string, where: (SQL | undefined)[], orderBy: SQL[], limit: number): Promise<{ flow_id: string }[]> {
  const result = await db.execute(sql`
    select ${tamsFlows.id} as flow_id from ${tamsFlows}
    where exists (select 1 from ${s} where ${s.objectId} = ${objectId} and ${s.flowId} = ${tamsFlows.id})
    ${sql.join(
      where.filter((w): w is SQL => w !== undefined).map((w) => sql`and ${w}`),
      sql` `,
    )}
    order by ${sql.join(orderBy, sql`, `)} limit ${limit}`);
  return rowsOf<{ flow_id: string }>(result);
}
