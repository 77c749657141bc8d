import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Kinds of identifier (a PID's type, or the key of an entry in a record's `identifiers`), each
 * with a regular expression every value of that type must match in full ('' accepts anything).
 */
export const identifierTypes = pgTable('identifier_types', {
  name: text('name').primaryKey(),
  pattern: text('pattern').notNull().default(''),
  created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
  updated: timestamp('updated', { withTimezone: true }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  updatedBy: text('updated_by').notNull(),
});
