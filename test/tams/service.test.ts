import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { tamsProfiles } from '../../src/tams/profiles/profiles.tables.js';
import { parseTimestamp } from '../../src/tams/timerange.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { newId, outboxMark, tamsClient, type TamsClient, tamsEventsSince } from '../helpers/tams.js';
import { tamsSpec } from '../helpers/tams-spec.js';

let t: TestApp;
let api: TamsClient;

beforeAll(async () => {
  t = await createTestApp({ env: { TAMS_MIN_OBJECT_TIMEOUT_SECONDS: '900', AMQP_URL: 'amqp://rabbit-user:rabbit-secret@127.0.0.1:5672' } });
  api = tamsClient(t);
});
afterAll(() => t.close());

describe('GET /tams and /tams/service', () => {
  it('lists the root paths, GET and HEAD', async () => {
    expect((await api.get('/')).body).toEqual(['service', 'sources', 'flows', 'flow-delete-requests']);
    expect((await api.head('/')).status).toBe(200);
  });

  it('describes the store: version, timeouts and how to follow events (without broker credentials)', async () => {
    const res = await api.get('/service');
    expect(res.body).toMatchObject({ type: 'urn:x-tams:service.mediastore', api_version: '8.2', min_object_timeout: '900:0', min_presigned_url_timeout: '300:0' });
    expect(parseTimestamp(res.body.min_object_timeout)).toBeGreaterThanOrEqual(parseTimestamp('300:0'));
    expect(parseTimestamp(res.body.min_presigned_url_timeout)).toBeLessThanOrEqual(parseTimestamp(res.body.min_object_timeout));
    expect(res.body.event_stream_mechanisms.map((m: { name: string }) => m.name)).toEqual(['webhooks', 'mediastore-event-feed', 'amqp']);
    expect(JSON.stringify(res.body)).not.toContain('rabbit-secret');
    expect((await api.head('/service')).headers['content-length']).toBe(res.headers['content-length']);
  });

  it('refuses timeouts the spec forbids at start', () => {
    const base = { DATA_DIR: t.config.dataDir, JWT_SECRET: 'x'.repeat(40), SECRETS_KEY: '0'.repeat(64) };
    expect(() => loadConfig({ ...base, TAMS_MIN_OBJECT_TIMEOUT_SECONDS: '299' })).toThrow(/TAMS_MIN_OBJECT_TIMEOUT_SECONDS must be an integer >= 300/);
    expect(() => loadConfig({ ...base, TAMS_MIN_PRESIGNED_URL_TIMEOUT_SECONDS: '29' })).toThrow(/>= 30/);
    expect(() => loadConfig({ ...base, TAMS_MIN_PRESIGNED_URL_TIMEOUT_SECONDS: '700' })).toThrow(/must not exceed TAMS_MIN_OBJECT_TIMEOUT_SECONDS/);
  });
});

describe('POST /tams/service', () => {
  it('sets the name and description given, keeps the other, records an event, and every replica sees it', async () => {
    const mark = await outboxMark(t);
    expect((await api.post('/service', { name: 'Archive TAMS' })).body).toMatchObject({ name: 'Archive TAMS', description: expect.any(String) });
    const described = (await api.post('/service', { description: 'Newsroom store' })).body;
    expect(described).toMatchObject({ name: 'Archive TAMS', description: 'Newsroom store' });
    expect((await api.post('/service', {})).body).toEqual(described);
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['tams.service.updated', { name: 'Archive TAMS', description: expect.any(String) }],
      ['tams.service.updated', { name: 'Archive TAMS', description: 'Newsroom store' }],
    ]);
    const replica = await createTestApp({ database: t.database });
    try {
      expect((await tamsClient(replica, { token: replica.adminToken }).get('/service')).body).toMatchObject({ name: 'Archive TAMS', description: 'Newsroom store' });
    } finally {
      await replica.close();
    }
  });

  it('refuses a bad body with 400 and changes nothing', async () => {
    const before = (await api.get('/service')).body;
    for (const body of [{ name: 5 }, ['name'], 'name']) expect((await api.post('/service', body)).status, JSON.stringify(body)).toBe(400);
    expect((await api.get('/service')).body).toEqual(before);
  });
});

describe('/tams/service/profiles', () => {
  const profile = () => tamsSpec().example('profile-put.json');
  const profileCount = async () => (await t.db().select({ n: count() }).from(tamsProfiles))[0]!.n;

  it('creates a profile once: a second POST of the id is a 400, even with the same content', async () => {
    const body = { ...profile(), id: newId() };
    const mark = await outboxMark(t);
    const created = await api.post(`/service/profiles/${body.id}`, body);
    expect(created.status).toBe(201);
    expect((await api.get(`/service/profiles/${body.id}`)).body).toEqual(created.body);
    expect((await api.head(`/service/profiles/${body.id}`)).status).toBe(200);
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.subject])).toEqual([['tams.profiles.created', body.id]]);
    for (const again of [body, { ...body, label: 'changed' }]) {
      const res = await api.post(`/service/profiles/${body.id}`, again);
      expect(res.status).toBe(400);
      expect(res.body.summary).toMatch(/already exists; profiles cannot be changed/);
    }
    expect((await api.get(`/service/profiles/${body.id}`)).body).toEqual(created.body);
  });

  it('refuses invalid profiles with 400 and answers 404 for unknown ones', async () => {
    const id = newId();
    const before = await profileCount();
    const flowMetadata = profile().flow_metadata as Record<string, unknown>;
    for (const body of [
      { ...profile(), id: newId() },
      { ...profile(), id, flow_metadata: { format: 'urn:x-nmos:format:multi' } },
      { ...profile(), id, flow_metadata: { ...flowMetadata, essence_parameters: { frame_width: 1 } } },
      { ...profile(), id, tags: { a: 1 } },
      { id },
    ]) {
      expect((await api.post(`/service/profiles/${id}`, body)).status, JSON.stringify(body).slice(0, 100)).toBe(400);
    }
    expect((await api.post('/service/profiles/not-a-uuid', { ...profile(), id: 'not-a-uuid' })).status).toBe(400);
    expect(await profileCount()).toBe(before);
    expect((await api.get(`/service/profiles/${id}`)).status).toBe(404);
    expect((await api.head(`/service/profiles/${id}`)).status).toBe(404);
  });

  it('expands a profile into the flows made from it', async () => {
    const body: Record<string, unknown> = { ...profile(), id: newId() };
    await api.post(`/service/profiles/${String(body.id)}`, body);
    const flowId = newId();
    const created = (await api.put(`/flows/${flowId}`, { id: flowId, source_id: newId(), profile_id: body.id, label: 'from profile' })).body;
    expect(created).toMatchObject({ ...(body.flow_metadata as object), profile_id: body.id, label: 'from profile' });
    expect(created).not.toHaveProperty('description'); // the profile's own description is not the flow's
    expect(((await api.get(`/flows?profile_id=${String(body.id)}`)).body as { id: string }[]).map((f) => f.id)).toEqual([flowId]);
  });
});
