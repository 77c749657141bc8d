import { describe, expect, it } from 'vitest';
import { bytesOf, md5, sha256, STORE_TYPES, useTransferApp, type TransferTestApp } from './helpers.js';

let x: TransferTestApp;
useTransferApp((m) => (x = m));

const upload = (pid: string, store: keyof TransferTestApp['stores'], extra: Record<string, unknown> = {}) =>
  x.api.post('/api/upload', { mediadata: { pid, pid_type: 'DEMO', store_config: x.stores[store] }, ...extra });

describe.each(STORE_TYPES)('%s store', (store) => {
  it('round-trips base64 bytes: READY with size and checksums, the same bytes back', async () => {
    const bytes = bytesOf(100_000, 3);
    const res = await upload(`b64-${store}`, store, { base64: bytes.toString('base64'), content_type: 'video/mp2t' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: 'READY', presigned_put: null, pid: `b64-${store}`, expires: null });
    expect(await x.db.media(`b64-${store}`)).toMatchObject({ storeStatus: 'READY', size: bytes.length, sha256: sha256(bytes), md5: md5(bytes), contentType: 'video/mp2t' });

    const down = await x.api.get(`/api/download/b64-${store}`);
    expect(down.status).toBe(200);
    expect(Buffer.from(down.body.base64, 'base64').equals(bytes)).toBe(true);
    expect(down.body.mediadata).toMatchObject({ pid: `b64-${store}`, store_status: 'READY', checksums: { sha256: sha256(bytes), md5: md5(bytes) } });
    expect((await x.db.events(`b64-${store}`)).map((e) => e.type)).toEqual(['media.created', 'media.stored']);
  });

  it('hands out a presigned PUT that a plain fetch uploads to, and a presigned GET that returns the bytes', async () => {
    const pid = `presigned-${store}`;
    const bytes = bytesOf(70_000, 5);
    const res = await upload(pid, store);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'PENDING', pid, presigned_put: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//) });
    expect((await x.db.media(pid))!.storeStatus).toBe('PENDING');
    expect((await x.api.get(`/api/download/url/${pid}`)).status).toBe(409);

    const put = await fetch(res.body.presigned_put, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    if (store === 's3') {
      expect((await x.db.media(pid))!.storeStatus).toBe('PENDING');
      const done = await x.api.post(`/api/upload/${pid}/complete`);
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body).toMatchObject({ store_status: 'READY', size: bytes.length });
    }
    expect(await x.db.media(pid)).toMatchObject({ storeStatus: 'READY', size: bytes.length, sha256: sha256(bytes), md5: md5(bytes) });

    const url = await x.api.get(`/api/download/url/${pid}`);
    expect(url.status).toBe(200);
    const got = await fetch(url.body.presigned_get);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('creates nothing when the bytes do not match the checksums given in the body (422)', async () => {
    const pid = `bad-sum-${store}`;
    const before = await x.db.counts();
    const res = await upload(pid, store, { base64: Buffer.from('hello').toString('base64'), checksums: { sha256: sha256(Buffer.from('other')) } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/^checksum mismatch, nothing was stored: sha256: expected/);
    expect(await x.db.media(pid)).toBeUndefined();
    expect(await x.db.counts()).toEqual(before);
  });
});

describe('POST /api/upload', () => {
  it('refuses a body over BASE64_UPLOAD_LIMIT with 413 naming the limit', async () => {
    const res = await upload('too-big', 'filesystem', { base64: 'A'.repeat(x.t.config.base64UploadLimit) });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe(`request body exceeds the limit of ${x.t.config.base64UploadLimit} bytes`);
    expect(await x.db.media('too-big')).toBeUndefined();
  });

  it('refuses malformed base64 (422 naming the field) and creates nothing', async () => {
    const res = await upload('bad-b64', 'filesystem', { base64: 'not base64!' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([{ loc: ['body', 'base64'], msg: expect.stringMatching(/^must be base64/), type: 'value_error' }]);
    expect(await x.db.media('bad-b64')).toBeUndefined();
  });

  it('leaves no record when the store refuses the bytes (missing bucket: 422)', async () => {
    const before = await x.db.counts();
    const res = await x.api.post('/api/upload', {
      mediadata: { pid: 'no-bucket', pid_type: 'DEMO', store_config: { ...x.stores.s3, bucket: 'absent' } },
      base64: Buffer.from('bytes').toString('base64'),
    });
    expect(res.status).toBe(422);
    expect(await x.db.media('no-bucket')).toBeUndefined();
    // Not even the store config the request would have created.
    expect(await x.db.counts()).toEqual(before);
  });

  it('refuses /complete before anything was uploaded, and on a READY record unless replace=true', async () => {
    const res = await upload('complete-early', 's3');
    expect((await x.api.post('/api/upload/complete-early/complete')).status).toBe(409);
    await fetch(res.body.presigned_put, { method: 'PUT', body: Buffer.from('first') });
    expect((await x.api.post('/api/upload/complete-early/complete')).status).toBe(200);
    const again = await x.api.post('/api/upload/complete-early/complete');
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('media complete-early already has its bytes; add ?replace=true to replace them');
    expect((await x.api.post('/api/upload/complete-early/complete?replace=true')).status).toBe(200);
  });
});

describe('downloads', () => {
  it('answers 404 for an unknown pid and 409 for a PENDING record', async () => {
    expect((await x.api.get('/api/download/nobody')).status).toBe(404);
    expect((await x.api.get('/api/download/url/nobody')).status).toBe(404);
    await upload('still-pending', 'filesystem');
    const res = await x.api.get('/api/download/still-pending');
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('media still-pending is PENDING: its bytes have not been uploaded yet');
  });

  it('POST /download/urls answers every pid in order, errors in place', async () => {
    await upload('urls-ok', 'ram', { base64: Buffer.from('ram bytes').toString('base64') });
    await upload('urls-pending', 'filesystem');
    const res = await x.api.post('/api/download/urls', ['urls-ok', 'urls-missing', 'urls-pending']);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { mediadata: expect.objectContaining({ pid: 'urls-ok' }), presigned_get: expect.any(String), expires: expect.any(String) },
      { pid: 'urls-missing', error: 'NotFound', msg: 'media urls-missing not found' },
      { pid: 'urls-pending', error: 'Conflict', msg: 'media urls-pending is PENDING: its bytes have not been uploaded yet' },
    ]);
    expect(Buffer.from(await (await fetch(res.body[0].presigned_get)).arrayBuffer()).toString()).toBe('ram bytes');
  });
});
