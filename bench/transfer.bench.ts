/**
 * Moving bytes: streaming upload and download of one large object (`PUT`/`GET
 * /api/media/{pid}/content`), base64 uploads of 1, 16 and 64 MiB (`POST /api/upload`), and the
 * rate at which presigned download URLs are issued, for a FilesystemStore and for S3 (s3rver,
 * in this process). The server runs as a child process (`src/server.ts`), so its peak RSS is
 * its own: the kernel's high-water mark (VmHWM), reset before each step through
 * /proc/<pid>/clear_refs.
 *
 * TRANSFER_BENCH_BYTES (default 2GiB) sizes the filesystem object; TRANSFER_BENCH_S3_BYTES
 * (default 256MiB) the S3 one. PostgreSQL when DATABASE_URL is set, else PGlite.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startS3 } from '../test/helpers/s3.js';
import { freePort, startServerProcess, waitForOk } from '../test/helpers/process.js';
import { adminQuery, withDatabase } from '../test/setup/global.js';
import { loadFromChild } from './harness.js';

const MiB = 1024 ** 2;

function bytesFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (!v) return fallback;
  const m = /^(\d+)\s*(k|m|g)?i?b?$/i.exec(v.trim());
  if (!m) throw new Error(`${name} must be a size such as 512MiB or 2GiB, got "${v}"`);
  const unit = (m[2] ?? '').toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? MiB : unit === 'g' ? 1024 * MiB : 1);
}

/** Peak resident memory of a process since the last reset, in MiB. */
class PeakRss {
  constructor(private readonly pid: number) {}
  reset(): void {
    writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
  }
  read(): number {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))![1]);
    return Math.round(kb / 1024);
  }
}

/** `size` bytes of a repeated random MiB, produced as they are sent. */
function payload(size: number): Readable {
  const block = randomBytes(MiB);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, block.length);
      left -= n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

interface Api {
  baseUrl: string;
  auth: Record<string, string>;
}

async function call(api: Api, method: string, p: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api.baseUrl}${p}`, {
    method,
    headers: { ...api.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return { status: res.status, json };
}

function streamUpload(api: Api, pid: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.baseUrl}/api/media/${pid}/content`, {
      method: 'PUT',
      headers: { ...api.auth, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT content: ${res.statusCode}`))));
    });
    req.on('error', reject);
    payload(size).pipe(req);
  });
}

function streamDownload(api: Api, pid: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.baseUrl}/api/media/${pid}/content`, { headers: api.auth });
    req.on('response', (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET content: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

interface Row {
  what: string;
  figure: string;
  rss: number;
}

async function measure<T>(rss: PeakRss, fn: () => Promise<T>): Promise<{ seconds: number; rss: number; value: T }> {
  rss.reset();
  const started = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - started) / 1000, rss: rss.read(), value };
}

async function benchStore(api: Api, rss: PeakRss, label: string, storeConfig: Record<string, string>, size: number): Promise<Row[]> {
  const rows: Row[] = [];
  const pid = `bench-${label}-${randomBytes(3).toString('hex')}`;
  await call(api, 'POST', '/api/media', { pid, pid_type: 'BENCH', store_config: storeConfig });
  const mb = size / 1e6;
  const up = await measure(rss, () => streamUpload(api, pid, size));
  rows.push({ what: `${label}: streaming upload ${size / MiB} MiB`, figure: `${(mb / up.seconds).toFixed(0)} MB/s`, rss: up.rss });
  const down = await measure(rss, () => streamDownload(api, pid));
  if (down.value !== size) throw new Error(`downloaded ${down.value} of ${size} bytes`);
  rows.push({ what: `${label}: streaming download`, figure: `${(mb / down.seconds).toFixed(0)} MB/s`, rss: down.rss });

  for (const mib of [1, 16, 64]) {
    const base64 = randomBytes(mib * MiB).toString('base64');
    const body = { mediadata: { pid_type: 'BENCH', store_config: storeConfig }, base64 };
    const b = await measure(rss, () => call(api, 'POST', '/api/upload', body));
    rows.push({ what: `${label}: base64 upload ${mib} MiB`, figure: `${b.seconds.toFixed(2)} s`, rss: b.rss });
  }

  rss.reset();
  const load = await loadFromChild({ url: `${api.baseUrl}/api/download/url/${pid}`, headers: api.auth, connections: 8, seconds: 5 });
  rows.push({ what: `${label}: presigned GET URLs issued (8 connections)`, figure: `${load.rps}/s (p99 ${load.p99} ms)`, rss: rss.read() });
  return rows;
}

export async function run(): Promise<void> {
  const fsBytes = bytesFromEnv('TRANSFER_BENCH_BYTES', 2048 * MiB);
  const s3Bytes = bytesFromEnv('TRANSFER_BENCH_S3_BYTES', 256 * MiB);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-bench-transfer-'));
  const server = process.env.DATABASE_URL;
  const dbName = `ms_bench_transfer_${randomBytes(3).toString('hex')}`;
  if (server) await adminQuery(server, `create database ${dbName}`);
  const s3 = await startS3(['bench']);
  const port = await freePort();
  const proc = startServerProcess({
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SUPERUSER_PASSWORD: 'bench-admin-password',
    LOG_LEVEL: 'warn',
    ...(server ? { DATABASE_URL: withDatabase(server, dbName) } : {}),
  });
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForOk(`${baseUrl}/api/hello`, 120_000);
    const login = await fetch(`${baseUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }) });
    const api: Api = { baseUrl, auth: { Authorization: `Bearer ${((await login.json()) as { token: string }).token}` } };
    await call(api, 'POST', '/api/identifier', { name: 'BENCH', pattern: '' });
    await call(api, 'POST', '/api/s3cfg', { url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey });
    const rss = new PeakRss(proc.child.pid!);
    rss.reset();
    const idle = rss.read();
    const rows = [
      ...(await benchStore(api, rss, 'filesystem', { type: 'FilesystemStore', bucket: 'bench', s3_url: '' }, fsBytes)),
      ...(await benchStore(api, rss, 's3rver', { type: 'BucketStore', bucket: 'bench', s3_url: s3.url }, s3Bytes)),
    ];
    console.log(`server: child process on ${server ? 'PostgreSQL' : 'PGlite'}, idle RSS ${idle} MiB; peak RSS per step (VmHWM)`);
    for (const r of rows) console.log(`  ${r.what.padEnd(52)} ${r.figure.padStart(22)}   peak RSS ${String(r.rss).padStart(5)} MiB`);
  } catch (err) {
    console.error(`server output:\n${proc.output().slice(-3000)}`);
    throw err;
  } finally {
    proc.child.kill('SIGTERM');
    await proc.exited;
    await s3.close();
    if (server) await adminQuery(server, `drop database if exists ${dbName} with (force)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
