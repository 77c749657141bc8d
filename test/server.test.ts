import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startServerProcess, waitForOk } from './helpers/process.js';
import { adminQuery, withDatabase } from './setup/global.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function login(base: string, username: string, password: string) {
  return fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
}

describe('the server process (npm start)', () => {
  it('starts with no set-up on embedded Postgres, prints a generated admin password once, keeps data across restarts, and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-server-'));
    dirs.push(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };

    const first = startServerProcess(env);
    await waitForOk(`${base}/api/hello`);
    const printed = /Created administrator "admin" with password: (\S+)/.exec(first.output())?.[1];
    expect(printed).toBeDefined();
    const saved = path.join(dataDir, 'admin-password');
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(readFileSync(saved, 'utf8').trim()).toBe(`admin:${printed}`);
    const token = ((await (await login(base, 'admin', printed!)).json()) as { token: string }).token;
    const created = await fetch(`${base}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ username: 'kept', password: 'kept-password' }),
    });
    expect(created.status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('shut down cleanly');

    const second = startServerProcess(env);
    await waitForOk(`${base}/api/hello`);
    expect(second.output()).not.toContain('Created administrator');
    expect((await login(base, 'kept', 'kept-password')).status).toBe(200);
    expect((await login(base, 'admin', printed!)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(first.output() + second.output()).not.toContain('kept-password');
  }, 120_000);

  it('ensures SUPERUSER_* and SERVICEUSER_* accounts from the environment', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-server-'));
    dirs.push(dataDir);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = startServerProcess({
      DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1',
      SUPERUSER_USERNAME: 'root', SUPERUSER_PASSWORD: 'root-password',
      SERVICEUSER_USERNAME: 'svc', SERVICEUSER_PASSWORD: 'svc-password',
    });
    await waitForOk(`${base}/api/hello`);
    expect(proc.output()).not.toContain('Created administrator');
    const rootToken = ((await (await login(base, 'root', 'root-password')).json()) as { token: string }).token;
    const svc = await fetch(`${base}/api/users/svc`, { headers: { authorization: `Bearer ${rootToken}` } });
    expect(await svc.json()).toMatchObject({ username: 'svc', is_admin: false, disabled: false });
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 120_000);

  it.runIf(process.env.DATABASE_URL)('runs on PostgreSQL: two replicas migrating one empty database at once share it', async () => {
    const serverUrl = process.env.DATABASE_URL!;
    const name = `ms_t_proc_${randomBytes(4).toString('hex')}`;
    await adminQuery(serverUrl, `create database ${name}`);
    try {
      const shared = {
        DATABASE_URL: withDatabase(serverUrl, name), HOST: '127.0.0.1',
        SUPERUSER_PASSWORD: 'replica-admin-pw', JWT_SECRET: 'j'.repeat(40), SECRETS_KEY: 'ab'.repeat(32),
      };
      const ports = [await freePort(), await freePort()];
      const procs = ports.map((port) =>
        startServerProcess({ ...shared, PORT: String(port), DATA_DIR: mkdtempSync(path.join(tmpdir(), 'ms-server-')) }),
      );
      await Promise.all(ports.map((port) => waitForOk(`http://127.0.0.1:${port}/readyz`)));
      const token = ((await (await login(`http://127.0.0.1:${ports[0]}`, 'admin', 'replica-admin-pw')).json()) as { token: string }).token;
      // a token from one replica works on the other: they share database and secrets
      const users = await fetch(`http://127.0.0.1:${ports[1]}/api/users`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await users.json()) as { users: { username: string }[] }).users.map((u) => u.username)).toEqual(['admin']);
      const migrations = await adminQuery(withDatabase(serverUrl, name), 'select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(migrations.rows[0].n).toBeGreaterThan(1);
      procs.forEach((p) => p.child.kill('SIGTERM'));
      expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
    } finally {
      await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
    }
  }, 120_000);

  it('refuses a bad configuration with one line naming the variable', async () => {
    const proc = startServerProcess({ DATA_DIR: mkdtempSync(path.join(tmpdir(), 'ms-server-')), PORT: 'eighty' });
    expect(await proc.exited).toBe(1);
    expect(proc.output().trim()).toBe('invalid configuration: PORT must be an integer >= 0, got "eighty"');
  }, 60_000);
});
