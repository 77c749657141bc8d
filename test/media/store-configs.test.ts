import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { type Client, createMedia, expectError, FS_STORE, seedTypes, type Stored, useMediaApp } from './helpers.js';

let t: TestApp;
let api: Client;
let user: Client;
let db: Stored;
useMediaApp({}, (m) => ({ t, admin: api, uma: user, db } = m));

describe('store configs', () => {
  let fsPk: number;

  it("gets or creates: the AMPLIfy test's FilesystemStore body twice is one pk, with s3_url ''", async () => {
    const first = await user.post('/api/store', FS_STORE).set('X-Change-Reason', 'first store');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ pk: expect.any(Number), type: 'FilesystemStore', bucket: '/demobucket', s3_url: '' });
    fsPk = first.body.pk;
    expect((await user.post('/api/store', FS_STORE)).body).toEqual(first.body);
    // the same folder spelled otherwise is the same store
    expect((await user.post('/api/store', { type: 'FilesystemStore', bucket: 'demobucket/' })).body.pk).toBe(fsPk);
    expect(await db.store(fsPk)).toMatchObject({ bucket: '/demobucket', location: 'demobucket', s3ConfigId: null, createdBy: 'uma' });
    expect(await db.configHistory('store_config', String(fsPk))).toMatchObject([{ historyType: '+', reason: 'first store', historyUser: 'uma' }]);
    expect((await db.events(String(fsPk))).map((e) => e.type)).toEqual(['store_config.created']);
  });

  it('keeps other types and buckets apart', async () => {
    const ram = await user.post('/api/store', { type: 'DictStore', bucket: '/demobucket', s3_url: null });
    const other = await user.post('/api/store', { type: 'FilesystemStore', bucket: '/demobucket/sub' });
    expect(new Set([fsPk, ram.body.pk, other.body.pk]).size).toBe(3);
    const list = await user.get('/api/stores');
    expect(list.body.map((s: { pk: number }) => s.pk)).toEqual([fsPk, ram.body.pk, other.body.pk]);
    expect((await user.get(`/api/store/${ram.body.pk}`)).body).toEqual({ pk: ram.body.pk, type: 'DictStore', bucket: '/demobucket', s3_url: '' });
    expectError(await user.get('/api/store/99999'), 404, 'store config 99999 not found');
  });

  it('refuses FilesystemStore buckets that would leave FILESYSTEM_STORE_ROOT', async () => {
    const before = await db.counts();
    for (const bucket of ['../etc', '/a/../../b', '..', '/']) {
      const res = await user.post('/api/store', { type: 'FilesystemStore', bucket });
      expectError(res, 422);
      expect(res.body.detail[0].loc).toEqual(['body', 'bucket']);
    }
    expect(await db.counts()).toEqual(before);
  });

  it('needs an existing S3 config for a BucketStore, saying to create it first (422)', async () => {
    const missing = await user.post('/api/store', { type: 'BucketStore', bucket: 'archive', s3_url: 'https://s3.example.org' });
    expectError(missing, 422, 'body.s3_url: no S3 config with url "https://s3.example.org"; create the S3 config first (POST /api/s3cfg)');
    expectError(await user.post('/api/store', { type: 'BucketStore', bucket: 'archive', s3_url: '' }), 422, /needs the url of an S3 config/);
    expectError(await user.post('/api/store', { type: 'FilesystemStore', bucket: 'x', s3_url: 'https://s3.example.org' }), 422, /only a BucketStore may have an s3_url/);
    expectError(await user.post('/api/store', { type: 'HashdirStore', bucket: 'x' }), 422, /type/);

    const s3 = await api.post('/api/s3cfg', { url: 'https://s3.example.org', access_key: 'a', secret_key: 'b' });
    const bucket = await user.post('/api/store', { type: 'BucketStore', bucket: '/archive', s3_url: 'https://s3.example.org' });
    expect(bucket.body).toEqual({ pk: expect.any(Number), type: 'BucketStore', bucket: '/archive', s3_url: 'https://s3.example.org' });
    expect(await db.store(bucket.body.pk)).toMatchObject({ location: 'archive', s3ConfigId: s3.body.pk });
    expectError(await user.post('/api/store', { type: 'BucketStore', bucket: 'a/b', s3_url: 'https://s3.example.org' }), 422, /must not be empty or contain "\/"/);
  });

  it('opens the store of a config through the resolver, also for a fresh process', async () => {
    const store = await t.ctx.stores.resolver.storeFor(String(fsPk));
    expect(store?.describe()).toBe('FilesystemStore "demobucket"');
    expect(await t.ctx.stores.resolver.storeFor('424242')).toBeUndefined();
    expect(await t.ctx.stores.resolver.storeFor('../1')).toBeUndefined();
  });

  it('refuses to delete a store config media use (409), deletes an unused one (204)', async () => {
    await seedTypes(t, { DEMO: '' });
    await createMedia(t, { pid: 'in-fs' });
    expectError(await user.delete(`/api/store/${fsPk}`), 409, `store config ${fsPk} is used by media (e.g. in-fs); it cannot be deleted`);
    const spare = await user.post('/api/store', { type: 'DictStore', bucket: 'spare' });
    expect((await user.delete(`/api/store/${spare.body.pk}`)).status).toBe(204);
    expect(await db.store(spare.body.pk)).toBeUndefined();
    expect((await db.events(String(spare.body.pk))).map((e) => e.type)).toEqual(['store_config.created', 'store_config.deleted']);
    const history = await user.get(`/api/store/${spare.body.pk}/history`);
    expect(history.body.history.map((h: { history_type: string }) => h.history_type)).toEqual(['-', '+']);
    expectError(await user.delete(`/api/store/${spare.body.pk}`), 404);
  });
});
