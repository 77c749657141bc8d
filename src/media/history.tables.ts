import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** `+` created, `~` changed, `-` deleted (the letters django-simple-history uses). */
export const HISTORY_TYPES = ['+', '~', '-'] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];

/** What every history row records: the kind of change, when, who, why, and the resulting state. */
const changeColumns = () => ({
  historyType: text('history_type', { enum: HISTORY_TYPES }).notNull(),
  historyDate: timestamp('history_date', { withTimezone: true }).notNull().defaultNow(),
  historyUser: text('history_user'),
  reason: text('reason'),
  snapshot: jsonb('snapshot').notNull(),
});

/**
 * One row per change of a media record, written in the transaction of the change: the full
 * record as it was after the change (before it, for `-`). No foreign key, so the history
 * outlives the record; `media_id` follows a record through pid renames.
 */
export const mediaHistory = pgTable(
  'media_history',
  {
    historyId: bigserial('history_id', { mode: 'number' }).primaryKey(),
    mediaId: bigint('media_id', { mode: 'number' }).notNull(),
    pid: text('pid').notNull(),
    ...changeColumns(),
  },
  (t) => [
    check('media_history_type', sql`${t.historyType} in ('+', '~', '-')`),
    index('media_history_pid_idx').on(t.pid),
    index('media_history_media_idx').on(t.mediaId, t.historyId),
  ],
);

export const CONFIG_RESOURCES = ['identifier_type', 'store_config', 's3_config'] as const;
export type ConfigResource = (typeof CONFIG_RESOURCES)[number];

/** The same for identifier types, store configs and S3 configs (snapshots never hold S3 keys). */
export const configHistory = pgTable(
  'config_history',
  {
    historyId: bigserial('history_id', { mode: 'number' }).primaryKey(),
    resource: text('resource', { enum: CONFIG_RESOURCES }).notNull(),
    resourceId: text('resource_id').notNull(),
    ...changeColumns(),
  },
  (t) => [
    check('config_history_type', sql`${t.historyType} in ('+', '~', '-')`),
    check('config_history_resource', sql`${t.resource} in ('identifier_type', 'store_config', 's3_config')`),
    index('config_history_resource_idx').on(t.resource, t.resourceId, t.historyId),
  ],
);
