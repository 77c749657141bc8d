import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreConfigResolver } from '../../src/media/store-resolver.js';
import type { Store } from '../../src/stores/store.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/process.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { expectSameBytes, md5, sha256 } from '../stores/contract.js';
import { client, createMedia, expectError, seedTypes, stored } from './helpers.js';

let t: TestApp;
let s3: TestS3;
let api: ReturnType<typeof client>;
let db: ReturnType<typeof stored>;
beforeAll(async () => {
  s3 = await startS3(['archive']);
  t = await createTestApp();
  api = client(t, await t.createUser('uma'));
  db = stored(t);
  await seedTypes(t, { DEMO: '' });
});
afterAll(async () => {
  await t.close();
  await s3.close();
});

/** Stores bytes for a record the way the transfer capability will: put, then markStored. */
async function storeBytes(pid: string, bytes: Buffer): Promise<Store> {
  const record = (await t.ctx.media.media.find(pid))!;
  const store = (await t.ctx.stores.resolver.storeFor(String(record.storeConfigId)))!;
  const put = await store.put(record.storeKey, Readable.from([bytes]), { contentType: 'application/octet-stream' });
  await t.ctx.media.media.markStored({ actor: 'transfer', reason: null }, pid, put);
  return store;
}

describe('stores reached through store_configs', () => {
  it('installs a resolver over the store_configs table as ctx.stores.resolver', () => {
    expect(t.ctx.stores.resolver).toBeInstanceOf(StoreConfigResolver);
  });

  it('marks a record READY with size, checksums and a media.stored event (the transfer entry point)', async () => {
    await createMedia(t, { pid: 'bytes-1', store_config: { type: 'FilesystemStore', bucket: '/demobucket' } });
    await storeBytes('bytes-1', Buffer.from('hello archive'));
    const row = (await db.media('bytes-1'))!;
    expect(row).toMatchObject({ storeStatus: 'READY', size: 13, sha256: sha256(Buffer.from('hello archive')), md5: md5(Buffer.from('hello archive')), contentType: 'application/octet-stream' });
    expect(row.stored).toBeInstanceOf(Date);
    const events = await db.events('bytes-1');
    expect(events.at(-1)).toMatchObject({ type: 'media.stored', actor: 'transfer', payload: { store_status: 'READY', size: 13, changed: expect.arrayContaining(['store_status', 'size', 'checksums', 'stored']) } });
    expect((await db.history('bytes-1')).at(-1)).toMatchObject({ historyType: '~', historyUser: 'transfer' });
  });

  it('serves signed local URLs from another app instance sharing the database (a restart, or another replica)', async () => {
    const record = (await t.ctx.media.media.find('bytes-1'))!;
    const second = await createTestApp({ database: t.database, env: { FILESYSTEM_STORE_ROOT: t.config.filesystemStoreRoot } });
    try {
      // the second instance never opened this store: it finds it in store_configs
      const store = (await second.ctx.stores.resolver.storeFor(String(record.storeConfigId)))!;
      const { url } = await store.presignGet(record.storeKey, { expiresInSeconds: 60 });
      expect(url.startsWith(second.baseUrl)).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello archive');
    } finally {
      await second.close();
    }
  });
});

