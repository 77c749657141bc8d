import { asc, count, eq, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { configHistory, mediaHistory } from '../../src/media/history.tables.js';
import { identifierTypes } from '../../src/media/identifier-types.tables.js';
import { media } from '../../src/media/media.tables.js';
import { s3Configs } from '../../src/media/s3-configs.tables.js';
import { storeConfigs } from '../../src/media/store-configs.tables.js';
import { bearer, createTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';

export type Client = ReturnType<typeof client>;
export type Stored = ReturnType<typeof stored>;
export interface MediaTestApp {
  t: TestApp;
  /** The administrator's calls. */
  admin: Client;
  /** The calls of "uma", an ordinary user. */
  uma: Client;
  db: Stored;
}

/**
 * The app for one test file (closed after it), with API clients of the admin and of an
 * ordinary user, readers of the stored state, and optionally identifier types. `use` receives
 * them once they exist: `useMediaApp({}, (m) => ({ t, uma: api, db } = m))`.
 */
export function useMediaApp(options: TestAppOptions & { types?: Record<string, string> }, use: (m: MediaTestApp) => void): void {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await createTestApp(options);
    use({ t, admin: client(t), uma: client(t, await t.createUser('uma')), db: stored(t) });
    if (options.types) await seedTypes(t, options.types);
  });
  afterAll(() => t?.close());
}

/** A FilesystemStore body as AMPLIfy's tests and pydantic's model_dump() send it. */
export const FS_STORE = { type: 'FilesystemStore', bucket: '/demobucket', s3_url: '' } as const;
export const RAM_STORE = { type: 'DictStore', bucket: 'scratch', s3_url: '' } as const;

/** Authenticated JSON calls as the admin (or another token). */
export function client(t: TestApp, token = t.adminToken) {
  const auth = bearer(token);
  return {
    auth,
    get: (path: string) => t.http.get(path).set(auth),
    post: (path: string, body?: unknown) => t.http.post(path).set(auth).send(body as object),
    put: (path: string, body?: unknown) => t.http.put(path).set(auth).send(body as object),
    patch: (path: string, body?: unknown) => t.http.patch(path).set(auth).send(body as object),
    delete: (path: string, body?: unknown) => (body === undefined ? t.http.delete(path).set(auth) : t.http.delete(path).set(auth).send(body as object)),
  };
}

/** Identifier types most tests use: DEMO, BIN and DEMO2 accept anything, DOI has a pattern. */
export const STANDARD_TYPES = { DEMO: '', BIN: '', DEMO2: '', DOI: '10\\.\\d{4,9}/\\S+' };

export async function seedTypes(t: TestApp, names: Record<string, string> = STANDARD_TYPES) {
  for (const [name, pattern] of Object.entries(names)) {
    const res = await client(t).post('/api/identifier', { name, pattern });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

export async function createMedia(t: TestApp, body: Record<string, unknown>) {
  const res = await client(t).post('/api/media', { pid_type: 'DEMO', store_config: FS_STORE, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as MediaBody;
}

export interface MediaBody {
  pk: number;
  pid: string;
  pid_type: string;
  store_config: { pk: number; type: string; bucket: string; s3_url: string };
  store_key: string;
  store_status: string;
  identifiers: Record<string, string>;
  metadata: Record<string, unknown>;
  tags: string[];
  [k: string]: unknown;
}

/** What the database holds, for asserting stored results. */
export function stored(t: TestApp) {
  const db = () => t.db();
  return {
    media: async (pid: string) => (await db().select().from(media).where(eq(media.pid, pid)))[0],
    mediaCount: async () => (await db().select({ n: count() }).from(media))[0]!.n,
    history: (pid: string) => db().select().from(mediaHistory).where(eq(mediaHistory.pid, pid)).orderBy(asc(mediaHistory.historyId)),
    historyOf: (mediaId: number) => db().select().from(mediaHistory).where(eq(mediaHistory.mediaId, mediaId)).orderBy(asc(mediaHistory.historyId)),
    configHistory: (resource: string, id: string) =>
      db()
        .select()
        .from(configHistory)
        .where(eq(configHistory.resourceId, id))
        .orderBy(asc(configHistory.historyId))
        .then((rows) => rows.filter((r) => r.resource === resource)),
    events: (subject: string) => db().select().from(eventOutbox).where(eq(eventOutbox.subject, subject)).orderBy(asc(eventOutbox.seq)),
    eventsWhere: (where: SQL) => db().select().from(eventOutbox).where(where).orderBy(asc(eventOutbox.seq)),
    type: async (name: string) => (await db().select().from(identifierTypes).where(eq(identifierTypes.name, name)))[0],
    s3: async (id: number) => (await db().select().from(s3Configs).where(eq(s3Configs.id, id)))[0],
    store: async (id: number) => (await db().select().from(storeConfigs).where(eq(storeConfigs.id, id)))[0],
    /** Row counts of every table a media request may write. */
    counts: async () => {
      const n = async (table: PgTable) => (await db().select({ n: count() }).from(table))[0]!.n;
      return {
        media: await n(media),
        mediaHistory: await n(mediaHistory),
        configHistory: await n(configHistory),
        events: await n(eventOutbox),
        storeConfigs: await n(storeConfigs),
        s3Configs: await n(s3Configs),
        identifierTypes: await n(identifierTypes),
      };
    },
  };
}

/** The JSON error shape of /api, without a stack trace. */
export function expectError(res: { status: number; body: { error?: unknown }; text: string; headers: Record<string, string> }, status: number, message?: RegExp | string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof res.body.error).toBe('string');
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  if (message !== undefined) expect(res.body.error).toMatch(message);
}
