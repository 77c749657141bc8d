import jwt from 'jsonwebtoken';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClients } from '../../src/auth/auth.tables.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let reader: { client_id: string; client_secret: string };
beforeAll(async () => {
  t = await createTestApp({ env: { OAUTH_CLIENT_ID: 'env-client', OAUTH_CLIENT_SECRET: 'env-client-secret' } });
  const res = await t.http
    .post('/api/clients')
    .set(bearer(t.adminToken))
    .send({ client_id: 'reader', scopes: ['tams-api/read', 'tams-api/write'], description: 'ingest robot' });
  reader = res.body;
});
afterAll(() => t.close());

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('API clients (admin)', () => {
  it('shows the secret once and stores only its hash', async () => {
    expect(reader).toMatchObject({ client_id: 'reader', scopes: ['tams-api/read', 'tams-api/write'], disabled: false, created_by: 'admin' });
    expect(reader.client_secret.length).toBeGreaterThanOrEqual(40);
    const [row] = await t.db().select().from(apiClients).where(eq(apiClients.clientId, 'reader'));
    expect(row!.secretHash).toMatch(/^\$argon2id\$/);
    expect(row!.secretHash).not.toContain(reader.client_secret);
    const listed = await t.http.get('/api/clients').set(bearer(t.adminToken));
    expect(listed.body.clients.map((c: { client_id: string }) => c.client_id)).toEqual(['env-client', 'reader']);
    expect(JSON.stringify(listed.body)).not.toContain('secret_hash');
    expect(JSON.stringify(listed.body)).not.toContain(reader.client_secret);
  });

  it('ensures the client named by OAUTH_CLIENT_ID with every scope', async () => {
    const res = await t.http.get('/api/clients/env-client').set(bearer(t.adminToken));
    expect(res.body.scopes).toEqual(['tams-api/read', 'tams-api/write', 'tams-api/delete', 'tams-api/admin']);
  });
});

describe('POST /oauth2/token', () => {
  it('issues a token with client_secret_basic, usable on /api', async () => {
    const res = await t.http.post('/oauth2/token').set('Authorization', basic(reader.client_id, reader.client_secret)).type('form').send({ grant_type: 'client_credentials' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'tams-api/read tams-api/write' });
    expect((jwt.decode(res.body.access_token) as jwt.JwtPayload).sub).toBe('reader');
    expect((await t.http.get('/api/hello').set(bearer(res.body.access_token))).status).toBe(200);
    // a client without tams-api/admin is not an administrator
    expect((await t.http.get('/api/users').set(bearer(res.body.access_token))).status).toBe(403);
  });

  it('issues a token with client_secret_post and a narrowed scope', async () => {
    const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: reader.client_id, client_secret: reader.client_secret, scope: 'tams-api/read' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('tams-api/read');
  });

  it('gives an admin-scoped client administrator rights', async () => {
    const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: 'env-client', client_secret: 'env-client-secret' });
    expect((await t.http.get('/api/users').set(bearer(res.body.access_token))).status).toBe(200);
  });

  it('answers errors exactly as RFC 6749 §5.2', async () => {
    const cases: [Record<string, string>, Record<string, string>, number, string][] = [
      [{}, { grant_type: 'client_credentials', client_id: 'reader', client_secret: 'wrong' }, 401, 'invalid_client'],
      [{}, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }, 401, 'invalid_client'],
      [{}, { grant_type: 'client_credentials' }, 401, 'invalid_client'],
      [{}, { client_id: 'reader', client_secret: reader.client_secret }, 400, 'invalid_request'],
      [{}, { grant_type: 'password', client_id: 'reader', client_secret: reader.client_secret }, 400, 'unsupported_grant_type'],
      [{}, { grant_type: 'client_credentials', client_id: 'reader', client_secret: reader.client_secret, scope: 'tams-api/delete' }, 400, 'invalid_scope'],
      [{ Authorization: basic('reader', reader.client_secret) }, { grant_type: 'client_credentials', client_id: 'reader' }, 400, 'invalid_request'],
    ];
    for (const [headers, form, status, error] of cases) {
      const res = await t.http.post('/oauth2/token').set(headers).type('form').send(form);
      expect(res.status, JSON.stringify(form)).toBe(status);
      expect(res.body.error).toBe(error);
      expect(typeof res.body.error_description).toBe('string');
      expect(res.body).not.toHaveProperty('access_token');
    }
    const wrongBasic = await t.http.post('/oauth2/token').set('Authorization', basic('reader', 'nope')).type('form').send({ grant_type: 'client_credentials' });
    expect(wrongBasic.status).toBe(401);
    expect(wrongBasic.headers['www-authenticate']).toMatch(/^Basic/);
    const json = await t.http.post('/oauth2/token').send({ grant_type: 'client_credentials' });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
  });

  it('stops issuing and honouring tokens once the client is disabled', async () => {
    const { body } = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: 'reader', client_secret: reader.client_secret });
    await t.http.patch('/api/clients/reader').set(bearer(t.adminToken)).send({ disabled: true }).expect(200);
    expect((await t.http.get('/api/hello').set(bearer(body.access_token))).status).toBe(200); // public
    const res = await t.http.post('/api/users/me/password').set(bearer(body.access_token)).send({ current_password: 'x', new_password: 'yyyyyyyy' });
    expect(res.status).toBe(401);
    const again = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'client_credentials', client_id: 'reader', client_secret: reader.client_secret });
    expect(again.status).toBe(401);
    expect(JSON.stringify(t.logs)).not.toContain(reader.client_secret);
  });
});
