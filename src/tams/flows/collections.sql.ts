import { type SQL, sql } from 'drizzle-orm';

/**
 * What flow collections imply, computed when read so it can never drift: a flow's
 * `flow_collection` and `collected_by`, and for sources (spec: "Source collections can be
 * inferred from Flow collection definitions") `source_collection` (the sources of the flows
 * that the source's flows collect, first occurrence kept, in collection order) and
 * `collected_by` (the sources of the flows that collect the source's flows). A source never
 * collects itself.
 *
 * Written as SQL text: these are correlated subqueries of the outer query's row (`outer`, a
 * qualified column such as "tams_flows"."id"), and drizzle renders the columns of a one-table
 * select unqualified.
 */

export interface CollectionItem {
  id: string;
  role?: string;
  container_mapping?: Record<string, unknown>;
}

export type OuterId = SQL;
export const outerFlowId: OuterId = sql.raw('"tams_flows"."id"');
export const outerSourceId: OuterId = sql.raw('"tams_sources"."id"');

const collectorsAndMembers = sql.raw(
  'tams_flow_collections fc join tams_flows collector on collector.id = fc.collector_id join tams_flows member on member.id = fc.member_id',
);

export const flowCollectionOf = (flowId: OuterId) => sql<CollectionItem[] | null>`(
  select json_agg(jsonb_strip_nulls(jsonb_build_object('id', fc.member_id, 'role', fc.role, 'container_mapping', fc.container_mapping)) order by fc.position)
  from tams_flow_collections fc where fc.collector_id = ${flowId})`;

export const flowCollectedBy = (flowId: OuterId) => sql<string[] | null>`(
  select json_agg(fc.collector_id order by fc.collector_id) from tams_flow_collections fc where fc.member_id = ${flowId})`;

export const sourceCollectionOf = (sourceId: OuterId) => sql<{ id: string; role?: string }[] | null>`(
  select json_agg(jsonb_strip_nulls(jsonb_build_object('id', x.source_id, 'role', x.role)) order by x.created, x.collector_id, x.position)
  from (
    select distinct on (member.source_id) member.source_id, fc.role, collector.created, collector.id as collector_id, fc.position
    from ${collectorsAndMembers}
    where collector.source_id = ${sourceId} and member.source_id <> ${sourceId}
    order by member.source_id, collector.created, collector.id, fc.position
  ) x)`;

export const sourceCollectedBy = (sourceId: OuterId) => sql<string[] | null>`(
  select json_agg(distinct collector.source_id order by collector.source_id)
  from ${collectorsAndMembers}
  where member.source_id = ${sourceId} and collector.source_id <> ${sourceId})`;

const uuidList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);

/** `collected_by_ids` on flows: collected by one of `ids`, or (empty list) by none. */
export function flowCollectedByFilter(flowId: OuterId, ids: string[]): SQL {
  return ids.length
    ? sql`exists (select 1 from tams_flow_collections fc where fc.member_id = ${flowId} and fc.collector_id in (${uuidList(ids)}))`
    : sql`not exists (select 1 from tams_flow_collections fc where fc.member_id = ${flowId})`;
}

/** `collected_by_ids` on sources. */
export function sourceCollectedByFilter(sourceId: OuterId, ids: string[]): SQL {
  const base = sql`select 1 from ${collectorsAndMembers} where member.source_id = ${sourceId} and collector.source_id <> ${sourceId}`;
  return ids.length ? sql`exists (${base} and collector.source_id in (${uuidList(ids)}))` : sql`not exists (${base})`;
}

/** Per collector flow of `sourceId`: the sources its members belong to, in collection order. */
export const collectionSourcesOfSource = (sourceId: string) => sql`
  select collector.id as collector_id, member.source_id, fc.role
  from ${collectorsAndMembers}
  where collector.source_id = ${sourceId}::uuid
  order by collector.id, fc.position`;
