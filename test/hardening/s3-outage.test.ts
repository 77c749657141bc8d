import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3RVER_KEYS } from '../helpers/s3.js';
import { freePort } from '../helpers/process.js';
import { newId, videoFlow } from '../helpers/tams.js';
import { useMediaApp, type Client, type MediaTestApp } from '../media/helpers.js';
import { snapshot } from './snapshot.js';

/**
 * S3 going away and S3 answering errors, with a real s3rver stopped and started again on the
 * same port and directory, and a real HTTP server that answers every S3 request with 503 or
 * 500. Uploads (base64, streaming content, presigned completion, TAMS storage) fail quickly
 * with a 502 JSON error naming the store, and leave no record that nothing can clean;
 * downloads fail the same way; what was stored before is intact; all of it works again once
 * S3 is back.
 */

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff));

/** One s3rver whose port and files outlive a stop, so that "S3 comes back" is the same S3. */
class RestartableS3 {
  readonly directory = mkdtempSync(path.join(tmpdir(), 'ms-s3-outage-'));
  private server: S3rver | undefined;
  constructor(readonly port: number) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start() {
    this.server = new S3rver({ address: '127.0.0.1', port: this.port, silent: true, directory: this.directory, configureBuckets: [{ name: 'media' }, { name: 'tams' }] });
    await this.server.run();
  }
  async stop() {
    const http = (this.server as unknown as { httpServer: Server }).httpServer;
    http.closeAllConnections();
    await this.server?.close();
    this.server = undefined;
  }
  async remove() {
    if (this.server) await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** An "S3 endpoint" that answers every request with an S3 error document and this status; counts the requests. */
async function failingS3(status: number, code: string): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected</Message><RequestId>1</RequestId></Error>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

let m: MediaTestApp;
let api: Client;
const s3 = new RestartableS3(await freePort());
const STORE = () => ({ type: 'BucketStore', bucket: 'media', s3_url: s3.url });

useMediaApp(
  { types: { DEMO: '' }, env: { BASE64_UPLOAD_LIMIT: '1mb', S3_RESPONSE_TIMEOUT_MS: '1000', TAMS_STORE_TYPE: 'BucketStore', TAMS_STORE_BUCKET: 'tams', TAMS_STORE_S3_URL: s3.url } },
  (x) => ((m = x), (api = x.admin)),
);
beforeAll(async () => {
  await s3.start();
  expect((await api.post('/api/s3cfg', { url: s3.url, ...keys() })).status).toBe(200);
});
afterAll(() => s3.remove());

const keys = () => ({ access_key: S3RVER_KEYS.accessKey, secret_key: S3RVER_KEYS.secretKey });

/** A failure of the S3 side: 502, JSON, a message naming the store and what went wrong, no stack. */
function expectS3Failure(res: Response, what: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(502);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const text = JSON.stringify(res.body);
  expect(text).toMatch(what);
  expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

const upload = (pid: string, body: Buffer) => api.post('/api/upload', { mediadata: { pid, pid_type: 'DEMO', store_config: STORE() }, base64: body.toString('base64') });
const putContent = (pid: string, body: Buffer) =>
  m.t.http.put(`/api/media/${pid}/content`).set(api.auth).set('Content-Type', 'application/octet-stream').send(body);
const record = async (pid: string) => (await api.get(`/api/media/${pid}`)).body as { store_status?: string; checksums?: { sha256: string } };

describe('S3 unreachable', () => {
  const stored = { base64: bytes(3000, 1), content: bytes(5000, 2), tams: bytes(700, 3) };
  const flowId = newId();
  let tamsObject = '';

  beforeAll(async () => {
    // Stored while S3 is up: through each upload path.
    expect((await upload('kept-base64', stored.base64)).body).toMatchObject({ status: 'READY' });
    expect((await api.post('/api/media', { pid: 'kept-content', pid_type: 'DEMO', store_config: STORE() })).status).toBe(200);
    expect((await putContent('kept-content', stored.content)).status).toBe(200);
    expect((await api.put(`/tams/flows/${flowId}`, videoFlow(flowId, newId()))).status).toBe(201);
    const alloc = await api.post(`/tams/flows/${flowId}/storage`, { limit: 1 });
    expect(alloc.status, JSON.stringify(alloc.body)).toBe(201);
    const object = (alloc.body as { media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[] }).media_objects[0]!;
    const put = await fetch(object.put_url.url, { method: 'PUT', body: stored.tams, headers: { 'content-type': object.put_url['content-type'] } });
    expect(put.status).toBe(200);
    tamsObject = object.object_id;
    expect((await api.post(`/tams/flows/${flowId}/segments`, { object_id: tamsObject, timerange: '[0:0_10:0)' })).status).toBe(201);
    // A record whose bytes will be uploaded by presigned PUT and completed during the outage.
    expect((await api.post('/api/upload', { mediadata: { pid: 'presigned', pid_type: 'DEMO', store_config: STORE() } })).body).toMatchObject({ status: 'PENDING' });
    expect((await api.post('/api/media', { pid: 'pending-content', pid_type: 'DEMO', store_config: STORE() })).status).toBe(200);
    await s3.stop();
  }, 60_000);

  test('uploads fail with 502 JSON naming the store, quickly, and write nothing', { timeout: 60_000 }, async () => {
    const refused = /BucketStore \\"media\\" at http:\/\/127\.0\.0\.1:\d+: cannot reach the S3 endpoint \(ECONNREFUSED\)/;
    const before = await snapshot(m.t.db());
    const started = Date.now();
    expectS3Failure(await upload('new-base64', bytes(100, 4)), refused);
    expectS3Failure(await putContent('pending-content', bytes(2_000_000, 5)), refused);
    expectS3Failure(await api.post('/api/upload/presigned/complete'), refused);
    expect(Date.now() - started).toBeLessThan(20_000);
    // Not even the record of the base64 upload: it is created in the transaction that stores the bytes.
    expect(await snapshot(m.t.db())).toEqual(before);
    expect((await api.get('/api/media/new-base64')).status).toBe(404);
    expect(await record('pending-content')).toMatchObject({ store_status: 'PENDING' });
  });

  test('downloads fail with 502 JSON; records stay READY', async () => {
    const refused = /cannot reach the S3 endpoint \(ECONNREFUSED\)/;
    expectS3Failure(await api.get('/api/media/kept-content/content'), refused);
    expectS3Failure(await api.get('/api/download/kept-base64'), refused);
    expectS3Failure(await api.post('/api/media/kept-base64/verify'), refused);
    expect(await record('kept-base64')).toMatchObject({ store_status: 'READY', checksums: { sha256: sha256(stored.base64) } });
  });

  test('PENDING records left by the outage can be deleted while S3 is down', async () => {
    // An upload that never came (presigned PUT or streaming): DELETE removes the record without asking S3.
    expect((await api.post('/api/media', { pid: 'abandoned', pid_type: 'DEMO', store_config: STORE() })).status).toBe(200);
    expect((await api.delete('/api/media/abandoned')).status).toBe(204);
    expect((await api.get('/api/media/abandoned')).status).toBe(404);
  });

  test('TAMS: storage allocation needs no S3 call; segments and objects are still listed', async () => {
    const alloc = await api.post(`/tams/flows/${flowId}/storage`, { limit: 1 });
    expect(alloc.status, JSON.stringify(alloc.body)).toBe(201);
    const segments = await api.get(`/tams/flows/${flowId}/segments`);
    expect(segments.status).toBe(200);
    expect((segments.body as { object_id: string }[]).map((s) => s.object_id)).toEqual([tamsObject]);
    expect((await api.get(`/tams/objects/${tamsObject}`)).status).toBe(200);
  });

  test('when S3 is back, everything stored before is intact and uploads work again', { timeout: 60_000 }, async () => {
    await s3.start();
    const kept = await fetch(`${m.t.baseUrl}/api/media/kept-content/content`, { headers: api.auth });
    expect(kept.status).toBe(200);
    expect(sha256(Buffer.from(await kept.arrayBuffer()))).toBe(sha256(stored.content));
    expect((await api.get('/api/download/kept-base64')).body).toMatchObject({ base64: stored.base64.toString('base64') });
    const segments = (await api.get(`/tams/flows/${flowId}/segments`)).body as { get_urls: { url: string }[] }[];
    const got = Buffer.from(await (await fetch(segments[0]!.get_urls[0]!.url)).arrayBuffer());
    expect(got).toEqual(stored.tams);
    // The uploads refused during the outage succeed now.
    expect((await upload('new-base64', bytes(100, 4))).body).toMatchObject({ status: 'READY' });
    expect((await putContent('pending-content', bytes(100, 5))).status).toBe(200);
    const url = (await api.post('/api/upload', { mediadata: { pid: 'presigned-2', pid_type: 'DEMO', store_config: STORE() } })).body as { presigned_put: string };
    expect((await fetch(url.presigned_put, { method: 'PUT', body: bytes(64, 6) })).status).toBe(200);
    const done = await api.post('/api/upload/presigned-2/complete');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ store_status: 'READY', size: 64 });
  });

  test('the response timeout (1 s here) does not cut a download whose reader pauses longer', { timeout: 60_000 }, async () => {
    const big = bytes(12 * 1024 * 1024, 8);
    expect((await api.post('/api/media', { pid: 'big', pid_type: 'DEMO', store_config: STORE() })).status).toBe(200);
    expect((await putContent('big', big)).status).toBe(200);
    const res = await fetch(`${m.t.baseUrl}/api/media/big/content`, { headers: api.auth });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [(await reader.read()).value!];
    await new Promise((r) => setTimeout(r, 2_500));
    for (let c = await reader.read(); !c.done; c = await reader.read()) chunks.push(c.value);
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(big));
  });
});