describe('DELETE of a READY record deletes its bytes', () => {
  it('from a FilesystemStore', async () => {
    const record = (await t.ctx.media.media.find('bytes-1'))!;
    const file = path.join(t.config.filesystemStoreRoot, 'demobucket', record.storeKey);
    expect(readFileSync(file, 'utf8')).toBe('hello archive');
    expect((await api.delete('/api/media/bytes-1')).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect(await db.media('bytes-1')).toBeUndefined();
    expect((await db.history('bytes-1')).at(-1)).toMatchObject({ historyType: '-', historyUser: 'uma' });
    expect((await db.events('bytes-1')).at(-1)!.type).toBe('media.deleted');
  });

  it('from an S3 bucket (s3rver), through the sealed keys of its S3 config', async () => {
    await client(t).post('/api/s3cfg', { url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey });
    await createMedia(t, { pid: 'in-s3', store_config: { type: 'BucketStore', bucket: 'archive', s3_url: s3.url } });
    const bytes = Buffer.from('s3 bytes');
    const store = await storeBytes('in-s3', bytes);
    const key = (await db.media('in-s3'))!.storeKey;
    expect(await store.head(key)).toMatchObject({ size: bytes.length });
    const res = await api.post('/api/media/delete', ['in-s3']);
    expect(res.body).toEqual({ successes: ['in-s3'], failures: [] });
    expect(await store.head(key)).toBeUndefined();
    expect(await db.media('in-s3')).toBeUndefined();
  });
});

describe('a store that fails to delete', () => {
  let s3Pk: number;
  let key: string;
  let store: Store;

  it('answers 502, keeps the record marked for deletion with the error, and announces it once', async () => {
    const cfg = await client(t).post('/api/s3cfg', { url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey });
    s3Pk = cfg.body.pk;
    await createMedia(t, { pid: 'stuck', store_config: { type: 'BucketStore', bucket: 'archive', s3_url: s3.url } });
    store = await storeBytes('stuck', Buffer.from('keep me until deleted'));
    key = (await db.media('stuck'))!.storeKey;
    // the S3 endpoint moves somewhere unreachable
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    expect((await client(t).put(`/api/s3cfg/${s3Pk}`, { url: unreachable, access_key: s3.accessKey, secret_key: s3.secretKey })).status).toBe(204);

    const res = await api.delete('/api/media/stuck').set('X-Change-Reason', 'rights expired');
    expectError(res, 502, /^the bytes of stuck \(key ".+" in BucketStore "archive" at http:\/\/127\.0\.0\.1:\d+\) could not be deleted: .+The record is kept, marked for deletion, and the deletion is retried in the background$/);
    const row = (await db.media('stuck'))!;
    expect(row).toMatchObject({ storeStatus: 'READY', deleteRequestedBy: 'uma', deleteReason: 'rights expired', deleteAttempts: 1, deleteError: expect.any(String) });
    const view = (await api.get('/api/media/stuck')).body;
    expect(view.deletion).toMatchObject({ requested_by: 'uma', attempts: 1, last_error: row.deleteError });
    expect((await db.events('stuck')).at(-1)).toMatchObject({ type: 'media.deletion_failed', payload: { changed: ['deletion'] } });
    expect(await store.head(key)).toMatchObject({ size: 21 });

    // a marked record cannot change meanwhile, and a repeated DELETE tries again (no second announcement)
    expect((await api.patch('/api/media/update/tags', [{ pid: 'stuck', tags: ['x'] }])).body.failures[0]).toMatchObject({ error: 'Conflict', msg: 'media stuck is being deleted' });
    expectError(await api.delete('/api/media/stuck'), 502);
    expect((await db.media('stuck'))!.deleteAttempts).toBe(2);
    expect((await db.events('stuck')).filter((e) => e.type === 'media.deletion_failed')).toHaveLength(1);
  });

  it('is finished by the retry worker once the store is back, as requested by the original caller', async () => {
    expect(await t.ctx.media.deletion.retryDue(60_000)).toBe(0); // not due yet
    await client(t).put(`/api/s3cfg/${s3Pk}`, { url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey });
    expect(await t.ctx.media.deletion.retryDue(0)).toBe(1);
    expect(await db.media('stuck')).toBeUndefined();
    expect(await store.head(key)).toBeUndefined();
    expect((await db.history('stuck')).at(-1)).toMatchObject({ historyType: '-', historyUser: 'uma', reason: 'rights expired' });
    expect((await db.events('stuck')).at(-1)!.type).toBe('media.deleted');
  });

  it('does not touch the store for a PENDING record (no bytes yet)', async () => {
    await client(t).put(`/api/s3cfg/${s3Pk}`, { url: `http://127.0.0.1:${await freePort()}`, access_key: 'a', secret_key: 'b' });
    await createMedia(t, { pid: 'never-stored', store_config: { type: 'BucketStore', bucket: 'archive', s3_url: (await db.s3(s3Pk))!.url } });
    expect((await api.delete('/api/media/never-stored')).status).toBe(204);
    expect(await db.media('never-stored')).toBeUndefined();
  });
});

it('keeps bytes and record together when bytes are stored: the same bytes come back', async () => {
  await createMedia(t, { pid: 'roundtrip', store_config: { type: 'DictStore', bucket: 'ram' } });
  const bytes = Buffer.from('x'.repeat(1000));
  const store = await storeBytes('roundtrip', bytes);
  const record = (await t.ctx.media.media.find('roundtrip'))!;
  const object = await store.get(record.storeKey);
  const chunks: Buffer[] = [];
  for await (const c of object.body) chunks.push(c as Buffer);
  expectSameBytes(Buffer.concat(chunks), bytes);
  expect(record.view.checksums.sha256).toBe(sha256(bytes));
});
