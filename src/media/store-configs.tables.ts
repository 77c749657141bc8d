import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { s3Configs } from './s3-configs.tables.js';

export const STORE_TYPES = ['BucketStore', 'FilesystemStore', 'DictStore'] as const;

/**
 * Where media bytes live. Get-or-create: one row per (type, location, S3 config), where
 * `location` is the bucket in canonical form (`/demobucket` and `demobucket/` are the same
 * FilesystemStore folder), while `bucket` keeps the spelling of the first request.
 */
export const storeConfigs = pgTable(
  'store_configs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type', { enum: STORE_TYPES }).notNull(),
    bucket: text('bucket').notNull(),
    location: text('location').notNull(),
    s3ConfigId: bigint('s3_config_id', { mode: 'number' }).references(() => s3Configs.id, { onDelete: 'restrict' }),
    created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    unique('store_configs_identity').on(t.type, t.location, t.s3ConfigId).nullsNotDistinct(),
    check('store_configs_type', sql`${t.type} in ('BucketStore', 'FilesystemStore', 'DictStore')`),
    check('store_configs_s3_only_for_buckets', sql`(${t.type} = 'BucketStore') = (${t.s3ConfigId} is not null)`),
  ],
);