describe('S3 answering errors', () => {
  for (const [status, code] of [[503, 'SlowDown'], [500, 'InternalError']] as const) {
    test(`${status} ${code}: uploads and downloads answer 502 JSON quickly, nothing is written`, { timeout: 60_000 }, async () => {
      const failing = await failingS3(status, code);
      try {
        expect((await api.post('/api/s3cfg', { url: failing.url, ...keys() })).status).toBe(200);
        const store = { type: 'BucketStore', bucket: 'media', s3_url: failing.url };
        const pid = `failing-${status}`;
        expect((await api.post('/api/media', { pid, pid_type: 'DEMO', store_config: store })).status).toBe(200);
        const before = await snapshot(m.t.db());
        const started = Date.now();
        const what = new RegExp(`the S3 service failed \\(${code}\\)`);
        expectS3Failure(await api.post('/api/upload', { mediadata: { pid: `${pid}-b64`, pid_type: 'DEMO', store_config: store }, base64: 'AAAA' }), what);
        expectS3Failure(await m.t.http.put(`/api/media/${pid}/content`).set(api.auth).set('Content-Type', 'application/octet-stream').send(bytes(300, 7)), what);
        expectS3Failure(await api.post(`/api/upload/${pid}/complete`), /the S3 service failed \((SlowDown|InternalError|HTTP \d+)\)/);
        expect(Date.now() - started).toBeLessThan(30_000);
        expect(failing.hits()).toBeGreaterThan(0);
        expect(await snapshot(m.t.db())).toEqual(before);
        expect((await api.delete(`/api/media/${pid}`)).status).toBe(204);
      } finally {
        await failing.close();
      }
    });
  }
});

