import { jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { instant, tagsColumn } from '../columns.js';

/** Flow profiles: immutable once created (no UPDATE or DELETE is ever issued). */
export const tamsProfiles = pgTable('tams_profiles', {
  id: uuid('id').primaryKey(),
  label: text('label'),
  description: text('description'),
  tags: tagsColumn(),
  /** The technical description flows created from the profile take: format, codec, essence_parameters... */
  flowMetadata: jsonb('flow_metadata').$type<Record<string, unknown> & { format: string }>().notNull(),
  created: instant('created').notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
});
