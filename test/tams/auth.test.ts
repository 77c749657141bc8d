import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tamsFlows } from '../../src/tams/flows/flows.tables.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { audioFlow, conformant, newId, tamsClient } from '../helpers/tams.js';

/** `tams-api/read` for GET/HEAD, `write` for PUT/POST, `delete` for DELETE, `admin` for service settings. */

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { LOGIN_RATE_LIMIT: '3' } });
});
afterAll(() => t.close());

async function clientToken(scopes: string[]): Promise<string> {
  const created = await t.http.post('/api/clients').set('Authorization', `Bearer ${t.adminToken}`).send({ scopes });
  expect(created.status).toBe(201);
  const token = await t.http
    .post('/oauth2/token')
    .auth(created.body.client_id, created.body.client_secret)
    .type('form')
    .send({ grant_type: 'client_credentials' });
  expect(token.status).toBe(200);
  return token.body.access_token as string;
}

const flowCount = async () => (await t.db().select({ n: count() }).from(tamsFlows))[0]!.n;

describe('TAMS authentication', () => {
  it('answers 401 in JSON, offering Bearer and Basic, without credentials or with bad ones', async () => {
    const anonymous = tamsClient(t, 'none');
    for (const res of [await anonymous.get('/flows'), await anonymous.get('/'), await anonymous.put(`/flows/${newId()}`, {})]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ type: 'Unauthorized', summary: 'authentication required' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tams", Basic realm="tams", charset="UTF-8"');
    }
    const head = await anonymous.head('/service');
    expect(head.status).toBe(401);
    const forged = await tamsClient(t, { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl' }).get('/flows');
    expect(forged.status).toBe(401);
    expect(forged.body.summary).toBe('invalid or expired token');
  });

  it('refuses a token in the access_token query parameter, saying how to send it', async () => {
    const res = conformant(await t.http.get(`/tams/flows?access_token=${t.adminToken}`));
    expect(res.status).toBe(401);
    expect(res.body.summary).toMatch(/access_token in the URL is not accepted; send the token as "Authorization: Bearer <token>"/);
    expect(JSON.stringify(t.logs)).not.toContain(t.adminToken);
  });

  it('accepts login tokens: a user reads, writes and deletes but cannot change the service', async () => {
    const bob = tamsClient(t, { token: await t.createUser('bob') });
    const id = newId();
    expect((await bob.put(`/flows/${id}`, audioFlow(id, newId()))).body.created_by).toBe('bob');
    expect((await bob.get(`/flows/${id}`)).status).toBe(200);
    const denied = await bob.post('/service', { name: 'mine' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ type: 'Forbidden', summary: 'missing scope: tams-api/admin' });
    expect((await bob.delete(`/flows/${id}`)).status).toBe(204);
  });

  it('holds OAuth2 clients to their scopes', async () => {
    const reader = tamsClient(t, { token: await clientToken(['tams-api/read']) });
    const writer = tamsClient(t, { token: await clientToken(['tams-api/read', 'tams-api/write']) });
    const id = newId();
    expect((await reader.get('/flows')).status).toBe(200);
    expect((await reader.head('/flows')).status).toBe(200);
    const before = await flowCount();
    const refused = await reader.put(`/flows/${id}`, audioFlow(id, newId()));
    expect(refused.status).toBe(403);
    expect(refused.body.summary).toBe('missing scope: tams-api/write');
    expect(await flowCount()).toBe(before);
    const created = await writer.put(`/flows/${id}`, audioFlow(id, newId()));
    expect(created.status).toBe(201);
    expect(created.body.created_by).toMatch(/^client-/);
    expect((await writer.delete(`/flows/${id}`)).status).toBe(403);
    expect((await tamsClient(t, { token: await clientToken(['tams-api/delete']) }).delete(`/flows/${id}`)).status).toBe(204);
    expect((await tamsClient(t, { token: await clientToken(['tams-api/admin']) }).post('/service', { name: 'by client' })).status).toBe(200);
  });

  it("accepts HTTP Basic with a user's username and password, as given (no form decoding)", async () => {
    const password = 'p+ss%41word 1';
    await t.createUser('carol', { password });
    const carol = tamsClient(t, { basic: ['carol', password] });
    const id = newId();
    expect((await carol.put(`/flows/${id}`, audioFlow(id, newId()))).body.created_by).toBe('carol');
    expect((await carol.get(`/flows/${id}`)).status).toBe(200);
    expect((await carol.post('/service', { name: 'x' })).status).toBe(403);
    const wrong = await tamsClient(t, { basic: ['carol', 'pass word 1'] }).get('/flows');
    expect(wrong.status).toBe(401);
    expect(wrong.body.summary).toBe('invalid username or password');
    await t.ctx.users.update('admin', 'carol', { disabled: true });
    expect((await carol.get('/flows')).status).toBe(401);
  });

  it('limits failed Basic attempts per address and username like logins (429)', async () => {
    await t.createUser('dave', { password: 'dave-password' });
    const guess = tamsClient(t, { basic: ['dave', 'guess'] });
    for (let i = 0; i < 3; i++) expect((await guess.get('/flows')).status).toBe(401);
    const limited = await guess.get('/flows');
    expect(limited.status).toBe(429);
    expect(limited.body.type).toBe('TooManyRequests');
    expect(limited.headers['retry-after']).toBeDefined();
    // Another username from the same address is not locked out.
    await t.createUser('erin', { password: 'erin-password' });
    expect((await tamsClient(t, { basic: ['erin', 'erin-password'] }).get('/flows')).status).toBe(200);
  });
});