describe('S3 that accepts connections and never answers', () => {
  test('uploads, completion and downloads answer 502 JSON within the response timeout, nothing is written', { timeout: 60_000 }, async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // reads the requests, answers none
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      expect((await api.post('/api/s3cfg', { url, ...keys() })).status).toBe(200);
      const store = { type: 'BucketStore', bucket: 'media', s3_url: url };
      expect((await api.post('/api/media', { pid: 'silent', pid_type: 'DEMO', store_config: store })).status).toBe(200);
      const before = await snapshot(m.t.db());
      const started = Date.now();
      const what = /cannot reach the S3 endpoint \((ETIMEDOUT|TimeoutError)\)/;
      expectS3Failure(await api.post('/api/upload', { mediadata: { pid: 'silent-b64', pid_type: 'DEMO', store_config: store }, base64: 'AAAA' }), what);
      expectS3Failure(await m.t.http.put('/api/media/silent/content').set(api.auth).set('Content-Type', 'application/octet-stream').send(bytes(300, 7)), what);
      expectS3Failure(await api.post('/api/upload/silent/complete'), what);
      // Three calls, each at most three attempts of 1 s (S3_RESPONSE_TIMEOUT_MS) plus the SDK's backoff.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await snapshot(m.t.db())).toEqual(before);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
