import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { type Client, createMedia, expectError, FS_STORE, RAM_STORE, STANDARD_TYPES, type Stored, useMediaApp } from './helpers.js';

let t: TestApp;
let api: Client;
let db: Stored;
useMediaApp({ types: STANDARD_TYPES }, (m) => ({ t, uma: api, db } = m));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /api/media', () => {
  it("creates a PENDING record from AMPLIfy's body, answering 200 with the record and writing history and an event", async () => {
    const res = await api
      .post('/api/media', { pid: 'clip-1', pid_type: 'DEMO', store_config: FS_STORE, metadata: { egg: 'nog' }, identifiers: { BIN: 'bin_xyz' }, tags: ['news', 'news', 'bbc'] })
      .set('X-Change-Reason', 'ingest');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      pk: expect.any(Number),
      pid: 'clip-1',
      pid_type: 'DEMO',
      store_config: { pk: expect.any(Number), type: 'FilesystemStore', bucket: '/demobucket', s3_url: '' },
      store_key: expect.stringMatching(UUID),
      store_status: 'PENDING',
      identifiers: { BIN: 'bin_xyz' },
      metadata: { egg: 'nog' },
      tags: ['news', 'bbc'],
      size: null,
      checksums: { sha256: null, md5: null },
      content_type: null,
      stored: null,
      created: expect.any(String),
      updated: res.body.created,
      created_by: 'uma',
      updated_by: 'uma',
      fixity: null,
      deletion: null,
    });
    const row = (await db.media('clip-1'))!;
    expect(row).toMatchObject({ id: res.body.pk, storeKey: res.body.store_key, storeStatus: 'PENDING', tags: ['news', 'bbc'], identifiers: { BIN: 'bin_xyz' } });
    expect(await db.history('clip-1')).toMatchObject([{ historyType: '+', historyUser: 'uma', reason: 'ingest', snapshot: res.body }]);
    expect(await db.events('clip-1')).toMatchObject([{ type: 'media.created', actor: 'uma', payload: res.body }]);
    expect((await api.get('/api/media/clip-1')).body).toEqual(res.body);
  });

  it('generates the pid (a UUID) when it is absent or null', async () => {
    const absent = await createMedia(t, {});
    const nulled = await createMedia(t, { pid: null, identifiers: null, metadata: null, tags: null });
    expect(absent.pid).toMatch(UUID);
    expect(nulled.pid).toMatch(UUID);
    expect(nulled).toMatchObject({ identifiers: {}, metadata: {}, tags: [] });
  });

  it('drops an identifier of the pid type that repeats the pid, and refuses one that differs (422)', async () => {
    const same = await createMedia(t, { pid: 'dupe-ids', identifiers: { DEMO: 'dupe-ids', BIN: 'bin_xyz' } });
    expect(same.identifiers).toEqual({ BIN: 'bin_xyz' });
    const differs = await api.post('/api/media', { pid: 'ambiguous', pid_type: 'DEMO', store_config: FS_STORE, identifiers: { DEMO: 'not the pid', BIN: 'x' } });
    expectError(differs, 422, 'identifiers.DEMO ("not the pid") differs from the pid ("ambiguous"), which has the same type');
    expect(differs.body.detail).toEqual([{ error: differs.body.error, loc: ['body', 'identifiers', 'DEMO'] }]);
    expect(await db.media('ambiguous')).toBeUndefined();
  });

  it("names unknown types as AMPLIfy does ('bad pid_type: X'), and refuses values that break a pattern", async () => {
    const before = await db.counts();
    const badType = await api.post('/api/media', { pid: 'x1', pid_type: 'DEMOxxx', store_config: FS_STORE, identifiers: { BINxxx: '1' } });
    expectError(badType, 422);
    expect(badType.body.detail.map((d: { error: string }) => d.error)).toEqual([
      'bad pid_type: DEMOxxx (no such identifier type; create it with POST /api/identifier)',
      'bad identifier_type: BINxxx (no such identifier type)',
    ]);
    const badPid = await api.post('/api/media', { pid: 'not-a-doi', pid_type: 'DOI', store_config: FS_STORE });
    expectError(badPid, 422, 'pid "not-a-doi" does not match the pattern of identifier type DOI: 10\\.\\d{4,9}/\\S+');
    const badValue = await api.post('/api/media', { pid: 'x2', pid_type: 'DEMO', store_config: FS_STORE, identifiers: { DOI: '11.1/x' } });
    expectError(badValue, 422, /identifiers\.DOI "11\.1\/x" does not match the pattern/);
    const notString = await api.post('/api/media', { pid: 'x3', pid_type: 'DEMO', store_config: FS_STORE, identifiers: { BIN: 123 } });
    expectError(notString, 422);
    expect(notString.body.detail[0]).toMatchObject({ loc: ['body', 'identifiers', 'BIN'], msg: expect.stringMatching(/expected string/) });
    expect(await db.counts()).toEqual(before);
  });

  it('refuses a taken pid with 409 naming it, leaving the existing record as it was', async () => {
    const before = await db.media('clip-1');
    expectError(await api.post('/api/media', { pid: 'clip-1', pid_type: 'DEMO', store_config: RAM_STORE }), 409, 'media with pid "clip-1" already exists');
    expect(await db.media('clip-1')).toEqual(before);
    expect((await db.history('clip-1')).length).toBe(1);
  });

  it('uses a given store key when it is free and valid in that store (409 / 422 otherwise)', async () => {
    const keyed = await createMedia(t, { pid: 'keyed', store_key: 'shows/2024/ep1.mxf' });
    expect(keyed.store_key).toBe('shows/2024/ep1.mxf');
    expectError(await api.post('/api/media', { pid: 'keyed-2', pid_type: 'DEMO', store_config: FS_STORE, store_key: 'shows/2024/ep1.mxf' }), 409, /store key "shows\/2024\/ep1\.mxf" is already used in store config \d+ \(by keyed\)/);
    // the same key in another store is fine
    expect((await createMedia(t, { pid: 'keyed-3', store_config: RAM_STORE, store_key: 'shows/2024/ep1.mxf' })).store_key).toBe('shows/2024/ep1.mxf');
    expectError(await api.post('/api/media', { pid: 'keyed-4', pid_type: 'DEMO', store_config: FS_STORE, store_key: '../escape' }), 422, /invalid store key/);
    expect(await db.media('keyed-4')).toBeUndefined();
  });

  it('accepts pids with "/" (a DOI) in the path, plain or percent-encoded, and refuses reserved pids', async () => {
    const doi = await createMedia(t, { pid: '10.1234/clip-001', pid_type: 'DOI' });
    expect((await api.get('/api/media/10.1234/clip-001')).body).toEqual(doi);
    expect((await api.get('/api/media/10.1234%2Fclip-001')).body).toEqual(doi);
    for (const pid of ['dump', 'update', 'update/tags', 'x/history']) {
      const res = await api.post('/api/media', { pid, pid_type: 'DEMO', store_config: FS_STORE });
      expectError(res, 422);
      expect(res.body.detail[0].loc).toEqual(['body', 'pid']);
    }
  });
});

