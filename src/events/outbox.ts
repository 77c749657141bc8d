import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { eventOutbox } from './outbox.tables.js';

export interface NewEvent {
  /** Dotted type, also the AMQP routing key: `media.created`, `user.deleted`, `tams.flows.updated`. */
  type: string;
  /** What the event is about: a pid, a username, a TAMS id. */
  subject: string;
  /** Who made the change; null for the service itself. */
  actor: string | null;
  /** The new state or a summary; never secrets. */
  payload: unknown;
}

/**
 * Records events in the outbox. Call it with the transaction that makes the change, so the
 * event commits (or rolls back) together with it.
 */
export async function recordEvents(tx: Db, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.execute(insertEventsSql(events));
}

export const recordEvent = (tx: Db, event: NewEvent): Promise<void> => recordEvents(tx, [event]);

/**
 * The INSERT behind `recordEvents`. All events travel as one JSON array parameter, inserted in
 * array order, so that ten thousand events (a bulk create) are one cheap statement rather
 * than fifty thousand bind parameters. (`jsonb_array_elements` with `->` keeps payloads as
 * jsonb; `jsonb_to_recordset` was slower with large payloads.)
 */
export function insertEventsSql(events: NewEvent[]): SQL {
  const json = JSON.stringify(events.map((e) => ({ type: e.type, subject: e.subject, actor: e.actor, payload: e.payload ?? {} })));
  return insertEventsFrom(sql`
    select e ->> 'type', e ->> 'subject', e ->> 'actor', e -> 'payload'
    from jsonb_array_elements(${json}::jsonb) with ordinality as rows (e, n)
    order by n`);
}

/**
 * Events made by a query that yields `(type, subject, actor, payload)` rows, in the order
 * they should be numbered: for a capability that writes rows of its own for the same changes
 * and derives the events from the data it sends anyway, in one statement
 * (`with mine as (insert ...) <this>`), like media history does.
 */
export const insertEventsFrom = (rows: SQL): SQL => sql`insert into ${eventOutbox} (type, subject, actor, payload) ${rows}`;
