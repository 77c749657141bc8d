import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from '../../src/events/outbox.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

// No AMQP_URL and no workers: the embedded default, where the feed is the only way out.
let t: TestApp;
let viewer: string;
beforeAll(async () => {
  t = await createTestApp();
  viewer = await t.createUser('viewer');
  await recordEvents(t.db(), [
    { type: 'media.created', subject: 'pid-1', actor: 'viewer', payload: { pid: 'pid-1', tags: ['news'] } },
    { type: 'tams.flows.updated', subject: 'flow-1', actor: 'viewer', payload: { id: 'flow-1', label: 'main' } },
    { type: 'media.deleted', subject: 'pid-1', actor: 'viewer', payload: { pid: 'pid-1' } },
    { type: 'identifier_type.created', subject: 'isan', actor: 'admin', payload: { name: 'isan' } },
    { type: 'tams.segments.added', subject: 'flow-1', actor: 'viewer', payload: { count: 3 } },
  ]);
});
afterAll(() => t.close());

const get = (path: string, token = t.adminToken) => t.http.get(path).set(bearer(token));
const summary = (body: { events: { id: number; type: string; subject: string }[] }) =>
  body.events.map((e) => `${e.id} ${e.type} ${e.subject}`);

describe('GET /api/events', () => {
  it('gives an administrator every event in order, in the documented shape', async () => {
    const res = await get('/api/events').expect(200);
    expect(summary(res.body)).toEqual([
      '1 user.created admin',
      '2 user.created viewer',
      '3 media.created pid-1',
      '4 tams.flows.updated flow-1',
      '5 media.deleted pid-1',
      '6 identifier_type.created isan',
      '7 tams.segments.added flow-1',
    ]);
    expect(res.body.next_after).toBe(7);
    expect(res.body.events[2]).toEqual({
      id: 3,
      type: 'media.created',
      subject: 'pid-1',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor: 'viewer',
      payload: { pid: 'pid-1', tags: ['news'] },
    });
    expect(res.body.events[1].payload).toEqual({ username: 'viewer', is_admin: false, disabled: false, created: expect.any(String), updated: expect.any(String) });
  });

  it('pages with limit and next_after without repeating or skipping', async () => {
    const pages: string[][] = [];
    let after = 0;
    for (;;) {
      const res = await get(`/api/events?limit=3&after=${after}`).expect(200);
      if (res.body.events.length === 0) {
        expect(res.body.next_after).toBe(after);
        break;
      }
      pages.push(summary(res.body));
      after = res.body.next_after;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((s) => Number(s.split(' ')[0]))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('filters by exact type or by prefix', async () => {
    expect(summary((await get('/api/events?type=media.*').expect(200)).body)).toEqual(['3 media.created pid-1', '5 media.deleted pid-1']);
    expect(summary((await get('/api/events?type=tams.flows.updated').expect(200)).body)).toEqual(['4 tams.flows.updated flow-1']);
    expect(summary((await get('/api/events?type=tams.*&after=4').expect(200)).body)).toEqual(['7 tams.segments.added flow-1']);
    expect((await get('/api/events?type=*').expect(200)).body.events).toHaveLength(7);
    expect(summary((await get('/api/events?type=identifier_type.*').expect(200)).body)).toEqual(['6 identifier_type.created isan']);
  });

  it('shows other callers content events only (media.*, tams.*)', async () => {
    const res = await get('/api/events', viewer).expect(200);
    expect(summary(res.body)).toEqual([
      '3 media.created pid-1',
      '4 tams.flows.updated flow-1',
      '5 media.deleted pid-1',
      '7 tams.segments.added flow-1',
    ]);
    expect((await get('/api/events?type=user.*', viewer).expect(200)).body).toEqual({ events: [], next_after: 0 });
    expect((await get('/api/events/3', viewer).expect(200)).body).toEqual(res.body.events[0]);
    const hidden = await get('/api/events/2', viewer);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toBe('event 2 not found');
  });

  it('refuses anonymous callers and names the bad field', async () => {
    expect((await t.http.get('/api/events')).status).toBe(401);
    const cases: [string, string[]][] = [
      ['/api/events?after=-1', ['query', 'after']],
      ['/api/events?after=abc', ['query', 'after']],
      ['/api/events?limit=1001', ['query', 'limit']],
      ['/api/events?limit=0', ['query', 'limit']],
      ['/api/events?type=media.**', ['query', 'type']],
      ['/api/events?type=media%20created', ['query', 'type']],
      ['/api/events/abc', ['path', 'id']],
    ];
    for (const [path, loc] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(422);
      expect(res.body.detail, path).toEqual([expect.objectContaining({ loc })]);
    }
    const unknown = await get('/api/events?since=3');
    expect(unknown.status).toBe(422);
  });

  it('answers 404 for an id that does not exist (yet)', async () => {
    const res = await get('/api/events/999');
    expect(res.status).toBe(404);
  });

  it('works without a broker: /readyz has no broker check', async () => {
    expect((await t.http.get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok' } });
  });
});
