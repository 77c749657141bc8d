import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createContext, ensureBootstrapAccounts, type AppContext } from '../../src/context.js';
import type { Db } from '../../src/db/client.js';
import { createLogger } from '../../src/http/logging.js';
import { openTestDatabase, type TestDatabase } from './database.js';

export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' } as const;

export interface TestApp {
  ctx: AppContext;
  app: Express;
  server: Server;
  /** http://127.0.0.1:<port> of the listening server (also PUBLIC_URL). */
  baseUrl: string;
  config: Config;
  database: TestDatabase;
  /** The drizzle handle, for asserting what was stored. */
  db(): Db;
  /** Every log line the app wrote, parsed, for assertions that secrets never reach the log. */
  logs: Record<string, unknown>[];
  /** supertest bound to the real listening server. */
  http: ReturnType<typeof supertest>;
  adminToken: string;
  /** Logs in and returns a bearer token. */
  login(username: string, password: string): Promise<string>;
  /** Creates a user (admin or not) and returns a token for it. */
  createUser(username: string, options?: { admin?: boolean; password?: string }): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment for loadConfig (e.g. AMQP_URL, FILESYSTEM_STORE_ROOT). */
  env?: Record<string, string>;
  /** Reuse a database (a second replica on the same data); closed by its owner. */
  database?: TestDatabase;
  /** Start the context's background workers (event dispatch, housekeeping). */
  startWorkers?: boolean;
}

/** The real app on a real database and a real listening HTTP server, as in production. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const server = createServer();
  // Tests fetch from the same process: when the event loop stalls (PGlite, a loaded machine),
  // the server's 5 s keep-alive timer can fire just before the client reuses the socket
  // (ECONNRESET). A server that keeps idle sockets longer than fetch does avoids the race.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PUBLIC_URL: baseUrl,
    SUPERUSER_USERNAME: ADMIN.username,
    SUPERUSER_PASSWORD: ADMIN.password,
    JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789',
    SECRETS_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
    LOG_LEVEL: 'info',
    LOGIN_RATE_LIMIT: '1000',
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ownsDatabase = options.database === undefined;
  const database = options.database ?? (await openTestDatabase());
  const ctx = createContext(config, database, createLogger(config.logLevel, sink));
  await ensureBootstrapAccounts(ctx);
  const app = createApp(ctx);
  server.on('request', app);
  if (options.startWorkers) for (const w of ctx.workers) w.start();

  const http = supertest(baseUrl);
  const login = async (username: string, password: string) => {
    const res = await http.post('/api/login').send({ username, password });
    if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { token: string }).token;
  };
  const adminToken = await login(ADMIN.username, ADMIN.password);

  return {
    ctx,
    app,
    server,
    baseUrl,
    config,
    database,
    db: () => database.db,
    logs,
    http,
    adminToken,
    login,
    async createUser(username, opts = {}) {
      const password = opts.password ?? `${username}-password`;
      await ctx.users.create('test', { username, password, is_admin: opts.admin ?? false });
      return login(username, password);
    },
    async close() {
      await Promise.all(ctx.workers.map((w) => w.stop()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsDatabase) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
