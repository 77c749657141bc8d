import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { conflict } from '../../src/http/errors.js';
import { UrlSigner } from '../../src/stores/signed-url.js';
import type { StoredObject } from '../../src/stores/store.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { AUDIO, expectSameBytes, md5, sha256, VIDEO } from './contract.js';

let t: TestApp;
const stored: { storeConfigId: string; key: string; stored: StoredObject }[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { DICT_STORE_MAX_BYTES: '1mb' } });
  // These stores are opened by hand, not from store_configs: resolve them from the registry
  // rather than through the media capability's resolver that the app installs.
  t.ctx.stores.resolver = t.ctx.stores.registry;
  t.ctx.stores.registry.open({ id: 'fs-1', type: 'FilesystemStore', bucket: '/demobucket' });
  t.ctx.stores.registry.open({ id: 'ram-1', type: 'DictStore', bucket: 'scratch' });
});
afterAll(() => t.close());
beforeEach(() => {
  stored.length = 0;
  t.ctx.stores.hooks = {
    onStored: async (storeConfigId, key, s) => {
      stored.push({ storeConfigId, key, stored: s });
    },
  };
});

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
const store = (id: string) => t.ctx.stores.registry.storeFor(id).then((s) => s!);
const fsPath = (key: string) => path.join(t.config.filesystemStoreRoot, 'demobucket', ...key.split('/'));

