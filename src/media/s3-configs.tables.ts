import { bigserial, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Endpoints and credentials of S3-compatible services. The keys are sealed with AES-256-GCM
 * (`src/crypto/secret-box.ts`, key derived from SECRETS_KEY) and never leave the service.
 */
export const s3Configs = pgTable('s3_configs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  url: text('url').notNull().unique(),
  accessKeySealed: text('access_key_sealed').notNull(),
  secretKeySealed: text('secret_key_sealed').notNull(),
  created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
  updated: timestamp('updated', { withTimezone: true }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  updatedBy: text('updated_by').notNull(),
});
