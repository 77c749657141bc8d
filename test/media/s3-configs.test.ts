import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/crypto/secret-box.js';
import type { TestApp } from '../helpers/app.js';
import { type Client, expectError, type Stored, useMediaApp } from './helpers.js';

let t: TestApp;
let api: Client;
let user: Client;
let db: Stored;
useMediaApp({}, (m) => ({ t, admin: api, uma: user, db } = m));

const ACCESS = 'AKIA-ACCESS-KEY-4711';
const SECRET = 'very-secret-key-0815-do-not-leak';

describe('S3 configs', () => {
  let pk: number;

  it('creates a config answering {pk, url} only, with the keys sealed at rest', async () => {
    const res = await api.post('/api/s3cfg', { url: 'https://s3.example.org', access_key: ACCESS, secret_key: SECRET });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pk: expect.any(Number), url: 'https://s3.example.org' });
    pk = res.body.pk;
    const row = (await db.s3(pk))!;
    expect(JSON.stringify(row)).not.toContain(ACCESS);
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(row.secretKeySealed).toMatch(/^v1\./);
    // ...and they open with the service's SECRETS_KEY (what opening a BucketStore does).
    expect(t.ctx.media.s3Configs.open(row)).toMatchObject({ url: 'https://s3.example.org', accessKey: ACCESS, secretKey: SECRET });
    // A sealed key moved to another field does not open: the field is bound into the seal.
    const box = new SecretBox(t.config.secretsKey, 's3-config keys');
    expect(() => box.open(row.secretKeySealed, `access_key@${row.url}`)).toThrow();
  });

  it('never shows the keys: not in listings, history, events or logs', async () => {
    const list = await user.get('/api/s3cfgs');
    expect(list.body).toEqual([{ pk, url: 'https://s3.example.org' }]);
    expect((await user.get(`/api/s3cfg/${pk}`)).body).toEqual({ pk, url: 'https://s3.example.org' });
    const history = await db.configHistory('s3_config', String(pk));
    const events = await db.events(String(pk));
    expect(events.map((e) => e.type)).toContain('s3_config.created');
    for (const text of [JSON.stringify(history), JSON.stringify(events), JSON.stringify(t.logs)]) {
      expect(text).not.toContain(ACCESS);
      expect(text).not.toContain(SECRET);
    }
  });

  it('returns the existing config for the same url and keys, and refuses other keys for it (409)', async () => {
    const again = await api.post('/api/s3cfg', { url: 'https://s3.example.org', access_key: ACCESS, secret_key: SECRET });
    expect(again.body).toEqual({ pk, url: 'https://s3.example.org' });
    expectError(
      await api.post('/api/s3cfg', { url: 'https://s3.example.org', access_key: ACCESS, secret_key: 'other' }),
      409,
      `an S3 config for https://s3.example.org exists (pk ${pk}) with other keys; change them with PUT /api/s3cfg/${pk}`,
    );
    expect((await db.configHistory('s3_config', String(pk))).length).toBe(1);
  });

  it('replaces url and keys with PUT (204), recording which fields changed but not their values', async () => {
    const res = await api.put(`/api/s3cfg/${pk}`, { url: 'https://s3.example.net', access_key: ACCESS, secret_key: 'rotated-secret' });
    expect(res.status).toBe(204);
    const row = (await db.s3(pk))!;
    expect(t.ctx.media.s3Configs.open(row)).toMatchObject({ url: 'https://s3.example.net', secretKey: 'rotated-secret' });
    const [event] = (await db.events(String(pk))).filter((e) => e.type === 's3_config.updated');
    expect(event!.payload).toEqual({ pk, url: 'https://s3.example.net', changed: ['url', 'secret_key'] });
    expect(JSON.stringify(event)).not.toContain('rotated-secret');
    expectError(await api.put('/api/s3cfg/9999', { url: 'https://x.org', access_key: 'a', secret_key: 'b' }), 404);
  });

  it('refuses bad input by field without echoing keys, and unknown pks with 404', async () => {
    const before = await db.counts();
    const res = await api.post('/api/s3cfg', { url: 'ftp://files.example.org', access_key: '', secret_key: 'top-secret-value' });
    expectError(res, 422);
    expect(res.body.detail.map((d: { loc: string[] }) => d.loc.join('.'))).toEqual(['body.url', 'body.access_key']);
    expect(res.text).not.toContain('top-secret-value');
    expectError(await api.post('/api/s3cfg', { url: 'https://y.org', access_key: 'a' }), 422, /secret_key/);
    expectError(await api.get('/api/s3cfg/abc'), 422, /pk/);
    expectError(await api.get('/api/s3cfg/424242'), 404, 'S3 config 424242 not found');
    expect(await db.counts()).toEqual(before);
  });

  it('refuses to delete a config a store uses (409), then deletes it once unused', async () => {
    const store = await api.post('/api/store', { type: 'BucketStore', bucket: 'archive', s3_url: 'https://s3.example.net' });
    expect(store.status).toBe(200);
    expectError(await api.delete(`/api/s3cfg/${pk}`), 409, `S3 config ${pk} is used by store config ${store.body.pk}; delete that first`);
    expect((await api.delete(`/api/store/${store.body.pk}`)).status).toBe(204);
    expect((await api.delete(`/api/s3cfg/${pk}`)).status).toBe(204);
    expect(await db.s3(pk)).toBeUndefined();
    const history = await user.get(`/api/s3cfg/${pk}/history`);
    expectError(history, 403);
    const adminHistory = await api.get(`/api/s3cfg/${pk}/history`);
    expect(adminHistory.body.history.map((h: { history_type: string }) => h.history_type)).toEqual(['-', '~', '+']);
  });

  it('is administered by administrators only', async () => {
    expectError(await user.post('/api/s3cfg', { url: 'https://z.org', access_key: 'a', secret_key: 'b' }), 403);
    expectError(await user.put('/api/s3cfg/1', { url: 'https://z.org', access_key: 'a', secret_key: 'b' }), 403);
    expectError(await user.delete('/api/s3cfg/1'), 403);
  });
});
