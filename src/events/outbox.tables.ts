import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Transactional outbox: a row is written in the same transaction as the change it reports,
 * so an event exists exactly when its change committed.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    subject: text('subject').notNull(),
    actor: text('actor'),
    payload: jsonb('payload').notNull(),
    created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
    published: timestamp('published', { withTimezone: true }),
  },
  (t) => [
    index('event_outbox_unpublished_idx').on(t.id).where(sql`${t.published} is null`),
    index('event_outbox_type_id_idx').on(t.type, t.id),
  ],
);
