import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { media } from '../../media/media.tables.js';
import { instant } from '../columns.js';
import { tamsFlows } from '../flows/flows.tables.js';

/** Postgres `int8range`, read and written as its text literal (`[0,10000000000)`). */
const int8range = customType<{ data: string; driverData: string }>({ dataType: () => 'int8range' });

/** An uncontrolled URL of an object, registered with a segment (`get_urls` items with a label). */
export interface UncontrolledUrl {
  url: string;
  label: string;
}

/**
 * TAMS objects: media records (`pid` = object id) once a segment has registered them. Holds
 * what the spec makes properties of the object rather than of a segment: its timerange (set by
 * the first registration), key_frame_count, the flow that first referenced it, and its
 * uncontrolled URLs. Objects allocated by /storage but never registered have no row (GET
 * /objects/{id} MUST be 404 for them).
 */
export const tamsObjects = pgTable('tams_objects', {
  id: text('id')
    .primaryKey()
    .references(() => media.pid, { onUpdate: 'cascade', onDelete: 'restrict' }),
  firstFlowId: uuid('first_flow_id').notNull(),
  /** As registered (or derived from the first segment), printed back as is. */
  timerange: text('timerange').notNull(),
  keyFrameCount: integer('key_frame_count'),
  /**
   * Registered as an init object (`init_object_id`): fixed by the first registration, so a media
   * object is never used as an init object or the reverse (read under the row's lock). An init
   * object's `timerange` is `()` and not shown (object.json: MUST NOT be set).
   */
  init: boolean('init').notNull().default(false),
  uncontrolledUrls: jsonb('uncontrolled_urls').$type<UncontrolledUrl[]>().notNull().default([]),
  created: instant('created').notNull().defaultNow(),
});

/**
 * Segments of flows. `range` is the half-open nanosecond range used for every comparison;
 * `timerange` is the range as registered (clusivity kept), printed back unchanged. A flow's
 * segments never overlap: registration refuses overlaps under the flow's row lock. A unique
 * btree on (flow_id, lower(range)) (custom migrations 0009 and 0014) serves the time-ordered
 * pages and "segments of F overlapping [a,b)" (segments.repo `overlapsSql`).
 */
export const tamsSegments = pgTable(
  'tams_segments',
  {
    flowId: uuid('flow_id')
      .notNull()
      .references(() => tamsFlows.id),
    range: int8range('range').notNull(),
    timerange: text('timerange').notNull(),
    objectId: text('object_id')
      .notNull()
      .references(() => tamsObjects.id, { onUpdate: 'cascade', onDelete: 'restrict' }),
    /** The initialisation object (fMP4/CMAF init segment) shared by the flow's segments; never also a media object. */
    initObjectId: text('init_object_id').references(() => tamsObjects.id, { onUpdate: 'cascade', onDelete: 'restrict' }),
    tsOffset: bigint('ts_offset', { mode: 'bigint' }),
    lastDuration: bigint('last_duration', { mode: 'bigint' }),
    sampleOffset: bigint('sample_offset', { mode: 'number' }),
    sampleCount: bigint('sample_count', { mode: 'number' }),
    created: instant('created').notNull().defaultNow(),
  },
  (t) => [
    index('tams_segments_object_idx').on(t.objectId, t.flowId),
    // Partial: most flows have no init objects; serves the reference checks of release and registration.
    index('tams_segments_init_object_idx').on(t.initObjectId, t.flowId).where(sql`${t.initObjectId} is not null`),
  ],
);
