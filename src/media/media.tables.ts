import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { identifierTypes } from './identifier-types.tables.js';
import { storeConfigs } from './store-configs.tables.js';

export const STORE_STATUSES = ['PENDING', 'READY'] as const;
export type StoreStatus = (typeof STORE_STATUSES)[number];
export const FIXITY_STATUSES = ['match', 'mismatch'] as const;
export type FixityStatus = (typeof FIXITY_STATUSES)[number];

/**
 * Media records, addressed by `pid`. Bytes live in the store config's store under
 * `store_key`; `store_status` says whether they are there (READY, with size and checksums)
 * or not yet (PENDING). A READY record being deleted keeps its row, marked with
 * `delete_requested`, until its bytes are confirmed gone (see deletion.ts).
 */
export const media = pgTable(
  'media',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    pid: text('pid').notNull().unique('media_pid_key'),
    pidType: text('pid_type')
      .notNull()
      .references(() => identifierTypes.name, { onDelete: 'restrict' }),
    storeConfigId: bigint('store_config_id', { mode: 'number' })
      .notNull()
      .references(() => storeConfigs.id, { onDelete: 'restrict' }),
    storeKey: text('store_key').notNull(),
    storeStatus: text('store_status', { enum: STORE_STATUSES }).notNull().default('PENDING'),
    identifiers: jsonb('identifiers').$type<Record<string, string>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    size: bigint('size', { mode: 'number' }),
    sha256: text('sha256'),
    md5: text('md5'),
    contentType: text('content_type'),
    stored: timestamp('stored', { withTimezone: true }),
    created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
    updated: timestamp('updated', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedBy: text('updated_by').notNull(),
    deleteRequested: timestamp('delete_requested', { withTimezone: true }),
    deleteRequestedBy: text('delete_requested_by'),
    deleteReason: text('delete_reason'),
    deleteAttempts: integer('delete_attempts').notNull().default(0),
    deleteError: text('delete_error'),
    /** When the stored bytes were last re-read and compared with the checksums (transfer/fixity). */
    fixityChecked: timestamp('fixity_checked', { withTimezone: true }),
    fixityStatus: text('fixity_status', { enum: FIXITY_STATUSES }),
  },
  (t) => [
    unique('media_store_key_per_store').on(t.storeConfigId, t.storeKey),
    check('media_store_status', sql`${t.storeStatus} in ('PENDING', 'READY')`),
    check('media_ready_has_bytes', sql`${t.storeStatus} = 'PENDING' or (${t.size} is not null and ${t.sha256} is not null and ${t.md5} is not null)`),
    index('media_tags_idx').using('gin', t.tags),
    // jsonb_ops answers "has key" (`?`, `@?`); jsonb_path_ops answers equality at a path
    // (`@>`) from one posting list of path+value, instead of intersecting the (huge) lists of
    // common keys such as "camera" with that of the value.
    index('media_identifiers_idx').using('gin', t.identifiers),
    index('media_metadata_idx').using('gin', t.metadata),
    index('media_metadata_path_idx').using('gin', t.metadata.op('jsonb_path_ops')),
    // Wildcards in pids: a btree range for a fixed prefix (`abc*`), trigrams for the rest.
    index('media_pid_prefix_idx').on(t.pid.op('text_pattern_ops')),
    index('media_pid_trgm_idx').using('gin', t.pid.op('gin_trgm_ops')),
    index('media_pid_type_idx').on(t.pidType, t.id),
    index('media_store_status_idx').on(t.storeStatus, t.id),
    check('media_fixity_status', sql`${t.fixityStatus} in ('match', 'mismatch')`),
    // The retry worker's keyset walk, (delete_requested, id) > cursor in that order (deletion.ts);
    // the store config rides along so the walk skips a failing store's records from the index alone.
    index('media_deletions_due_idx').on(t.deleteRequested, t.id, t.storeConfigId).where(sql`${t.deleteRequested} is not null`),
  ],
);
