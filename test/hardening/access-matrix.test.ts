import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Scope } from '../../src/auth/principal.js';
import { SCOPES } from '../../src/auth/principal.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { inParallel, operations, request, type Operation } from './routes.js';

/**
 * Every route of every route table × every kind of caller → the status its declared access
 * and scopes call for: 401 for no, bad, expired, foreign or disabled credentials, 403 (from the
 * authorisation layer, not a handler) for a role or scope the caller lacks, anything but
 * 401/403/5xx otherwise. Public routes answer the same whatever bearer credentials are sent.
 */

interface Caller {
  name: string;
  /** undefined: refused with 401 whatever the route. */
  principal?: { isAdmin: boolean; scopes: readonly Scope[] };
  /** Only this face accepts the credentials (HTTP Basic is a TAMS scheme); elsewhere 401. */
  onlyOn?: string;
  /** The credentials are a password (Basic): public routes may read them (the token endpoint does). */
  basic?: boolean;
  header?: string;
}

const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
const USER_SCOPES: Scope[] = ['tams-api/read', 'tams-api/write', 'tams-api/delete'];

let t: TestApp;
const callers: Caller[] = [];

function expected(op: Operation, caller: Caller): 401 | 403 | 'allowed' {
  const { route } = op;
  if (route.access === 'public') return 'allowed';
  const p = caller.principal;
  if (!p || (caller.onlyOn && caller.onlyOn !== op.basePath)) return 401;
  if (route.access === 'admin' && !p.isAdmin) return 403;
  if ((route.scopes ?? []).some((s) => !p.scopes.includes(s))) return 403;
  return 'allowed';
}

const send = (op: Operation, caller: Caller) => {
  const req = request(t, op);
  return caller.header ? req.set('Authorization', caller.header) : req;
};

beforeAll(async () => {
  t = await createTestApp();
  const userToken = await t.createUser('plain-user');
  const disabledToken = await t.createUser('disabled-user');
  await t.ctx.users.update('test', 'disabled-user', { disabled: true });
  const clientToken = async (scopes: Scope[]) => {
    const client = await t.ctx.clients.create('test', { scopes, description: 'matrix' });
    const res = await t.http
      .post('/oauth2/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret });
    expect(res.status).toBe(200);
    return (res.body as { access_token: string }).access_token;
  };
  const sign = (secret: string, expiresIn: number) =>
    jwt.sign({ kind: 'user', scope: SCOPES.join(' ') }, secret, { algorithm: 'HS256', subject: 'admin', issuer: 'mediastore', expiresIn });
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  callers.push(
    { name: 'anonymous' },
    { name: 'user', principal: { isAdmin: false, scopes: USER_SCOPES }, header: `Bearer ${userToken}` },
    { name: 'admin', principal: { isAdmin: true, scopes: SCOPES }, header: `Bearer ${t.adminToken}` },
    ...(await Promise.all(
      SCOPES.map(async (scope) => ({
        name: `client ${scope}`,
        principal: { isAdmin: scope === 'tams-api/admin', scopes: [scope] },
        header: `Bearer ${await clientToken([scope])}`,
      })),
    )),
    { name: 'expired token', header: `Bearer ${sign(JWT_SECRET, -60)}` },
    { name: 'token signed with another key', header: `Bearer ${sign('another-secret-0123456789abcdef0123456789', 3600)}` },
    { name: 'disabled user', header: `Bearer ${disabledToken}` },
    { name: 'garbage token', header: 'Bearer not.a.token' },
    { name: 'user by HTTP Basic', principal: { isAdmin: false, scopes: USER_SCOPES }, onlyOn: '/tams', basic: true, header: basic('plain-user', 'plain-user-password') },
    { name: 'wrong Basic password', basic: true, header: basic('plain-user', 'wrong') },
  );
});
afterAll(() => t?.close());

describe('access-control matrix', () => {
  test('every route × every caller answers the status its declared access calls for', async () => {
    const ops = operations(t);
    expect(ops.length).toBeGreaterThan(50);
    // A password check costs tens of milliseconds (argon2): Basic callers try one route of each
    // (face, method, access, scopes) class, bearer callers every route.
    const classes = new Map(ops.map((op) => [`${op.basePath} ${op.method} ${op.route.access} ${op.route.scopes?.join()}`, op]));
    const sampled = new Set(classes.values());
    const cases = ops.flatMap((op) => callers.filter((c) => !c.basic || sampled.has(op)).map((caller) => ({ op, caller })));
    const failures: string[] = [];
    await inParallel(cases, 8, async ({ op, caller }) => {
      if (op.route.access === 'public') return;
      const res = await send(op, caller);
      const want = expected(op, caller);
      const body = res.body as { error?: string; summary?: string };
      const message = body?.error ?? body?.summary ?? '';
      const where = `${op.name} as ${caller.name}: got ${res.status} ${message}`;
      if (res.status >= 500) failures.push(`${where} (server error)`);
      if (op.method !== 'head' && res.status >= 400 && !/json/.test(res.headers['content-type'] ?? '')) failures.push(`${where} (not JSON)`);
      if (want === 'allowed') {
        if (res.status === 401 || res.status === 403) failures.push(`${where}, expected to pass authorisation`);
      } else if (res.status !== want) {
        failures.push(`${where}, expected ${want}`);
      } else if (want === 403 && op.method !== 'head' && !/administrator role required|missing scope/.test(message)) {
        failures.push(`${where}, expected the authorisation layer's 403`);
      }
    });
    expect(failures).toEqual([]);
  });

  test('public routes answer the same whatever bearer credentials are sent (a stale token must not break login)', async () => {
    const publicOps = operations(t).filter((op) => op.route.access === 'public');
    expect(publicOps.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const op of publicOps) {
      const anonymous = (await send(op, callers[0]!)).status;
      for (const caller of callers.filter((c) => !c.basic)) {
        const res = await send(op, caller);
        if (res.status !== anonymous) failures.push(`${op.name} as ${caller.name}: ${res.status}, anonymous ${anonymous}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('a 401 from /tams names the schemes it accepts', async () => {
    const res = await t.http.get('/tams/flows');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });
});
