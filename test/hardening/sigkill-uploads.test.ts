import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createS3Client } from '../../src/stores/s3.js';
import { TEMP_PREFIX } from '../../src/stores/keys.js';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { freePort, startServerProcess, waitForOk, type ServerProcess } from '../helpers/process.js';
import { startS3, type TestS3 } from '../helpers/s3.js';

/**
 * The server process killed with SIGKILL while streaming uploads into the filesystem store and
 * into S3 are half sent, and while a flow delete request is half done. After a restart: no
 * object under a final name for an upload that did not finish (the filesystem store's temp
 * file is left for its sweep, S3 never completed the multipart upload), every READY record's
 * bytes are there with its checksum, the interrupted records are PENDING and take an upload,
 * and the delete request resumes and finishes with every segment's deletion reported once.
 * On a private PostgreSQL and an in-process s3rver (which outlives the server).
 */

const bin = postgresBin();
if (!bin) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 but initdb was not found under /usr/lib/postgresql/*/bin');
  console.warn('SKIPPED SIGKILL upload tests: initdb not found under /usr/lib/postgresql/*/bin');
}

const SEGMENTS = 2000;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

let db: PrivatePostgres;
let s3: TestS3;
let dataDir: string;
const servers: ServerProcess[] = [];
beforeAll(async () => {
  if (!bin) return;
  [db, s3] = await Promise.all([startPrivatePostgres(bin), startS3(['media'])]);
  dataDir = mkdtempSync(path.join(tmpdir(), 'ms-kill-up-'));
}, 120_000);
afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  db?.remove();
  await s3?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A PUT whose body is sent slowly and never finished: the request is in progress when the server dies. */