describe('GET /api/media/{pid}', () => {
  it('answers 404 (not 500) for a pid that does not exist', async () => {
    expectError(await api.get('/api/media/no-such-pid'), 404, 'media no-such-pid not found');
  });
});

describe('PATCH /api/media/{pid}', () => {
  it('renames the record, keeping its history under both pids (204)', async () => {
    await createMedia(t, { pid: 'old-name', identifiers: { BIN: 'b1' } });
    const res = await api.patch('/api/media/old-name', { pid: 'old-name', new_pid: 'new-name', pid_type: null, store_config: null });
    expect(res.status).toBe(204);
    expect(await db.media('old-name')).toBeUndefined();
    const row = (await db.media('new-name'))!;
    expect(row.identifiers).toEqual({ BIN: 'b1' });
    const history = await db.historyOf(row.id);
    expect(history.map((h) => [h.historyType, h.pid])).toEqual([['+', 'old-name'], ['~', 'new-name']]);
    expect((await db.events('new-name'))[0]).toMatchObject({ type: 'media.updated', payload: { pid: 'new-name', changed: ['pid'] } });
    expectError(await api.get('/api/media/old-name'), 404);
  });

  it('changes pid_type under the new pattern, and checks identifiers again', async () => {
    await createMedia(t, { pid: '10.5555/abc', identifiers: { DOI: '10.5555/abc', BIN: 'b' } });
    expect((await db.media('10.5555/abc'))!.identifiers).toEqual({ DOI: '10.5555/abc', BIN: 'b' });
    expect((await api.patch('/api/media/10.5555/abc', { pid_type: 'DOI' })).status).toBe(204);
    // now the DOI identifier repeats the pid of the same type: dropped
    expect(await db.media('10.5555/abc')).toMatchObject({ pidType: 'DOI', identifiers: { BIN: 'b' } });
    expectError(await api.patch('/api/media/clip-1', { pid_type: 'DOI' }), 422, /pid "clip-1" does not match the pattern of identifier type DOI/);
    expectError(await api.patch('/api/media/clip-1', { pid_type: 'NOPE' }), 422, /bad pid_type: NOPE/);
  });

  it('moves a PENDING record to another store config, by pk or by body', async () => {
    const ram = await api.post('/api/store', RAM_STORE);
    expect((await api.patch('/api/media/clip-1', { store_config: ram.body.pk })).status).toBe(204);
    expect((await db.media('clip-1'))!.storeConfigId).toBe(ram.body.pk);
    expect((await api.patch('/api/media/clip-1', { store_config: { type: 'DictStore', bucket: 'other' } })).status).toBe(204);
    const other = (await api.get('/api/media/clip-1')).body.store_config;
    expect(other).toMatchObject({ type: 'DictStore', bucket: 'other' });
    expectError(await api.patch('/api/media/clip-1', { store_config: 987654 }), 422, 'store config 987654 does not exist');
  });

  it('refuses to move a READY record (its bytes are elsewhere), a taken new_pid, a mismatched body pid, and unknown pids', async () => {
    await createMedia(t, { pid: 'ready-1' });
    await t.ctx.media.media.markStored({ actor: 'test', reason: null }, 'ready-1', { size: 3, sha256: 'a'.repeat(64), md5: 'b'.repeat(32) });
    expectError(await api.patch('/api/media/ready-1', { store_config: RAM_STORE }), 409, /READY: its bytes are in store config \d+/);
    expectError(await api.patch('/api/media/ready-1', { new_pid: 'clip-1' }), 409, 'media with pid "clip-1" already exists');
    expectError(await api.patch('/api/media/ready-1', { pid: 'someone-else', new_pid: 'x' }), 422, /differs from the record's pid/);
    expectError(await api.patch('/api/media/nobody', { new_pid: 'x' }), 404, 'media nobody not found');
    expect(await db.media('ready-1')).toMatchObject({ storeStatus: 'READY', pid: 'ready-1' });
  });

  it('writes nothing when nothing changes', async () => {
    const before = await db.counts();
    expect((await api.patch('/api/media/clip-1', { pid: 'clip-1', new_pid: null, pid_type: null, store_config: null })).status).toBe(204);
    expect((await api.patch('/api/media/clip-1', { pid_type: 'DEMO' })).status).toBe(204);
    expect(await db.counts()).toEqual(before);
  });
});

describe('DELETE /api/media/{pid}', () => {
  it('deletes a PENDING record (204) with a "-" history row and an event; then 404', async () => {
    const created = await createMedia(t, { pid: 'doomed' });
    const res = await api.delete('/api/media/doomed').set('X-Change-Reason', 'duplicate');
    expect(res.status).toBe(204);
    expect(await db.media('doomed')).toBeUndefined();
    const history = await db.history('doomed');
    expect(history.map((h) => h.historyType)).toEqual(['+', '-']);
    expect(history[1]).toMatchObject({ reason: 'duplicate', historyUser: 'uma', snapshot: { pid: 'doomed', pk: created.pk } });
    expect((await db.events('doomed')).map((e) => e.type)).toEqual(['media.created', 'media.deleted']);
    expectError(await api.delete('/api/media/doomed'), 404);
    expectError(await api.get('/api/media/doomed'), 404);
  });
});

describe('GET /api/media/{pid}?as_of=', () => {
  it('returns the record as it was at a time, also after deletion; 404 before it existed', async () => {
    const v1 = await createMedia(t, { pid: 'versioned', tags: ['one'] });
    await new Promise((r) => setTimeout(r, 5));
    await api.patch('/api/media/update/tags', [{ pid: 'versioned', tags: ['two'] }]);
    const v2 = (await api.get('/api/media/versioned')).body;
    expect(v2.tags).toEqual(['one', 'two']);

    expect((await api.get(`/api/media/versioned?as_of=${v1.updated}`)).body).toEqual(v1);
    expect((await api.get(`/api/media/versioned?as_of=${v2.updated}`)).body).toEqual(v2);
    expect((await api.delete('/api/media/versioned')).status).toBe(204);
    expect((await api.get(`/api/media/versioned?as_of=${encodeURIComponent(new Date(Date.parse(v2.updated) + 1).toISOString())}`)).body.tags).toEqual(['one', 'two']);
    expectError(await api.get(`/api/media/versioned?as_of=${new Date().toISOString()}`), 404, /did not exist at/);
    expectError(await api.get('/api/media/versioned?as_of=2000-01-01T00:00:00Z'), 404);
    expectError(await api.get('/api/media/versioned?as_of=yesterday'), 422, /as_of/);
  });
});
