/** An event as stored once it has its public id. */
export interface EventRecord {
  id: number;
  type: string;
  subject: string;
  actor: string | null;
  payload: unknown;
  created: Date;
}

/** The wire shape, the same on AMQP and in the feed (`docs/events.md`). */
export interface EventMessage {
  id: number;
  type: string;
  subject: string;
  time: string;
  actor: string | null;
  payload: unknown;
}

export const toEventMessage = (e: EventRecord): EventMessage => ({
  id: e.id,
  type: e.type,
  subject: e.subject,
  time: e.created.toISOString(),
  actor: e.actor,
  payload: e.payload,
});
