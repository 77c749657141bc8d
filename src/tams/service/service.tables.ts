import { sql } from 'drizzle-orm';
import { boolean, check, pgTable, text } from 'drizzle-orm/pg-core';
import { instant } from '../columns.js';

/** The store's own name and description (POST /tams/service): one row, shared by every replica. */
export const tamsService = pgTable(
  'tams_service',
  {
    singleton: boolean('singleton').primaryKey().default(true),
    name: text('name'),
    description: text('description'),
    updated: instant('updated').notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [check('tams_service_singleton', sql`${t.singleton}`)],
);
