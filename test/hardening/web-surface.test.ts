import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiClients } from '../../src/auth/auth.tables.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

/** What every face shows a browser or a proxy: security headers, CORS, body limits, client addresses. */

const apps: TestApp[] = [];
const app = async (env: Record<string, string> = {}) => {
  const t = await createTestApp({ env });
  apps.push(t);
  return t;
};
let t: TestApp;
beforeAll(async () => {
  t = await app({ JSON_BODY_LIMIT: '4kb' });
});
afterAll(() => Promise.all(apps.map((a) => a.close())));

const faces = [
  ['/api/hello', 'success of /api'],
  ['/api/nothing-here', 'error of /api'],
  ['/tams/flows', 'error of /tams'],
  ['/healthz', 'health'],
] as const;

describe('security headers', () => {
  test.each(faces)('%s (%s) carries helmet headers and no X-Powered-By', async (path) => {
    const res = await t.http.get(path);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('CORS', () => {
  const preflight = (a: TestApp, origin: string) =>
    a.http.options('/api/media/read').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type');

  test('closed by default: no origin is allowed, preflight or not', async () => {
    const pre = await preflight(t, 'https://anywhere.example');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const get = await t.http.get('/api/hello').set('Origin', 'https://anywhere.example');
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  test('CORS_ORIGINS opens exactly the listed origins, on every face', async () => {
    const open = await app({ CORS_ORIGINS: 'https://good.example, https://also.example' });
    const pre = await preflight(open, 'https://good.example');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://good.example');
    expect(pre.headers['access-control-allow-headers']).toMatch(/authorization/i);
    const tams = await open.http.get('/tams/flows').set('Origin', 'https://also.example');
    expect(tams.headers['access-control-allow-origin']).toBe('https://also.example');
    expect(tams.headers['access-control-expose-headers']).toMatch(/Link/);
    const evil = await preflight(open, 'https://good.example.evil.example');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('body size limits', () => {
  const big = 'x'.repeat(5 * 1024);
  const clients = async () => (await t.db().select({ n: count() }).from(apiClients))[0]!.n;

  test('/api: 413 in the /api error format, nothing written', async () => {
    const before = await clients();
    const res = await t.http.post('/api/clients').set(bearer(t.adminToken)).send({ description: big, scopes: [] });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ error: `request body exceeds the limit of ${4 * 1024} bytes` });
    expect(await clients()).toBe(before);
  });

  test('/tams: 413 in the TAMS error format', async () => {
    const res = await t.http.put('/tams/flows/00000000-0000-4000-8000-000000000001/description').set(bearer(t.adminToken)).send(JSON.stringify(big)).type('json');
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toMatchObject({ type: 'PayloadTooLarge' });
  });

  test('/oauth2/token: 413 in the OAuth2 error format for a form beyond 64 KiB', async () => {
    const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toHaveProperty('error');
  });
});

describe('client addresses behind a proxy (TRUST_PROXY)', () => {
  const failLogin = (a: TestApp, forwardedFor: string) =>
    a.http.post('/api/login').set('X-Forwarded-For', forwardedFor).send({ username: 'admin', password: 'wrong' });

  test('TRUST_PROXY=1: failed logins are counted per forwarded client address', async () => {
    const proxied = await app({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '2' });
    expect((await failLogin(proxied, '203.0.113.1')).status).toBe(401);
    expect((await failLogin(proxied, '203.0.113.1')).status).toBe(401);
    expect((await failLogin(proxied, '203.0.113.1')).status).toBe(429);
    // Another client behind the same proxy is not locked out.
    expect((await failLogin(proxied, '203.0.113.2')).status).toBe(401);
  });

  test('without TRUST_PROXY a forged X-Forwarded-For does not escape the limit', async () => {
    const direct = await app({ LOGIN_RATE_LIMIT: '2' });
    expect((await failLogin(direct, '203.0.113.1')).status).toBe(401);
    expect((await failLogin(direct, '203.0.113.2')).status).toBe(401);
    const res = await failLogin(direct, '203.0.113.3');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: expect.stringMatching(/too many failed login attempts/) });
  });
});