function endlessUpload(url: string, token: string, chunk: number): { sent: () => number; req: ClientRequest } {
  const req = httpRequest(url, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } });
  req.on('error', () => undefined); // the server is killed under it
  let sent = 0;
  const timer = setInterval(() => {
    if (req.destroyed) return clearInterval(timer);
    req.write(bytes(chunk, sent));
    sent += chunk;
  }, 20);
  req.on('close', () => clearInterval(timer));
  return { sent: () => sent, req };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!bin)('SIGKILL during uploads and a flow deletion', () => {
  test('after a restart no half object has a final name, READY bytes are intact, and the delete request finishes', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const storeRoot = path.join(dataDir, 'stores');
    const env = {
      PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'warn', FILESYSTEM_STORE_ROOT: storeRoot,
      SUPERUSER_USERNAME: 'admin', SUPERUSER_PASSWORD: 'admin-password-kill', TAMS_INLINE_DELETE_LIMIT: '10', TAMS_DELETE_BATCH_SIZE: '2',
    };
    const start = async () => {
      const server = startServerProcess(env);
      servers.push(server);
      await waitForOk(`${base}/api/hello`, 90_000);
      return server;
    };
    const first = await start();
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-kill' }) });
    const { token } = (await login.json()) as { token: string };
    const call = async (method: string, p: string, body?: unknown, contentType = 'application/json') => {
      const res = await fetch(`${base}${p}`, {
        method, headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as Record<string, unknown> };
    };
    const stores = { fs: { type: 'FilesystemStore', bucket: 'kill', s3_url: '' }, s3: { type: 'BucketStore', bucket: 'media', s3_url: s3.url } };
    expect((await call('POST', '/api/identifier', { name: 'DEMO', pattern: '' })).status).toBe(200);
    expect((await call('POST', '/api/s3cfg', { url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey })).status).toBe(200);
    const create = async (pid: string, store: keyof typeof stores) => expect((await call('POST', '/api/media', { pid, pid_type: 'DEMO', store_config: stores[store] })).status).toBe(200);
    for (const store of ['fs', 's3'] as const) {
      await create(`done-${store}`, store);
      expect((await call('PUT', `/api/media/done-${store}/content`, bytes(300_000, 1), 'application/octet-stream')).status).toBe(200);
      for (const i of [1, 2]) await create(`cut-${store}-${i}`, store);
    }

    // A flow of SEGMENTS one-second segments (one object, shifted by ts_offset), deleted by a delete request.
    const flowId = crypto.randomUUID();
    const flow = { id: flowId, source_id: crypto.randomUUID(), format: 'urn:x-nmos:format:audio', codec: 'audio/aac', container: 'audio/aac', essence_parameters: { sample_rate: 48000, channels: 2 } };
    expect((await call('PUT', `/tams/flows/${flowId}`, flow)).status).toBe(201);
    const object = ((await call('POST', `/tams/flows/${flowId}/storage`, { limit: 1 })).body.media_objects as { object_id: string }[])[0]!.object_id;
    for (let from = 0; from < SEGMENTS; from += 500) {
      const bulk = Array.from({ length: 500 }, (_, i) => ({ object_id: object, timerange: `[${from + i}:0_${from + i + 1}:0)`, ts_offset: `${from + i}:0`, object_timerange: '[0:0_1:0)' }));
      const res = await call('POST', `/tams/flows/${flowId}/segments`, bulk);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    }

    // Uploads half sent: the filesystem ones are being written to temp files, the S3 ones past their first 8 MiB part.
    const uploads = [
      ...[1, 2].map((i) => endlessUpload(`${base}/api/media/cut-fs-${i}/content`, token, 64 * 1024)),
      ...[1, 2].map((i) => endlessUpload(`${base}/api/media/cut-s3-${i}/content`, token, 1024 * 1024)),
    ];
    const temps = () => (existsSync(path.join(storeRoot, 'kill')) ? readdirSync(path.join(storeRoot, 'kill')).filter((f) => f.startsWith(TEMP_PREFIX)) : []);
    await until('temp files of the filesystem uploads', () => temps().length === 2);
    await until('12 MiB sent to each S3 upload', () => uploads.slice(2).every((u) => u.sent() >= 12 * 1024 * 1024));

    // Watched in the database (not through the busy server) so that the kill comes right after the first batches.
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    const deletion = await call('DELETE', `/tams/flows/${flowId}`);
    expect(deletion.status).toBe(202);
    const requestId = deletion.body.id as string;
    let atKill: Record<string, unknown> = {};
    await until('the delete request half done', async () => {
      atKill = (await watcher.query('select status, timerange_remaining from tams_delete_requests where id = $1', [requestId])).rows[0] as Record<string, unknown>;
      return atKill.timerange_remaining !== '_';
    });
    first.child.kill('SIGKILL');
    await watcher.end();
    await first.exited;
    for (const u of uploads) u.req.destroy();
    expect(atKill.status, `the delete request finished before the kill: ${JSON.stringify(atKill)}`).not.toBe('done');

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const q = async <T>(text: string) => (await client.query(text)).rows as T[];
      const records = await q<{ pid: string; store_status: string; store_key: string; size: string | null }>("select pid, store_status, store_key, size from media where pid_type = 'DEMO' order by pid");
      const byPid = Object.fromEntries(records.map((r) => [r.pid, r]));
      // Interrupted uploads: still PENDING, nothing under the final name.
      for (const i of [1, 2]) {
        expect(byPid[`cut-fs-${i}`]).toMatchObject({ store_status: 'PENDING', size: null });
        expect(existsSync(path.join(storeRoot, 'kill', byPid[`cut-fs-${i}`]!.store_key))).toBe(false);
        expect(byPid[`cut-s3-${i}`]).toMatchObject({ store_status: 'PENDING', size: null });
        const head = createS3Client(s3).send(new HeadObjectCommand({ Bucket: 'media', Key: byPid[`cut-s3-${i}`]!.store_key }));
        await expect(head).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
      }
      // The filesystem store's temp files are still there, for the sweep (FilesystemStore temp sweep, files older than an hour).
      expect(temps()).toHaveLength(2);
      // The lease of the killed worker would lapse after 60 s; it is moved to the past instead of waiting.
      await client.query("update tams_delete_requests set lease_until = now() - interval '1 second' where status in ('created', 'started')");
    } finally {
      await client.end();
    }

    await start();
    // Every READY record's bytes are there and match its checksum.
    for (const store of ['fs', 's3']) {
      const res = await fetch(`${base}/api/media/done-${store}/content`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bytes(300_000, 1)));
    }
    // The interrupted records take a complete upload now.
    for (const pid of ['cut-fs-1', 'cut-s3-1']) {
      const res = await call('PUT', `/api/media/${pid}/content`, bytes(1000, 2), 'application/octet-stream');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.sha256).toBe(sha256(bytes(1000, 2)));
    }

    // The delete request resumes and finishes; the flow, its segments and the object are gone.
    let final: Record<string, unknown> = {};
    await until('the delete request to finish after the restart', async () => {
      final = (await call('GET', `/tams/flow-delete-requests/${requestId}`)).body;
      return final.status === 'done' || final.status === 'error';
    }, 60_000);
    expect(final).toMatchObject({ status: 'done', timerange_remaining: '()' });
    expect((await call('GET', `/tams/flows/${flowId}`)).status).toBe(404);
    expect((await call('GET', `/tams/objects/${object}`)).status).toBe(404);

    const after = new pg.Client({ connectionString: db.url });
    await after.connect();
    try {
      expect((await after.query('select count(*)::int as n from tams_segments where flow_id = $1', [flowId])).rows[0].n).toBe(0);
      // Every segment's deletion reported exactly once (the batches before and after the kill), then the flow's.
      const events = (await after.query("select type, payload from event_outbox where subject = $1 and type like 'tams.flows.%' order by seq", [flowId])).rows as { type: string; payload: { event: { timerange?: string } } }[];
      const deletedRanges = events.filter((e) => e.type === 'tams.flows.segments_deleted').map((e) => e.payload.event.timerange!);
      const seconds = deletedRanges.flatMap((r) => {
        const m = /^\[(\d+):0_(\d+):0\)$/.exec(r);
        if (!m) throw new Error(`unexpected timerange ${r}`);
        return Array.from({ length: Number(m[2]) - Number(m[1]) }, (_, i) => Number(m[1]) + i);
      });
      expect(seconds.sort((a, b) => a - b)).toEqual(Array.from({ length: SEGMENTS }, (_, i) => i));
      expect(events.filter((e) => e.type === 'tams.flows.deleted')).toHaveLength(1);
      expect(events.at(-1)!.type).toBe('tams.flows.deleted');
    } finally {
      await after.end();
    }
  });
});
