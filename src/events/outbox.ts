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
  await tx.insert(eventOutbox).values(
    events.map((e) => ({ type: e.type, subject: e.subject, actor: e.actor, payload: e.payload ?? {} })),
  );
}

export const recordEvent = (tx: Db, event: NewEvent): Promise<void> => recordEvents(tx, [event]);
