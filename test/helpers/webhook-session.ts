import { and, asc, gt, like } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import { EventSequencer } from '../../src/events/sequencer.js';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { createTestApp, type TestApp } from './app.js';
import { newId, tamsClient, type TamsClient, videoFlow } from './tams.js';
import { type Delivery, expectSpecWebhookBody, WebhookReceiver } from './webhook-receiver.js';

/** A TAMS event as recorded in the outbox, with its public id. */
export interface OutboxEvent {
  id: number;
  type: string;
  subject: string;
  created: Date;
  payload: {
    event_type: string;
    event: Record<string, unknown>;
    filter: { flow_id?: string; source_id: string; flow_collected_by?: string[]; source_collected_by: string[] };
  };
}

/** The flow and source events recorded after outbox position `mark`, in id order. */
export async function recordedSince(t: TestApp, mark: number): Promise<OutboxEvent[]> {
  await new EventSequencer(t.db()).sequenceAll();
  const rows = await t.db().select().from(eventOutbox).where(and(gt(eventOutbox.seq, mark), like(eventOutbox.type, 'tams.%'))).orderBy(asc(eventOutbox.id));
  return rows.filter((r) => /^tams\.(flows|sources)\./.test(r.type)).map((r) => ({ ...r, id: r.id! }) as OutboxEvent);
}

/** `flow <id>` or `source <id>`: the resource a webhook body is about. */
export const resourceOf = (body: { event_type: string; event: Record<string, unknown> }): string =>
  body.event_type.startsWith('flows/')
    ? `flow ${(body.event.flow_id ?? (body.event.flow as { id: string }).id) as string}`
    : `source ${(body.event.source_id ?? (body.event.source as { id: string }).id) as string}`;

/** Bodies grouped by the flow or source they are about, each group in the order given. */
export function perResource(bodies: Delivery['body'][]): Map<string, Delivery['body'][]> {
  const map = new Map<string, Delivery['body'][]>();
  for (const b of bodies) map.set(resourceOf(b), [...(map.get(resourceOf(b)) ?? []), b]);
  return map;
}

/** What the spec says a webhook receives for an outbox event: `{event_timestamp, event_type, event}`. */
export const webhookBodyOf = (e: OutboxEvent): Delivery['body'] => ({ event_timestamp: e.created.toISOString(), event_type: e.payload.event_type, event: e.payload.event });

/**
 * Accepted deliveries compared with the recorded events they should be: each event exactly
 * once (by `X-Mediastore-Event-Id`), every body valid against the spec and equal to what was
 * recorded, and for each flow or source in the order the events happened.
 */
export function expectSameEvents(got: Delivery[], expected: OutboxEvent[], what: string): void {
  for (const d of got) expectSpecWebhookBody(d.body);
  expect(got.map((d) => Number(d.headers['x-mediastore-event-id'])).sort((a, b) => a - b), what).toEqual(expected.map((e) => e.id));
  expect(perResource(got.map((d) => d.body)), what).toEqual(perResource(expected.map(webhookBodyOf)));
}

/** Creates the flows that do not exist yet and changes each `rounds` times, the flows in parallel. */
export async function changeFlows(api: TamsClient, flows: string[], rounds: number, label: string): Promise<void> {
  await Promise.all(
    flows.map(async (id) => {
      if ((await api.get(`/flows/${id}`)).status === 404) expect((await api.put(`/flows/${id}`, videoFlow(id, newId()))).status).toBe(201);
      for (let i = 0; i < rounds; i++) expect((await api.put(`/flows/${id}/label`, `${label} ${i}`)).status).toBe(204);
    }),
  );
}

export interface ReceiverAndApp {
  receiver: WebhookReceiver;
  t: TestApp;
  api: TamsClient;
}

/**
 * For a describe block: a receiver on 127.0.0.1 and the app with its workers running, allowed
 * to call it (`env` adds settings), both closed after the block. Read the fields in tests.
 */
export function receiverAndApp(env: Record<string, string> = {}): ReceiverAndApp {
  const ctx = {} as ReceiverAndApp;
  beforeAll(async () => {
    ctx.receiver = await WebhookReceiver.start();
    ctx.t = await createTestApp({ startWorkers: true, env: { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${ctx.receiver.port}`, ...env } });
    ctx.api = tamsClient(ctx.t);
  });
  afterAll(async () => {
    await ctx.t?.close();
    await ctx.receiver?.down();
  });
  return ctx;
}
