import { randomUUID } from 'node:crypto';
import { and, asc, gt, like, sql } from 'drizzle-orm';
import type { Response } from 'supertest';
import { afterAll, beforeAll, expect } from 'vitest';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { createTestApp, type TestApp } from './app.js';
import { describeErrors, expectSpecResponse, tamsSpec } from './tams-spec.js';

export type Credentials = { token: string } | { basic: [username: string, password: string] } | 'none';

export interface TamsClient {
  get(path: string): Promise<Response>;
  head(path: string): Promise<Response>;
  put(path: string, body: unknown): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  delete(path: string): Promise<Response>;
}

/**
 * A client of /tams over real HTTP whose every response goes through the spec check
 * (`expectSpecResponse`): content type, body schema for the operation and status, headers.
 */
export function tamsClient(t: TestApp, credentials: Credentials = { token: t.adminToken }): TamsClient {
  const call = async (method: 'get' | 'head' | 'put' | 'post' | 'delete', path: string, body?: unknown) => {
    let req = t.http[method](`/tams${path}`);
    if (credentials !== 'none') {
      req = 'token' in credentials ? req.set('Authorization', `Bearer ${credentials.token}`) : req.auth(...credentials.basic);
    }
    if (body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
    return conformant(await req);
  };
  return {
    get: (path) => call('get', path),
    head: (path) => call('head', path),
    put: (path, body) => call('put', path, body),
    post: (path, body) => call('post', path, body),
    delete: (path) => call('delete', path),
  };
}

/** Checks a /tams response made some other way (odd methods, raw bodies) against the spec; returns it. */
export function conformant(res: Response): Response {
  expectSpecResponse(res as unknown as Parameters<typeof expectSpecResponse>[0]);
  return res;
}

/** A lowercase version-4 UUID, as the spec's uuid.json wants. */
/**
 * The file's app with an admin TAMS client: created before its tests (handed to `ready`), closed
 * after them.
 */
export function withTamsApp(ready: (t: TestApp, api: TamsClient) => void): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await createTestApp();
    ready(app, tamsClient(app));
  });
  afterAll(() => app?.close());
}

export const newId = () => randomUUID();

export const VIDEO = 'urn:x-nmos:format:video';
export const AUDIO = 'urn:x-nmos:format:audio';
export const MULTI = 'urn:x-nmos:format:multi';

export function videoFlow(id: string, sourceId: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    source_id: sourceId,
    format: VIDEO,
    codec: 'video/h264',
    container: 'video/mp2t',
    essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    ...extra,
  };
}

export function audioFlow(id: string, sourceId: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    source_id: sourceId,
    format: AUDIO,
    codec: 'audio/aac',
    container: 'video/mp2t',
    essence_parameters: { sample_rate: 48000, channels: 2 },
    ...extra,
  };
}

export function multiFlow(id: string, sourceId: string, members: string[], extra: Record<string, unknown> = {}) {
  return { id, source_id: sourceId, format: MULTI, container: 'video/mp2t', flow_collection: members.map((m) => ({ id: m })), ...extra };
}

export interface RecordedEvent {
  type: string;
  subject: string;
  actor: string | null;
  payload: { event_type: string; event: Record<string, unknown>; filter: Record<string, unknown> };
}

/**
 * The TAMS events in the outbox since `afterSeq`, oldest first; each checked to be deliverable
 * as the spec's webhook body `{event_timestamp, event_type, event}` without reading any state.
 */
export async function tamsEventsSince(t: TestApp, afterSeq = 0): Promise<RecordedEvent[]> {
  const rows = await t
    .db()
    .select()
    .from(eventOutbox)
    .where(and(gt(eventOutbox.seq, afterSeq), like(eventOutbox.type, 'tams.%')))
    .orderBy(asc(eventOutbox.seq));
  for (const row of rows) {
    const payload = row.payload as RecordedEvent['payload'];
    if (!['flows', 'sources'].includes(payload.event_type?.split('/')[0] ?? '')) continue;
    const validate = tamsSpec().webhookValidator(payload.event_type);
    const body = { event_timestamp: row.created.toISOString(), event_type: payload.event_type, event: payload.event };
    expect(validate(body), `${row.type} as a webhook body: ${describeErrors(validate)}`).toBe(true);
    expect(row.type).toBe(`tams.${payload.event_type.replace('/', '.')}`);
  }
  return rows.map((r) => ({ type: r.type, subject: r.subject, actor: r.actor, payload: r.payload as RecordedEvent['payload'] }));
}

/** The outbox position now, to read the events of what follows. */
export async function outboxMark(t: TestApp): Promise<number> {
  const [row] = await t.db().select({ seq: sql<number>`coalesce(max(${eventOutbox.seq}), 0)::int` }).from(eventOutbox);
  return row!.seq;
}
