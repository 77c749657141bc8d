import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, tagsColumn } from '../columns.js';
import { tamsProfiles } from '../profiles/profiles.tables.js';
import { tamsSources } from '../sources/sources.tables.js';

type Json = Record<string, unknown>;

/**
 * A flow: the client's metadata in columns (the queried ones) and JSON (the nested technical
 * parts), plus what the server maintains. Its `timerange` is derived from its segments and
 * `segments_updated` is set by the segments capability; `flow_collection` and `collected_by`
 * live in tams_flow_collections.
 */
export const tamsFlows = pgTable(
  'tams_flows',
  {
    id: uuid('id').primaryKey(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => tamsSources.id),
    format: text('format').notNull(),
    codec: text('codec'),
    container: text('container'),
    label: text('label'),
    description: text('description'),
    tags: tagsColumn(),
    /** When set, the technical fields are the profile's (copied at PUT; profiles never change). */
    profileId: uuid('profile_id').references(() => tamsProfiles.id),
    status: text('status'),
    readOnly: boolean('read_only').notNull().default(false),
    generation: bigint('generation', { mode: 'number' }),
    maxBitRate: bigint('max_bit_rate', { mode: 'number' }),
    avgBitRate: bigint('avg_bit_rate', { mode: 'number' }),
    segmentDuration: jsonb('segment_duration').$type<Json>(),
    containerMapping: jsonb('container_mapping').$type<Json>(),
    essenceParameters: jsonb('essence_parameters').$type<Json>(),
    metadataVersion: text('metadata_version').notNull(),
    created: instant('created').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedBy: text('updated_by').notNull(),
    metadataUpdated: instant('metadata_updated').notNull().defaultNow(),
    segmentsUpdated: instant('segments_updated'),
  },
  (t) => [
    index('tams_flows_source_idx').on(t.sourceId),
    index('tams_flows_created_idx').on(t.created, t.id),
    index('tams_flows_metadata_updated_idx').on(t.metadataUpdated, t.id),
    index('tams_flows_profile_idx').on(t.profileId),
    index('tams_flows_tags_idx').using('gin', t.tags),
  ],
);

/** `flow_collection` of a flow, in order; members' `collected_by` is read from here too. */
export const tamsFlowCollections = pgTable(
  'tams_flow_collections',
  {
    collectorId: uuid('collector_id')
      .notNull()
      .references(() => tamsFlows.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    memberId: uuid('member_id')
      .notNull()
      .references(() => tamsFlows.id, { onDelete: 'cascade' }),
    role: text('role'),
    containerMapping: jsonb('container_mapping').$type<Json>(),
  },
  (t) => [
    primaryKey({ columns: [t.collectorId, t.position] }),
    unique('tams_flow_collections_member_once').on(t.collectorId, t.memberId),
    index('tams_flow_collections_member_idx').on(t.memberId),
  ],
);
