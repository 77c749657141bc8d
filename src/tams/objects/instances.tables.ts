import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { storeConfigs } from '../../media/store-configs.tables.js';
import { instant } from '../columns.js';
import { tamsObjects } from '../segments/segments.tables.js';

/**
 * Controlled copies of TAMS objects in other storage backends (POST /objects/{id}/instances),
 * besides the media record's own location. A row is written before the copy starts (`ready`
 * false: not advertised), so a crash in the middle leaves a row the housekeeping worker finds,
 * not bytes nobody knows about. When the object goes (its tams_objects row is deleted), the
 * foreign key sets `object_id` to null: the row then only says which bytes to delete, and the
 * housekeeping worker deletes them and the row. Uncontrolled instances are the object's
 * `uncontrolled_urls`.
 */
export const tamsObjectInstances = pgTable(
  'tams_object_instances',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    objectId: text('object_id').references(() => tamsObjects.id, { onUpdate: 'cascade', onDelete: 'set null' }),
    storeConfigId: bigint('store_config_id', { mode: 'number' })
      .notNull()
      .references(() => storeConfigs.id, { onDelete: 'restrict' }),
    storeKey: text('store_key').notNull(),
    ready: boolean('ready').notNull().default(false),
    created: instant('created').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    // One instance per backend and object; also what makes two concurrent copies to one backend collide.
    uniqueIndex('tams_object_instances_per_backend').on(t.objectId, t.storeConfigId),
    index('tams_object_instances_orphans_idx').on(t.id).where(sql`${t.objectId} is null`),
    index('tams_object_instances_unfinished_idx').on(t.created).where(sql`not ${t.ready}`),
  ],
);
