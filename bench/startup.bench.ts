/**
 * Start-up time of the real entry point to the first answered request: PGlite on a fresh data
 * directory (initdb + migrations), PGlite restarted, and PostgreSQL (fresh database) when
 * DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startServerProcess, waitForOk } from '../test/helpers/process.js';
import { adminQuery, withDatabase } from '../test/setup/global.js';

async function timeStart(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = Date.now();
  const proc = startServerProcess({ ...env, PORT: String(port), HOST: '127.0.0.1', SUPERUSER_PASSWORD: 'bench-admin-pw', LOG_LEVEL: 'warn' });
  await waitForOk(`http://127.0.0.1:${port}/api/hello`, 120_000);
  const ms = Date.now() - started;
  proc.child.kill('SIGTERM');
  await proc.exited;
  return ms;
}

export async function run(): Promise<void> {
  const rows: [string, number][] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-bench-start-'));
  try {
    rows.push(['PGlite, first start (initdb + migrations)', await timeStart({ DATA_DIR: dataDir })]);
    for (let i = 1; i <= 3; i++) rows.push([`PGlite, restart #${i}`, await timeStart({ DATA_DIR: dataDir })]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `ms_bench_start_${randomBytes(3).toString('hex')}`;
    await adminQuery(url, `create database ${name}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'ms-bench-start-'));
    try {
      const env = { DATA_DIR: dir, DATABASE_URL: withDatabase(url, name) };
      rows.push(['PostgreSQL, first start (migrations)', await timeStart(env)]);
      for (let i = 1; i <= 3; i++) rows.push([`PostgreSQL, restart #${i}`, await timeStart(env)]);
    } finally {
      await adminQuery(url, `drop database if exists ${name} with (force)`);
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.log('(set DATABASE_URL to measure PostgreSQL too)');
  }
  console.log('process spawn → first 200 from GET /api/hello (includes tsx compile):');
  for (const [what, ms] of rows) console.log(`  ${what.padEnd(45)} ${String(ms).padStart(6)} ms`);
}
