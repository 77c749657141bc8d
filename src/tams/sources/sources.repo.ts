import { and, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { outerSourceId, sourceCollectedBy, sourceCollectedByFilter, sourceCollectionOf } from '../flows/collections.sql.js';
import { tamsFlows } from '../flows/flows.tables.js';
import { dateOrder, labelOrder, type SortOrder } from '../http/paging.js';
import { tagConditions } from '../tag-filters.js';
import { tamsSources } from './sources.tables.js';
import type { SourceListQuery } from './sources.schemas.js';

export type SourceRow = typeof tamsSources.$inferSelect;
export interface SourceRecord {
  row: SourceRow;
  sourceCollection: { id: string; role?: string }[] | null;
  collectedBy: string[] | null;
}

const s = tamsSources;
/** Listing orders (`sort_by`). */
export const sourceOrders: Record<NonNullable<SourceListQuery['sort_by']>, SortOrder<SourceRecord>> = {
  created: dateOrder('created', s.created, s.id, (r) => [r.row.created, r.row.id]),
  updated: dateOrder('updated', s.updated, s.id, (r) => [r.row.updated, r.row.id]),
  label: labelOrder(s.label, s.id, (r) => [r.row.label, r.row.id]),
};

const selection = { row: s, sourceCollection: sourceCollectionOf(outerSourceId), collectedBy: sourceCollectedBy(outerSourceId) };

export const selectSources = (db: Db, where: SQL | undefined, orderBy: SQL[] = [], limit?: number): Promise<SourceRecord[]> => {
  const query = db.select(selection).from(s).where(where).orderBy(...orderBy);
  return limit === undefined ? query : query.limit(limit);
};

export const sourcesByIds = (db: Db, ids: string[]): Promise<SourceRecord[]> => (ids.length ? selectSources(db, inArray(s.id, ids)) : Promise.resolve([]));

export function listConditions(query: SourceListQuery): (SQL | undefined)[] {
  return [
    query.label === undefined ? undefined : eq(s.label, query.label),
    query.format === undefined ? undefined : eq(s.format, query.format),
    query.collected_by_ids === undefined ? undefined : sourceCollectedByFilter(outerSourceId, query.collected_by_ids),
    ...tagConditions(s.tags, query),
  ];
}

export const lockSource = async (db: Db, id: string): Promise<SourceRow | undefined> => (await db.select().from(s).where(eq(s.id, id)).for('update'))[0];

// A constant of this service's, first half of the two-key advisory lock on a source id.
const SOURCE_LOCK_CLASS = 727_003;

/**
 * Serialises, for the transaction, the writes that may create or remove these sources (flow
 * PUTs and DELETEs), whether the sources exist yet or not. Taken in id order.
 */
export async function lockSourceIds(db: Db, ids: string[]): Promise<void> {
  for (const id of [...new Set(ids)].sort()) await db.execute(sql`select pg_advisory_xact_lock(${SOURCE_LOCK_CLASS}, hashtext(${id}))`);
}

export const insertSource = async (db: Db, values: typeof s.$inferInsert): Promise<SourceRow | undefined> =>
  (await db.insert(s).values(values).onConflictDoNothing({ target: s.id }).returning())[0];

export const updateSource = async (
  db: Db,
  id: string,
  changes: Partial<Pick<SourceRow, 'format' | 'label' | 'description' | 'tags'>>,
  actor: string,
): Promise<void> => {
  await db
    .update(s)
    .set({ ...changes, updated: sql`now()`, updatedBy: actor })
    .where(eq(s.id, id));
};

export const deleteSource = async (db: Db, id: string): Promise<void> => {
  await db.delete(s).where(eq(s.id, id));
};

/** Whether any flow other than `exceptFlowId` belongs to the source. */
export const sourceHasOtherFlows = async (db: Db, sourceId: string, exceptFlowId?: string): Promise<boolean> =>
  (
    await db
      .select({ one: sql`1` })
      .from(tamsFlows)
      .where(and(eq(tamsFlows.sourceId, sourceId), exceptFlowId === undefined ? undefined : ne(tamsFlows.id, exceptFlowId)))
      .limit(1)
  ).length > 0;
