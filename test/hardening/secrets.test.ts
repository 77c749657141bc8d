import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { inParallel, operations, request } from './routes.js';

/**
 * Known secrets are planted (an S3 secret key, a webhook API key, a user's password, the
 * JWT and at-rest keys of the test config), then every readable route is called as an
 * administrator and as a user, and requests that fail while carrying the secrets are sent. No
 * response body or header and no log line may contain a planted secret or a password hash.
 */

const SECRETS = {
  s3Access: 'PLANTED-S3-ACCESS-KEY-7d1f',
  s3Secret: 'PLANTED-S3-SECRET-KEY-93ab',
  webhookKey: 'PLANTED-WEBHOOK-API-KEY-51c2',
  password: 'PLANTED-PASSWORD-0e6a',
  jwtSecret: 'test-jwt-secret-0123456789abcdef0123456789',
  secretsKey: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
};

let t: TestApp;
let userToken: string;
const seen: string[] = [];
const ids: Record<string, string> = {};

const record = <R extends { status: number; text?: string; headers: Record<string, unknown> }>(res: R): R => {
  seen.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text ?? ''}`);
  return res;
};

beforeAll(async () => {
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9' } });
  await t.ctx.users.create('test', { username: 'owner', password: SECRETS.password, is_admin: false });
  const ownerToken = await t.login('owner', SECRETS.password);
  userToken = await t.createUser('other-user');

  const s3 = record(await t.http.post('/api/s3cfg').set(bearer(t.adminToken)).send({ url: 'http://127.0.0.1:1', access_key: SECRETS.s3Access, secret_key: SECRETS.s3Secret }));
  expect(s3.status).toBeLessThan(300);
  ids.pk = String((s3.body as { pk: number }).pk);
  const hook = record(
    await t.http
      .post('/tams/service/webhooks')
      .set(bearer(ownerToken))
      .send({ url: 'http://127.0.0.1:9/hook', api_key_name: 'X-Key', api_key_value: SECRETS.webhookKey, events: ['flows/created'] }),
  );
  expect(hook.status).toBe(201);
  ids.webhookId = (hook.body as { id: string }).id;
  ids.username = 'owner';
  ids.client_id = (await t.ctx.clients.create('test', { scopes: ['tams-api/read'], description: 'x' })).client_id;

  // Failures that carry the secrets in their input.
  record(await t.http.post('/api/s3cfg').set(bearer(t.adminToken)).send({ url: 'http://127.0.0.1:1', access_key: SECRETS.s3Access, secret_key: SECRETS.s3Secret }));
  record(await t.http.post('/api/s3cfg').set(bearer(t.adminToken)).send({ url: 'not a url', access_key: SECRETS.s3Access, secret_key: SECRETS.s3Secret }));
  record(await t.http.put(`/api/s3cfg/${ids.pk}`).set(bearer(userToken)).send({ url: 'http://127.0.0.1:1', access_key: SECRETS.s3Access, secret_key: SECRETS.s3Secret }));
  record(await t.http.post('/api/login').send({ username: 'owner', password: `${SECRETS.password}x` }));
  record(await t.http.post('/api/login').send({ username: 'owner', password: SECRETS.password, extra: SECRETS.password }));
  record(await t.http.get('/tams/flows').auth('owner', `${SECRETS.password}x`));
  record(await t.http.get('/tams/flows').auth('owner', SECRETS.password));
  record(await t.http.get(`/tams/flows?access_token=${SECRETS.password}`));
  record(await t.http.post('/api/users').set(bearer(t.adminToken)).send({ username: 'owner', password: SECRETS.password, is_admin: false }));
  record(await t.http.post('/api/users/me/password').set(bearer(ownerToken)).send({ current_password: `${SECRETS.password}x`, new_password: SECRETS.password }));
  record(
    await t.http
      .post('/tams/service/webhooks')
      .set(bearer(ownerToken))
      .send({ url: 'http://10.0.0.1/hook', api_key_name: 'X-Key', api_key_value: SECRETS.webhookKey, events: ['flows/created'] }),
  );
  record(await t.http.put(`/tams/service/webhooks/${ids.webhookId}`).set(bearer(userToken)).send({ id: ids.webhookId, url: 'http://127.0.0.1:9/h', api_key_value: SECRETS.webhookKey, events: ['flows/created'], status: 'created' }));
});
afterAll(() => t?.close());

describe('secrets never leave the store', () => {
  test("another user sees neither the owner's webhook nor its key", async () => {
    const list = record(await t.http.get('/tams/service/webhooks').set(bearer(userToken)));
    expect(list.status).toBe(200);
    expect((list.body as { id: string }[]).map((w) => w.id)).not.toContain(ids.webhookId);
    const one = record(await t.http.get(`/tams/service/webhooks/${ids.webhookId}`).set(bearer(userToken)));
    expect([403, 404]).toContain(one.status);
  });

  test('no response to any readable route, as administrator or user, and no log line holds a secret or a password hash', async () => {
    const reads = operations(t).filter((op) => op.method === 'get' || op.method === 'head');
    expect(reads.length).toBeGreaterThan(20);
    const param = (name: string) => ids[name] ?? (name === 'pk' ? ids.pk! : 'x');
    for (const token of [t.adminToken, userToken]) {
      await inParallel(reads, 8, async (op) => {
        const path = op.basePath + op.route.path.replace(/[:*](\w+)/g, (_m, name: string) => encodeURIComponent(param(name)));
        record(await request(t, op, path).set(bearer(token)));
      });
    }
    // The events feed holds every change made above, S3 configs and webhooks included.
    const feed = record(await t.http.get('/api/events').set(bearer(t.adminToken)));
    expect((feed.body as { events: unknown[] }).events.length).toBeGreaterThan(3);

    const haystack = [...seen, ...t.logs.map((l) => JSON.stringify(l))].join('\n');
    expect(haystack).toContain(ids.webhookId);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(haystack.includes(secret), `${name} leaked`).toBe(false);
    }
    expect(haystack).not.toMatch(/\$argon2/);
    // Bearer tokens are credentials too.
    expect(t.logs.map((l) => JSON.stringify(l)).join('\n')).not.toContain(userToken);
  });
});
