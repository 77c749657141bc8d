import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, bearer, createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { LOGIN_RATE_LIMIT: '5', JWT_EXPIRES_IN: '120' } });
});
afterAll(() => t.close());

describe('POST /api/login', () => {
  it('returns a JWT for the right credentials that opens authenticated endpoints', async () => {
    const res = await t.http.post('/api/login').send({ username: ADMIN.username, password: ADMIN.password });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const token = res.body.token as string;
    const claims = jwt.decode(token) as jwt.JwtPayload;
    expect(claims.sub).toBe('admin');
    expect(claims.exp! - claims.iat!).toBe(120);
    const users = await t.http.get('/api/users').set(bearer(token));
    expect(users.status).toBe(200);
    expect(users.body.users.map((u: { username: string }) => u.username)).toContain('admin');
  });

  it('accepts a form-encoded body too', async () => {
    const res = await t.http.post('/api/login').type('form').send({ username: ADMIN.username, password: ADMIN.password });
    expect(res.status).toBe(200);
    expect(typeof res.body.token).toBe('string');
  });

  it('answers 401 with an error for a wrong password or an unknown user, without saying which', async () => {
    const wrong = await t.http.post('/api/login').send({ username: ADMIN.username, password: 'nope-nope' });
    const unknown = await t.http.post('/api/login').send({ username: 'ghost', password: 'nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toBe('invalid username or password');
    expect(unknown.body).toEqual(wrong.body);
  });

  it('names the missing field with 422 when the body is incomplete', async () => {
    const res = await t.http.post('/api/login').send({ username: 'admin' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'password'] })]);
  });

  it('limits failed attempts per address and username, and not other users', async () => {
    await t.createUser('carol', { password: 'carol-password' });
    for (let i = 0; i < 5; i++) {
      expect((await t.http.post('/api/login').send({ username: 'carol', password: 'bad-guess' })).status).toBe(401);
    }
    const limited = await t.http.post('/api/login').send({ username: 'carol', password: 'carol-password' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatch(/too many failed login attempts/);
    expect(limited.headers['retry-after']).toBeDefined();
    const other = await t.http.post('/api/login').send({ username: ADMIN.username, password: ADMIN.password });
    expect(other.status).toBe(200);
  });
});

describe('bearer tokens', () => {
  it('refuses a missing, malformed, foreign-signed or expired token with 401 JSON', async () => {
    const none = await t.http.get('/api/users');
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('authentication required');
    expect(none.headers['www-authenticate']).toBe('Bearer');

    const malformed = await t.http.get('/api/users').set('Authorization', 'Token abc');
    expect(malformed.status).toBe(401);

    const foreign = jwt.sign({ kind: 'user', scope: '' }, 'another-key-another-key-another-key!!', {
      subject: 'admin', issuer: 'mediastore', expiresIn: 60,
    });
    expect((await t.http.get('/api/users').set(bearer(foreign))).status).toBe(401);

    const expired = jwt.sign({ kind: 'user', scope: '', exp: Math.floor(Date.now() / 1000) - 10 }, t.config.jwtSecret, {
      subject: 'admin', issuer: 'mediastore',
    });
    const res = await t.http.get('/api/users').set(bearer(expired));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid or expired token');
  });

  it('stops working as soon as the user is disabled', async () => {
    const token = await t.createUser('dave');
    expect((await t.http.get('/api/hello').set(bearer(token))).status).toBe(200);
    await t.http.patch('/api/users/dave').set(bearer(t.adminToken)).send({ disabled: true }).expect(200);
    const res = await t.http.post('/api/users/me/password').set(bearer(token)).send({ current_password: 'dave-password', new_password: 'whatever-else' });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/disabled or removed/);
  });

  it('never writes passwords or tokens to the log', async () => {
    const logged = JSON.stringify(t.logs);
    expect(logged).not.toContain(ADMIN.password);
    expect(logged).not.toContain(t.adminToken);
    expect(logged).toContain('"url":"/api/login"');
  });
});
