import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMedia } from '../media/helpers.js';
import { bytesOf, md5, sha256, STORE_TYPES, useTransferApp, type TransferTestApp } from './helpers.js';

let x: TransferTestApp;
useTransferApp((m) => (x = m));

const fsPath = (key: string) => path.join(x.t.config.filesystemStoreRoot, 'demobucket', key);
const putContent = (pid: string, body: Buffer, headers: Record<string, string> = {}, query = '') =>
  x.t.http.put(`/api/media/${pid}/content${query}`).set(x.api.auth).set({ 'Content-Type': 'video/mp2t', ...headers }).send(body);
const getContent = (pid: string, headers: Record<string, string> = {}) =>
  x.t.http.get(`/api/media/${pid}/content`).set(x.api.auth).set(headers).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe.each(STORE_TYPES)('streaming content, %s store', (store) => {
  it('stores the raw body (READY, Content-Type kept) and streams it back with length, ETag and checksums', async () => {
    const pid = `stream-${store}`;
    await createMedia(x.t, { pid, store_config: x.stores[store] });
    const bytes = bytesOf(300_000, 9);
    const put = await putContent(pid, bytes, { 'x-checksum-sha256': sha256(bytes), 'Content-MD5': Buffer.from(md5(bytes), 'hex').toString('base64') });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toEqual({ pid, size: bytes.length, sha256: sha256(bytes), md5: md5(bytes), content_type: 'video/mp2t' });
    expect(await x.db.media(pid)).toMatchObject({ storeStatus: 'READY', size: bytes.length, sha256: sha256(bytes), contentType: 'video/mp2t' });

    const got = await getContent(pid);
    expect(got.status).toBe(200);
    expect((got.body as Buffer).equals(bytes)).toBe(true);
    expect(got.headers).toMatchObject({
      'content-type': 'video/mp2t',
      'content-length': String(bytes.length),
      etag: `"${sha256(bytes)}"`,
      'x-checksum-sha256': sha256(bytes),
      'x-checksum-md5': md5(bytes),
      'repr-digest': `sha-256=:${Buffer.from(sha256(bytes), 'hex').toString('base64')}:`,
    });

    const head = await x.t.http.head(`/api/media/${pid}/content`).set(x.api.auth);
    expect(head.status).toBe(200);
    expect(head.headers).toMatchObject({ 'content-length': String(bytes.length), etag: `"${sha256(bytes)}"` });

        const part = await getContent(pid, { Range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${bytes.length}`);
    expect((part.body as Buffer).equals(bytes.subarray(1000, 2000))).toBe(true);

    const outside = await getContent(pid, { Range: `bytes=${bytes.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${bytes.length}`);
  });

  it('keeps nothing when the body does not match its checksum header (422): PENDING stays PENDING, READY keeps its bytes', async () => {
    const pid = `mismatch-${store}`;
    await createMedia(x.t, { pid, store_config: x.stores[store] });
    const bad = await putContent(pid, Buffer.from('the bytes'), { 'x-checksum-sha256': sha256(Buffer.from('other bytes')) });
    expect(bad.status).toBe(422);
    expect((await x.db.media(pid))!.storeStatus).toBe('PENDING');

    const first = bytesOf(5000, 1);
    expect((await putContent(pid, first)).status).toBe(200);
    const second = bytesOf(5000, 2);
    const refused = await putContent(pid, second);
    expect(refused.status).toBe(409);
    const badReplace = await putContent(pid, second, { 'Content-MD5': Buffer.from(md5(first), 'hex').toString('base64') }, '?replace=true');
    expect(badReplace.status).toBe(422);
    expect(((await getContent(pid)).body as Buffer).equals(first)).toBe(true);
    expect(await x.db.media(pid)).toMatchObject({ sha256: sha256(first) });

    expect((await putContent(pid, second, {}, '?replace=true')).status).toBe(200);
    expect(((await getContent(pid)).body as Buffer).equals(second)).toBe(true);
    expect(await x.db.media(pid)).toMatchObject({ sha256: sha256(second), size: second.length });
  });
});

describe('streaming content', () => {
  it('leaves nothing behind when the client hangs up mid-body', async () => {
    const created = await createMedia(x.t, { pid: 'interrupted' });
    const url = new URL(`/api/media/interrupted/content`, x.t.baseUrl);
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PUT', headers: { ...x.api.auth, 'Content-Type': 'video/mp2t', 'Content-Length': String(10 * 1024 * 1024) } });
      req.on('error', () => resolve());
      req.write(bytesOf(256 * 1024));
      setTimeout(() => req.destroy(), 200);
    });
    // The server notices the hang-up asynchronously; its request log line says it has finished.
    const logged = () => x.t.logs.some((l) => JSON.stringify(l.req ?? '').includes('/api/media/interrupted/content'));
    await expect.poll(logged, { timeout: 5000 }).toBe(true);
    // The put's clean-up runs after the request closed.
    await expect.poll(() => readdirSync(path.dirname(fsPath(created.store_key))).filter((f) => f.startsWith('.tmp-')), { timeout: 5000 }).toEqual([]);
    expect(existsSync(fsPath(created.store_key))).toBe(false);
    expect((await x.db.media('interrupted'))!.storeStatus).toBe('PENDING');
    expect((await x.db.events('interrupted')).map((e) => e.type)).toEqual(['media.created']);
  });

  it('answers 409 for a PENDING record and 404 for an unknown one', async () => {
    await createMedia(x.t, { pid: 'content-pending' });
    expect((await getContent('content-pending')).status).toBe(409);
    expect((await getContent('content-nobody')).status).toBe(404);
    expect((await putContent('content-nobody', Buffer.from('x'))).status).toBe(404);
  });

  it('is in the OpenAPI document with a binary request body', async () => {
    const doc = (await x.t.http.get('/api/openapi.json')).body;
    const op = doc.paths['/api/media/{pid}/content'];
    expect(op.put.requestBody.content['application/octet-stream'].schema).toEqual({ type: 'string', format: 'binary' });
    expect(Object.keys(op.get.responses)).toEqual(expect.arrayContaining(['200', '206', '416']));
    expect(doc.paths['/api/upload'].post.operationId).toBe('upload');
  });

  it('stores on disk exactly the bytes sent', async () => {
    const created = await createMedia(x.t, { pid: 'on-disk' });
    const bytes = bytesOf(12345, 4);
    expect((await putContent('on-disk', bytes)).status).toBe(200);
    expect(readFileSync(fsPath(created.store_key)).equals(bytes)).toBe(true);
  });
});