describe('signed local URLs over HTTP', () => {
  it('PUT stores the bytes without a token, calls onStored, and GET gives them back', async () => {
    const bytes = readFileSync(VIDEO);
    const put = await (await store('fs-1')).presignPut('clips/bbb 001.ts', { expiresInSeconds: 300, contentType: 'video/mp2t' });
    expect(put.url.startsWith(`${t.baseUrl}/api/signed/fs-1/clips/bbb%20001.ts?`)).toBe(true);
    const res = await fetch(put.url, { method: 'PUT', headers: put.headers, body: bytes });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ key: 'clips/bbb 001.ts', size: bytes.length, sha256: sha256(bytes), md5: md5(bytes) });
    expect(res.headers.get('etag')).toBe(`"${md5(bytes)}"`);
    expectSameBytes(readFileSync(fsPath('clips/bbb 001.ts')), bytes);
    expect(stored).toEqual([
      { storeConfigId: 'fs-1', key: 'clips/bbb 001.ts', stored: { size: bytes.length, sha256: sha256(bytes), md5: md5(bytes), contentType: 'video/mp2t' } },
    ]);

    const get = await (await store('fs-1')).presignGet('clips/bbb 001.ts', { expiresInSeconds: 300, contentType: 'video/mp2t' });
    const down = await fetch(get.url);
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('video/mp2t');
    expect(down.headers.get('content-length')).toBe(String(bytes.length));
    expect(down.headers.get('accept-ranges')).toBe('bytes');
    expectSameBytes(Buffer.from(await down.arrayBuffer()), bytes);
  });

  it('serves ranges (206 + Content-Range), refuses unsatisfiable ones (416), and answers HEAD', async () => {
    const bytes = readFileSync(AUDIO);
    await (await store('fs-1')).put('audio.aac', (await import('node:fs')).createReadStream(AUDIO));
    const get = await (await store('fs-1')).presignGet('audio.aac', { expiresInSeconds: 300 });

    const part = await fetch(get.url, { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(part.headers.get('content-length')).toBe('1000');
    expectSameBytes(Buffer.from(await part.arrayBuffer()), bytes.subarray(1000, 2000));

    const tail = await fetch(get.url, { headers: { Range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expectSameBytes(Buffer.from(await tail.arrayBuffer()), bytes.subarray(bytes.length - 100));

    const beyond = await fetch(get.url, { headers: { Range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(await errorOf(beyond)).toMatch(/range not satisfiable/);

    const several = await fetch(get.url, { headers: { Range: 'bytes=0-1,5-6' } });
    expect(several.status).toBe(200);
    expect((await several.arrayBuffer()).byteLength).toBe(bytes.length);

    const head = await fetch(get.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('refuses any tampering with 403: key, store, expiry, signature, method, content type', async () => {
    const fs1 = await store('fs-1');
    await fs1.put('secret.bin', (await import('node:stream')).Readable.from([Buffer.from('private')]));
    const { url } = await fs1.presignGet('secret.bin', { expiresInSeconds: 300 });
    const u = new URL(url);
    const variants: [string, string, RequestInit?][] = [
      ['other key', url.replace('/secret.bin?', '/audio.aac?')],
      ['other store', url.replace('/fs-1/', '/ram-1/')],
      ['later expiry', (() => { const v = new URL(u); v.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600)); return v.toString(); })()],
      ['other signature', (() => { const v = new URL(u); v.searchParams.set('sig', randomBytes(32).toString('base64url')); return v.toString(); })()],
      ['no signature', (() => { const v = new URL(u); v.searchParams.delete('sig'); return v.toString(); })()],
      ['added content type', `${url}&ct=text/html`],
      ['download URL used to upload', url, { method: 'PUT', body: 'overwrite!' }],
    ];
    for (const [what, target, init] of variants) {
      const res = await fetch(target, init);
      expect(res.status, what).toBe(403);
      expect(await errorOf(res), what).toMatch(/signature|signed URL/);
    }
    expect(readFileSync(fsPath('secret.bin'), 'utf8')).toBe('private');
  });

  it('refuses an expired URL with 403 saying when it expired', async () => {
    const fs1 = await store('fs-1');
    await fs1.put('old.bin', (await import('node:stream')).Readable.from([Buffer.from('x')]));
    // Issued an hour ago with the service's key, valid for a minute.
    const past = new UrlSigner(t.config.secretsKey, t.baseUrl, () => Date.now() - 3_600_000);
    const { url, expiresAt } = past.forStore('fs-1').presignGet('old.bin', { expiresInSeconds: 60 });
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe(`signed URL expired at ${expiresAt.toISOString()}`);
  });

  it('keeps nothing and does not call onStored when Content-MD5 or x-checksum-sha256 do not match (422)', async () => {
    const bytes = randomBytes(100_000);
    const put = await (await store('fs-1')).presignPut('checked.bin', { expiresInSeconds: 300 });
    const wrongMd5 = await fetch(put.url, { method: 'PUT', body: bytes, headers: { 'Content-MD5': Buffer.from(md5(Buffer.from('no')), 'hex').toString('base64') } });
    expect(wrongMd5.status).toBe(422);
    expect(await errorOf(wrongMd5)).toMatch(/^checksum mismatch, nothing was stored: md5/);
    const wrongSha = await fetch(put.url, { method: 'PUT', body: bytes, headers: { 'x-checksum-sha256': sha256(Buffer.from('no')) } });
    expect(wrongSha.status).toBe(422);
    expect(existsSync(fsPath('checked.bin'))).toBe(false);
    expect(stored).toEqual([]);

    const malformed = await fetch(put.url, { method: 'PUT', body: bytes, headers: { 'Content-MD5': 'not-a-digest' } });
    expect(malformed.status).toBe(422);
    expect(((await malformed.json()) as { detail: unknown }).detail).toEqual([expect.objectContaining({ loc: ['header', 'content-md5'] })]);

    const right = await fetch(put.url, {
      method: 'PUT', body: bytes,
      headers: { 'Content-MD5': Buffer.from(md5(bytes), 'hex').toString('base64'), 'x-checksum-sha256': sha256(bytes) },
    });
    expect(right.status).toBe(200);
    expectSameBytes(readFileSync(fsPath('checked.bin')), bytes);
  });

  it('holds the upload to the signed Content-Type', async () => {
    const put = await (await store('fs-1')).presignPut('typed.ts', { expiresInSeconds: 300, contentType: 'video/mp2t' });
    const res = await fetch(put.url, { method: 'PUT', body: 'x', headers: { 'Content-Type': 'text/html' } });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe('this URL was signed for Content-Type "video/mp2t", the request sent "text/html"');
    expect(existsSync(fsPath('typed.ts'))).toBe(false);
  });

  it('answers 507 with a clear message when the DictStore budget is full, and keeps nothing', async () => {
    const ram = await store('ram-1');
    const fits = await ram.presignPut('fits.bin', { expiresInSeconds: 300 });
    expect((await fetch(fits.url, { method: 'PUT', body: randomBytes(700 * 1024) })).status).toBe(200);
    const tooMuch = await ram.presignPut('too-much.bin', { expiresInSeconds: 300 });
    const res = await fetch(tooMuch.url, { method: 'PUT', body: randomBytes(700 * 1024) });
    expect(res.status).toBe(507);
    expect(await errorOf(res)).toMatch(/^DictStore "scratch" is full: the in-memory stores may hold 1048576 bytes in all \(DICT_STORE_MAX_BYTES\)/);
    expect(await ram.head('too-much.bin')).toBeUndefined();
    const down = await fetch((await ram.presignGet('fits.bin', { expiresInSeconds: 60 })).url);
    expect((await down.arrayBuffer()).byteLength).toBe(700 * 1024);
  });

  it('undoes the upload when onStored fails, and lets beforePut refuse it', async () => {
    t.ctx.stores.hooks = {
      onStored: async () => {
        throw conflict('media record is not waiting for bytes');
      },
    };
    const put = await (await store('fs-1')).presignPut('refused-after.bin', { expiresInSeconds: 300 });
    const res = await fetch(put.url, { method: 'PUT', body: 'bytes' });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toBe('media record is not waiting for bytes');
    expect(existsSync(fsPath('refused-after.bin'))).toBe(false);

    t.ctx.stores.hooks = {
      beforePut: async (storeConfigId, key) => {
        throw conflict(`${storeConfigId}/${key} is already uploaded`);
      },
    };
    const before = await (await store('fs-1')).presignPut('refused-before.bin', { expiresInSeconds: 300 });
    const refused = await fetch(before.url, { method: 'PUT', body: 'bytes' });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toBe('fs-1/refused-before.bin is already uploaded');
    expect(existsSync(fsPath('refused-before.bin'))).toBe(false);
  });

  it('uses the injected resolver: 404 for a store config it does not know', async () => {
    const forged = t.ctx.stores.signer.forStore('gone').presignGet('k', { expiresInSeconds: 60 });
    const res = await fetch(forged.url);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toBe('store config "gone" does not exist');
    const fs1 = await store('fs-1');
    const original = t.ctx.stores.resolver;
    t.ctx.stores.resolver = { storeFor: async (id) => (id === 'gone' ? fs1 : undefined) };
    await fs1.put('k', (await import('node:stream')).Readable.from([Buffer.from('found')]));
    const found = await fetch(forged.url);
    expect(await found.text()).toBe('found');
    t.ctx.stores.resolver = original;
  });

  it('leaves nothing behind when the client hangs up mid-upload', async () => {
    const put = await (await store('fs-1')).presignPut('hangup.bin', { expiresInSeconds: 300 });
    await new Promise<void>((resolve) => {
      const req = request(put.url, { method: 'PUT', headers: { 'Content-Length': String(10 * 1024 ** 2) } });
      req.on('error', () => resolve());
      req.write(randomBytes(2 * 1024 ** 2), () => setTimeout(() => req.destroy(), 50));
    });
    const dir = path.dirname(fsPath('hangup.bin'));
    await expect.poll(() => readdirSync(dir).filter((f) => f.startsWith('.tmp-')), { timeout: 5000 }).toEqual([]);
    expect(existsSync(fsPath('hangup.bin'))).toBe(false);
    expect(stored).toEqual([]);
    // The client is gone before any answer; the server must take it as the client's doing, not a fault.
    const logged = () => t.logs.find((l) => String((l.req as { url?: string } | undefined)?.url).includes('hangup.bin'));
    await expect.poll(() => logged()?.msg).toBe('request aborted');
    const reqId = (logged()!.req as { id: string }).id;
    expect(t.logs.filter((l) => l.reqId === reqId && Number(l.level) >= 50)).toEqual([]);
  });

  it('never writes signatures to the log', async () => {
    const { url } = await (await store('fs-1')).presignGet('audio.aac', { expiresInSeconds: 300 });
    await fetch(url);
    const sig = new URL(url).searchParams.get('sig')!;
    expect(JSON.stringify(t.logs)).not.toContain(sig);
    expect(JSON.stringify(t.logs)).toContain('sig=***');
  });
});
