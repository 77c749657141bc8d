/**
 * What benchmarks share: a fresh migrated database (PostgreSQL when DATABASE_URL is set, else
 * in-memory PGlite) and the real app listening on a local port.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { type AppContext, createContext, ensureBootstrapAccounts } from '../src/context.js';
import { type Database, openDatabase } from '../src/db/client.js';
import { createLogger } from '../src/http/logging.js';
import { adminQuery, withDatabase } from '../test/setup/global.js';

export const silent = createLogger('silent');

export interface BenchDatabase {
  database: Database;
  url: string | undefined;
  close(): Promise<void>;
}

/** `name` tags the PostgreSQL database (ms_bench_<name>_<random>), dropped by `close`. */
export async function freshDatabase(name: string): Promise<BenchDatabase> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const database = openDatabase({});
    await database.migrate();
    return { database, url: undefined, close: () => database.close() };
  }
  const dbName = `ms_bench_${name}_${randomBytes(3).toString('hex')}`;
  await adminQuery(server, `create database ${dbName}`);
  const url = withDatabase(server, dbName);
  const database = openDatabase({ url });
  await database.migrate();
  return {
    database,
    url,
    close: async () => {
      await database.close();
      await adminQuery(server, `drop database if exists ${dbName} with (force)`);
    },
  };
}

export const BENCH_ADMIN = { username: 'admin', password: 'bench-admin-password' };

export interface BenchApp {
  ctx: AppContext;
  baseUrl: string;
  /** A bearer token of the bootstrap administrator. */
  adminToken: string;
  close(): Promise<void>;
}

/**
 * The app on `bench`'s data, listening on 127.0.0.1, with its background workers running. On
 * PostgreSQL it gets a pool of its own, as a separate process would.
 */
export async function startBenchApp(bench: BenchDatabase, env: Record<string, string> = {}): Promise<BenchApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-bench-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    PUBLIC_URL: baseUrl,
    SUPERUSER_PASSWORD: BENCH_ADMIN.password,
    JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789',
    SECRETS_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const database = bench.url ? openDatabase({ url: bench.url }) : bench.database;
  const ctx = createContext(config, database, silent);
  await ensureBootstrapAccounts(ctx);
  server.on('request', createApp(ctx));
  for (const w of ctx.workers) w.start();
  const login = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  const { token } = (await login.json()) as { token: string };
  return {
    ctx,
    baseUrl,
    adminToken: token,
    close: async () => {
      await Promise.all(ctx.workers.map((w) => w.stop()));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      if (database !== bench.database) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** p50 and p99 of a list of milliseconds. */
export function percentiles(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length * 0.5)]!, p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
}

/**
 * Load from autocannon in a child process, so that the load generator does not share the
 * server's event loop (on two cores it gets its own). `[<id>]` in the body is replaced by a
 * fresh id per request (autocannon's -I).
 */
export async function loadFromChild(options: { url: string; method?: string; headers: Record<string, string>; body?: string; connections: number; seconds: number }): Promise<LoadResult> {
  const args = ['node_modules/autocannon/autocannon.js', '-j', '-c', String(options.connections), '-d', String(options.seconds)];
  for (const [k, v] of Object.entries(options.headers)) args.push('-H', `${k}=${v}`);
  if (options.method) args.push('-m', options.method);
  if (options.body !== undefined) args.push('-b', options.body, '-I');
  const { stdout } = await promisify(execFile)(process.execPath, [...args, options.url], { maxBuffer: 16 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors from ${options.method ?? 'GET'} ${options.url}`);
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total };
}
