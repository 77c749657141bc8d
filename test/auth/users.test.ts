import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/auth/auth.tables.js';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let userToken: string;
beforeAll(async () => {
  t = await createTestApp();
  userToken = await t.createUser('erin');
});
afterAll(() => t.close());

const storedUser = async (username: string) =>
  (await t.db().select().from(users).where(eq(users.username, username)))[0];

describe('user management (admin)', () => {
  it('creates a user, stores only an argon2id hash, and records an event without the password', async () => {
    const res = await t.http
      .post('/api/users')
      .set(bearer(t.adminToken))
      .set('X-Request-Id', 'create-frank')
      .send({ username: 'frank', password: 'frank-password' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: 'frank', is_admin: false, disabled: false });
    expect(res.body).not.toHaveProperty('password');
    expect(res.headers['x-request-id']).toBe('create-frank');
    const row = await storedUser('frank');
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    const events = await t.db().select().from(eventOutbox).where(eq(eventOutbox.subject, 'frank'));
    expect(events.map((e) => e.type)).toEqual(['user.created']);
    expect(events[0]!.actor).toBe('admin');
    expect(JSON.stringify(events[0]!.payload)).not.toContain('frank-password');
    expect(await t.login('frank', 'frank-password')).toMatch(/^ey/);
  });

  it('refuses a taken username with 409 and leaves the original untouched', async () => {
    const before = await storedUser('erin');
    const res = await t.http.post('/api/users').set(bearer(t.adminToken)).send({ username: 'erin', password: 'another-password' });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('user erin already exists');
    expect(await storedUser('erin')).toEqual(before);
  });

  it('rejects unknown fields and bad usernames with 422 naming the field', async () => {
    const extra = await t.http.post('/api/users').set(bearer(t.adminToken)).send({ username: 'gina', password: 'gina-password', role: 'root' });
    expect(extra.status).toBe(422);
    expect(JSON.stringify(extra.body.detail)).toContain('role');
    const bad = await t.http.post('/api/users').set(bearer(t.adminToken)).send({ username: "x'; drop table users; --", password: 'whatever-123' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(['body', 'username']);
    expect(await storedUser('gina')).toBeUndefined();
  });

  it('lists users in pages by username', async () => {
    const first = await t.http.get('/api/users?limit=2').set(bearer(t.adminToken));
    expect(first.status).toBe(200);
    expect(first.body.users).toHaveLength(2);
    const next = await t.http.get(`/api/users?limit=2&cursor=${first.body.next_cursor}`).set(bearer(t.adminToken));
    const names = [...first.body.users, ...next.body.users].map((u: { username: string }) => u.username);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('gets, updates and deletes a user', async () => {
    await t.createUser('hank');
    const got = await t.http.get('/api/users/hank').set(bearer(t.adminToken));
    expect(got.body).toMatchObject({ username: 'hank', is_admin: false });
    const patched = await t.http.patch('/api/users/hank').set(bearer(t.adminToken)).send({ is_admin: true });
    expect(patched.body.is_admin).toBe(true);
    expect((await storedUser('hank'))?.isAdmin).toBe(true);
    expect((await t.http.delete('/api/users/hank').set(bearer(t.adminToken))).status).toBe(204);
    expect(await storedUser('hank')).toBeUndefined();
    const gone = await t.http.get('/api/users/hank').set(bearer(t.adminToken));
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('user hank not found');
  });

  it('keeps at least one active administrator', async () => {
    const res = await t.http.patch('/api/users/admin').set(bearer(t.adminToken)).send({ disabled: true });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/last active administrator/);
    expect((await storedUser('admin'))?.disabled).toBe(false);
  });

  it('answers 403 to non-admins on every admin endpoint', async () => {
    for (const [method, path] of [
      ['get', '/api/users'], ['post', '/api/users'], ['get', '/api/users/erin'],
      ['patch', '/api/users/erin'], ['delete', '/api/users/erin'], ['get', '/api/clients'],
    ] as const) {
      const res = await t.http[method](path).set(bearer(userToken)).send({});
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toBe('administrator role required');
    }
  });
});

describe('POST /api/users/me/password', () => {
  it('changes the own password after checking the current one', async () => {
    const token = await t.createUser('ivy', { password: 'ivy-old-password' });
    const wrong = await t.http.post('/api/users/me/password').set(bearer(token)).send({ current_password: 'nope', new_password: 'ivy-new-password' });
    expect(wrong.status).toBe(401);
    const ok = await t.http.post('/api/users/me/password').set(bearer(token)).send({ current_password: 'ivy-old-password', new_password: 'ivy-new-password' });
    expect(ok.status).toBe(204);
    await expect(t.login('ivy', 'ivy-old-password')).rejects.toThrow(/401/);
    expect(await t.login('ivy', 'ivy-new-password')).toMatch(/^ey/);
  });
});
