import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { instant, tagsColumn } from '../columns.js';

/**
 * Sources come into being through flow PUTs and go when their last flow goes. Their
 * `source_collection` and `collected_by` are not stored: they are derived from the flow
 * collections of their flows (see sources.repo.ts).
 */
export const tamsSources = pgTable(
  'tams_sources',
  {
    id: uuid('id').primaryKey(),
    format: text('format').notNull(),
    label: text('label'),
    description: text('description'),
    tags: tagsColumn(),
    created: instant('created').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updated: instant('updated').notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    index('tams_sources_created_idx').on(t.created, t.id),
    index('tams_sources_updated_idx').on(t.updated, t.id),
    index('tams_sources_tags_idx').using('gin', t.tags),
  ],
);
