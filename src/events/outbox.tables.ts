import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Transactional outbox: a row is written in the same transaction as the change it reports,
 * so an event exists exactly when its change committed.
 *
 * `seq` is taken at insert, so concurrent transactions can commit out of `seq` order; readers
 * never use it. The public `id` is given after commit by the sequencer (`sequencer.ts`), one
 * round at a time, so ids become visible in increasing order and a reader that remembers the
 * last id it saw can never miss a row.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    /** Public, gap-free, increasing in the order events became visible; null until sequenced. */
    id: bigint('id', { mode: 'number' }).unique('event_outbox_id_key'),
    type: text('type').notNull(),
    subject: text('subject').notNull(),
    actor: text('actor'),
    payload: jsonb('payload').notNull(),
    created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('event_outbox_unsequenced_idx').on(t.seq).where(sql`${t.id} is null`),
    index('event_outbox_type_id_idx').on(t.type, t.id),
  ],
);

/** The last public id handed out; its row lock serialises sequencing rounds across replicas. */
export const eventSequencer = pgTable(
  'event_sequencer',
  {
    singleton: boolean('singleton').primaryKey().default(true),
    lastId: bigint('last_id', { mode: 'number' }).notNull(),
  },
  (t) => [check('event_sequencer_singleton', sql`${t.singleton}`)],
);

/**
 * Durable cursors of the outbox consumers (the AMQP dispatcher, later webhook delivery). One
 * replica at a time holds a consumer's lease and delivers; the others stand by.
 */
export const eventConsumers = pgTable('event_consumers', {
  name: text('name').primaryKey(),
  /** Id of the last event delivered. */
  position: bigint('position', { mode: 'number' }).notNull().default(0),
  leaseOwner: text('lease_owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  /** Last sign of life of any replica running this consumer; retention ignores consumers gone quiet. */
  heartbeat: timestamp('heartbeat', { withTimezone: true }).notNull().defaultNow(),
});
