import { eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { dateOrder, labelOrder, type SortOrder } from '../http/paging.js';
import { tagConditions } from '../tag-filters.js';
import { isEmpty, isEternity, toSqlBounds } from '../timerange.js';
import { type CollectionItem, collectionSourcesOfSource, flowCollectedBy, flowCollectedByFilter, flowCollectionOf, outerFlowId } from './collections.sql.js';
import type { FlowContent } from './flow-content.js';
import type { FlowRecord } from './flow-document.js';
import { tamsFlowCollections, tamsFlows } from './flows.tables.js';
import type { FlowListQuery } from './flows.schemas.js';

const f = tamsFlows;
const fc = tamsFlowCollections;

/** Listing orders (`sort_by`). */
export const flowOrders: Record<NonNullable<FlowListQuery['sort_by']>, SortOrder<FlowRecord>> = {
  created: dateOrder('created', f.created, f.id, (r) => [r.row.created, r.row.id]),
  metadata_updated: dateOrder('metadata_updated', f.metadataUpdated, f.id, (r) => [r.row.metadataUpdated, r.row.id]),
  label: labelOrder(f.label, f.id, (r) => [r.row.label, r.row.id]),
};

const selection = { row: f, collection: flowCollectionOf(outerFlowId), collectedBy: flowCollectedBy(outerFlowId) };

export const selectFlows = (db: Db, where: SQL | undefined, orderBy: SQL[] = [], limit?: number): Promise<FlowRecord[]> => {
  const query = db.select(selection).from(f).where(where).orderBy(...orderBy);
  return limit === undefined ? query : query.limit(limit);
};

export const flowsByIds = (db: Db, ids: string[]): Promise<FlowRecord[]> => (ids.length ? selectFlows(db, inArray(f.id, ids)) : Promise.resolve([]));

export function listConditions(query: FlowListQuery, content: FlowContent): (SQL | undefined)[] {
  const essence = (member: string, value: unknown) => sql`${f.essenceParameters} @> jsonb_build_object(${member}::text, ${JSON.stringify(value)}::jsonb)`;
  return [
    query.source_id === undefined ? undefined : eq(f.sourceId, query.source_id),
    query.format === undefined ? undefined : eq(f.format, query.format),
    query.codec === undefined ? undefined : eq(f.codec, query.codec),
    query.profile_id === undefined ? undefined : eq(f.profileId, query.profile_id),
    query.label === undefined ? undefined : eq(f.label, query.label),
    query.status === undefined ? undefined : eq(f.status, query.status),
    query.frame_width === undefined ? undefined : essence('frame_width', query.frame_width),
    query.frame_height === undefined ? undefined : essence('frame_height', query.frame_height),
    query.init_segments === undefined ? undefined : query.init_segments ? essence('init_segments', true) : sql`not coalesce(${essence('init_segments', true)}, false)`,
    query.collected_by_ids === undefined ? undefined : flowCollectedByFilter(outerFlowId, query.collected_by_ids),
    ...tagConditions(f.tags, query),
    timerangeCondition(query.timerange, content),
  ];
}

/** `timerange`: eternity (the default) filters nothing; an empty range selects flows without content. */
function timerangeCondition(range: FlowListQuery['timerange'], content: FlowContent): SQL | undefined {
  if (range === undefined || isEternity(range)) return undefined;
  if (isEmpty(range)) return content.isEmpty(outerFlowId);
  const bounds = toSqlBounds(range, { clamp: true });
  return bounds === null ? sql`false` : content.overlaps(outerFlowId, bounds);
}

// A constant of this service's, first half of the two-key advisory lock on a flow id.
const FLOW_LOCK_CLASS = 727_002;

/**
 * Serialises writers of one flow id for the transaction, whether or not the flow exists yet,
 * so two PUTs creating the same flow run one after the other (the second becomes an update).
 */
export const lockFlowId = async (db: Db, id: string): Promise<void> => {
  await db.execute(sql`select pg_advisory_xact_lock(${FLOW_LOCK_CLASS}, hashtext(${id}))`);
};

/** Locks the flow row for update; false when there is none. */
export const lockFlow = async (db: Db, id: string): Promise<boolean> => (await db.select({ id: f.id }).from(f).where(eq(f.id, id)).for('update')).length > 0;

/** Which of `ids` exist, locked against deletion until the transaction ends. */
export const lockExistingFlows = async (db: Db, ids: string[]): Promise<Set<string>> =>
  new Set(ids.length ? (await db.select({ id: f.id }).from(f).where(inArray(f.id, ids)).for('key share')).map((r) => r.id) : []);

export const insertFlow = async (db: Db, values: typeof f.$inferInsert): Promise<void> => {
  await db.insert(f).values(values);
};

export const updateFlow = async (db: Db, id: string, values: PgUpdateSetSource<typeof f>): Promise<void> => {
  await db.update(f).set(values).where(eq(f.id, id));
};

export const deleteFlow = async (db: Db, id: string): Promise<void> => {
  await db.delete(f).where(eq(f.id, id));
};

export async function replaceCollection(db: Db, collectorId: string, items: CollectionItem[]): Promise<void> {
  await db.delete(fc).where(eq(fc.collectorId, collectorId));
  if (!items.length) return;
  await db.insert(fc).values(
    items.map((item, position) => ({ collectorId, position, memberId: item.id, role: item.role ?? null, containerMapping: item.container_mapping ?? null })),
  );
}

/** Removes a flow from every collection that lists it; returns the collectors. */
export const removeFromCollections = async (db: Db, memberId: string): Promise<string[]> =>
  (await db.delete(fc).where(eq(fc.memberId, memberId)).returning({ id: fc.collectorId })).map((r) => r.id);

export const collectorsOf = async (db: Db, memberId: string): Promise<string[]> =>
  (await db.select({ id: fc.collectorId }).from(fc).where(eq(fc.memberId, memberId))).map((r) => r.id);

export const sourceIdsOf = async (db: Db, flowIds: string[]): Promise<string[]> =>
  flowIds.length ? (await db.selectDistinct({ id: f.sourceId }).from(f).where(inArray(f.id, flowIds))).map((r) => r.id) : [];

/** Per flow of the source that collects others: the member flows' sources and roles, in order. */
export async function collectionSourcesBySource(db: Db, sourceId: string): Promise<Map<string, { source_id: string; role: string | null }[]>> {
  const { rows } = (await db.execute(collectionSourcesOfSource(sourceId))) as unknown as { rows: { collector_id: string; source_id: string; role: string | null }[] };
  const byCollector = new Map<string, { source_id: string; role: string | null }[]>();
  for (const { collector_id, ...item } of rows) byCollector.set(collector_id, [...(byCollector.get(collector_id) ?? []), item]);
  return byCollector;
}

/** Marks flows' metadata as changed by `actor` (their collection lost a member). */
export const touchMetadata = async (db: Db, ids: string[], actor: string): Promise<void> => {
  if (!ids.length) return;
  await db
    .update(f)
    .set({ metadataUpdated: sql`now()`, metadataVersion: sql`gen_random_uuid()::text`, updatedBy: actor })
    .where(inArray(f.id, ids));
};
