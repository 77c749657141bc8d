import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClients, users } from '../../src/auth/auth.tables.js';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { JSON_BODY_LIMIT: '64kb' } });
});
afterAll(() => t.close());

async function rowCounts() {
  const db = t.db();
  const [u] = await db.select({ n: count() }).from(users);
  const [c] = await db.select({ n: count() }).from(apiClients);
  const [e] = await db.select({ n: count() }).from(eventOutbox);
  return { users: u!.n, clients: c!.n, events: e!.n };
}

function expectCleanError(res: { status: number; headers: Record<string, string>; body: unknown; text: string }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof (res.body as { error: unknown }).error).toBe('string');
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
}

describe('bad input never becomes a 500 and never writes', () => {
  it('malformed JSON → 400', async () => {
    const before = await rowCounts();
    const res = await t.http.post('/api/users').set(bearer(t.adminToken)).set('Content-Type', 'application/json').send('{"username": "x", ');
    expectCleanError(res, 400);
    expect(res.body.error).toMatch(/^malformed JSON body/);
    expect(await rowCounts()).toEqual(before);
  });

  it('wrong content type → 415 naming the expected one', async () => {
    const res = await t.http.post('/api/users').set(bearer(t.adminToken)).set('Content-Type', 'text/plain').send('username=x');
    expectCleanError(res, 415);
    expect(res.body.error).toBe('Content-Type must be application/json, got text/plain');
  });

  it('missing body → 422 naming the fields', async () => {
    const res = await t.http.post('/api/users').set(bearer(t.adminToken));
    expectCleanError(res, 422);
  });

  it('oversized body → 413 with the limit', async () => {
    const before = await rowCounts();
    const res = await t.http.post('/api/clients').set(bearer(t.adminToken)).send({ description: 'x'.repeat(70 * 1024), scopes: [] });
    expectCleanError(res, 413);
    expect(res.body.error).toBe(`request body exceeds the limit of ${64 * 1024} bytes`);
    expect(await rowCounts()).toEqual(before);
  });

  it('huge strings, NUL bytes, SQL-ish values and deep JSON → 4xx, nothing written', async () => {
    const before = await rowCounts();
    const bodies: unknown[] = [
      { username: 'a'.repeat(60_000), password: 'long-enough' },
      { username: 'nul\u0000user', password: 'long-enough' },
      { username: "robert'); DROP TABLE users;--", password: 'long-enough' },
      { username: 'ok', password: 'long-enough', is_admin: 'yes' },
      { username: ['array'], password: 12345678 },
      JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`),
    ];
    for (const body of bodies) {
      const res = await t.http.post('/api/users').set(bearer(t.adminToken)).send(body as object);
      expectCleanError(res, 422);
    }
    // NUL inside a free-text field reaches the database, which refuses it: still a 422
    const nul = await t.http.post('/api/clients').set(bearer(t.adminToken)).send({ client_id: 'nul-client', description: 'bad\u0000text' });
    expectCleanError(nul, 422);
    expect(nul.body.error).toMatch(/rejected by the database/);
    expect(await rowCounts()).toEqual(before);
    expect(t.logs.some((l) => (l.level as number) >= 50)).toBe(false);
  });

  it('invalid UTF-8 is decoded, not crashed on', async () => {
    const res = await t.http
      .post('/api/users')
      .set(bearer(t.adminToken))
      .set('Content-Type', 'application/json')
      .send(Buffer.concat([Buffer.from('{"username":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","password":"long-enough"}')]));
    expectCleanError(res, 422);
  });

  it('unknown endpoints and methods → 404 JSON', async () => {
    expectCleanError(await t.http.get('/api/nope'), 404);
    expectCleanError(await t.http.put('/api/hello'), 404);
    expectCleanError(await t.http.get('/nowhere'), 404);
  });
});
