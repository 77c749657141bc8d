import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { type Client, createMedia, expectError, FS_STORE, type MediaBody, RAM_STORE, STANDARD_TYPES, type Stored, useMediaApp } from './helpers.js';

let t: TestApp;
let api: Client;
let db: Stored;
useMediaApp({ types: STANDARD_TYPES }, (m) => ({ t, uma: api, db } = m));

const item = (pid: string, extra: Record<string, unknown> = {}) => ({ pid, pid_type: 'DEMO', store_config: FS_STORE, ...extra });

describe('POST /api/media/create', () => {
  it('creates every record in one go and answers them in the order given', async () => {
    const res = await api.post('/api/media/create', [item('bulk-2', { tags: ['BULK'] }), item('bulk-1', { tags: ['BULK'], store_config: RAM_STORE })]).set('X-Change-Reason', 'batch 7');
    expect(res.status).toBe(200);
    expect(res.body.map((m: MediaBody) => m.pid)).toEqual(['bulk-2', 'bulk-1']);
    expect(res.body[1].store_config).toMatchObject({ type: 'DictStore', bucket: 'scratch' });
    expect(await db.media('bulk-1')).toMatchObject({ tags: ['BULK'], storeStatus: 'PENDING' });
    expect((await db.history('bulk-2'))[0]).toMatchObject({ historyType: '+', reason: 'batch 7', snapshot: res.body[0] });
    expect((await db.events('bulk-1')).map((e) => e.type)).toEqual(['media.created']);
  });

  it('creates nothing when any item breaks a rule (422 naming each item) or takes a used pid (409)', async () => {
    const before = await db.counts();
    const rules = await api.post('/api/media/create', [item('ok-1'), item('bad-1', { pid_type: 'NOPE' }), item('bad-2', { identifiers: { BIN: 'x', DEMO: 'other' } })]);
    expectError(rules, 422);
    expect(rules.body.detail.map((d: { loc: unknown[] }) => d.loc)).toEqual([
      ['body', 1, 'pid_type'],
      ['body', 2, 'identifiers', 'DEMO'],
    ]);
    expectError(await api.post('/api/media/create', [item('ok-1'), item('bulk-1')]), 409, 'media with pid "bulk-1" already exists');
    expectError(await api.post('/api/media/create', [item('twice'), item('twice')]), 409, 'pid "twice" appears more than once in the request');
    const shape = await api.post('/api/media/create', [item('ok-1'), { pid: 'shape', pid_type: 'DEMO' }]);
    expectError(shape, 422);
    expect(shape.body.detail[0].loc).toEqual(['body', 1, 'store_config']);
    expect(await db.media('ok-1')).toBeUndefined();
    expect(await db.counts()).toEqual(before);
  });

  it('creates a new store config once for all the items that name it', async () => {
    const res = await api.post('/api/media/create', [1, 2, 3].map((n) => item(`in-new-store-${n}`, { store_config: { type: 'DictStore', bucket: 'fresh' } })));
    expect(new Set(res.body.map((m: MediaBody) => m.store_config.pk)).size).toBe(1);
    const storePk = String(res.body[0].store_config.pk);
    expect((await db.events(storePk)).map((e) => e.type)).toEqual(['store_config.created']);
  });
});

describe('POST /api/media/read', () => {
  it('answers the records found, in the order asked, each once, leaving out missing pids', async () => {
    const res = await api.post('/api/media/read', ['bulk-1', 'missing', 'bulk-2', 'bulk-1']);
    expect(res.status).toBe(200);
    expect(res.body.map((m: MediaBody) => m.pid)).toEqual(['bulk-1', 'bulk-2']);
    expect(res.body[0]).toEqual((await api.get('/api/media/bulk-1')).body);
  });
});

describe('bulk updates: {successes, failures}, each item alone', () => {
  it("replays AMPLIfy's create-then-patch test: tags added, identifiers set, metadata merged", async () => {
    const created = await createMedia(t, { pid: 'amp', metadata: { egg: 'nog', zip: 'zap', quick: 'quack' }, tags: ['one', 'two'] });
    const tags = await api.patch('/api/media/update/tags', [{ pid: 'amp', tags: ['two', 'three'] }]);
    expect(tags.body).toEqual({ successes: ['amp'], failures: [] });
    const ids = await api.put('/api/media/update/identifiers', [{ pid: 'amp', identifiers: { DEMO2: 'newvalue' } }]);
    expect(ids.body).toEqual({ successes: ['amp'], failures: [] });
    const meta = await api.patch('/api/media/update/metadata', [{ pid: 'amp', data: { EGG: 'NOG', zip: 'ZAP' } }]);
    expect(meta.body).toEqual({ successes: ['amp'], failures: [] });
    const now = (await api.get('/api/media/amp')).body;
    expect(now).toMatchObject({
      pk: created.pk,
      identifiers: { DEMO2: 'newvalue' },
      metadata: { egg: 'nog', EGG: 'NOG', zip: 'ZAP', quick: 'quack' },
      tags: ['one', 'two', 'three'],
    });
    const history = await db.history('amp');
    expect(history.map((h) => h.historyType)).toEqual(['+', '~', '~', '~']);
    expect(history[1]!.snapshot).toMatchObject({ tags: ['one', 'two', 'three'], identifiers: {} });
    expect((await db.events('amp')).map((e) => [e.type, (e.payload as { changed?: string[] }).changed])).toEqual([
      ['media.created', undefined],
      ['media.updated', ['tags']],
      ['media.updated', ['identifiers']],
      ['media.updated', ['metadata']],
    ]);
  });

  it('replaces tags with PUT', async () => {
    await api.put('/api/media/update/tags', [{ pid: 'amp', tags: ['solo', 'solo'] }]);
    expect((await db.media('amp'))!.tags).toEqual(['solo']);
  });

  it('reports failing items (missing pid, broken rule) without affecting the others', async () => {
    const res = await api.put('/api/media/update/identifiers', [
      { pid: 'amp', identifiers: { DEMO2: 'v2', DEMO: 'amp' } },
      { pid: 'ghost', identifiers: {} },
      { pid: 'bulk-1', identifiers: { DEMO: 'not the pid' } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.successes).toEqual(['amp']);
    expect(res.body.failures).toEqual([
      { pid: 'ghost', error: 'NotFound', msg: 'media ghost not found' },
      { pid: 'bulk-1', error: 'ValidationError', msg: 'identifiers.DEMO ("not the pid") differs from the pid ("bulk-1"), which has the same type' },
    ]);
    expect((await db.media('amp'))!.identifiers).toEqual({ DEMO2: 'v2' });
    expect((await db.media('bulk-1'))!.identifiers).toEqual({});
  });

  it('refuses a malformed body whole (422 naming item and field), changing nothing', async () => {
    const before = await db.counts();
    const res = await api.patch('/api/media/update/tags', [{ pid: 'amp', tags: ['fine'] }, { pid: 'bulk-1', tags: 'not-a-list' }]);
    expectError(res, 422);
    expect(res.body.detail[0].loc).toEqual(['body', 1, 'tags']);
    expectError(await api.patch('/api/media/update/tags', { pid: 'amp', tags: [] }), 422);
    expect(await db.counts()).toEqual(before);
  });

  it('changes store keys of PENDING records only, keeping keys unique per store', async () => {
    await createMedia(t, { pid: 'key-a' });
    await createMedia(t, { pid: 'key-b', store_key: 'taken/key' });
    await createMedia(t, { pid: 'key-ready' });
    await t.ctx.media.media.markStored({ actor: 'test', reason: null }, 'key-ready', { size: 1, sha256: 'c'.repeat(64), md5: 'd'.repeat(32) });
    const res = await api.put('/api/media/update/storekeys', [
      { pid: 'key-a', store_key: 'new/key' },
      { pid: 'key-a', store_key: 'taken/key' },
      { pid: 'key-a', store_key: '/bad//key' },
      { pid: 'key-ready', store_key: 'elsewhere' },
    ]);
    expect(res.body.successes).toEqual(['key-a']);
    expect(res.body.failures.map((f: { error: string }) => f.error)).toEqual(['Conflict', 'ValidationError', 'Conflict']);
    expect(res.body.failures[2].msg).toMatch(/key-ready is READY: its bytes are stored under/);
    expect((await db.media('key-a'))!.storeKey).toBe('new/key');
  });

  it('PATCH /media/update pairs pids with medias, or applies one update to every pid', async () => {
    await api.post('/api/media/create', [item('pair-1'), item('pair-2'), item('pair-3')]);
    const pairwise = await api.patch('/api/media/update', {
      pids: ['pair-1', 'pair-2', 'nobody'],
      medias: [
        { pid: null, new_pid: 'pair-1-renamed', pid_type: null, store_config: null },
        { pid: 'pair-2', new_pid: null, pid_type: 'BIN', store_config: null },
        { pid: null, new_pid: null, pid_type: null, store_config: null },
      ],
    });
    expect(pairwise.body).toEqual({ successes: ['pair-1', 'pair-2'], failures: [{ pid: 'nobody', error: 'NotFound', msg: 'media nobody not found' }] });
    expect(await db.media('pair-1-renamed')).toBeDefined();
    expect((await db.media('pair-2'))!.pidType).toBe('BIN');

    const ram = await api.post('/api/store', RAM_STORE);
    const all = await api.patch('/api/media/update', { pids: ['pair-2', 'pair-3'], medias: [{ store_config: ram.body.pk }] });
    expect(all.body.successes).toEqual(['pair-2', 'pair-3']);
    expect((await db.media('pair-3'))!.storeConfigId).toBe(ram.body.pk);
    expectError(await api.patch('/api/media/update', { pids: ['a', 'b', 'c'], medias: [{}, {}] }), 422, /one update per pid/);
    const mismatch = await api.patch('/api/media/update', { pids: ['pair-3'], medias: [{ pid: 'pair-2' }] });
    expect(mismatch.body.failures[0]).toMatchObject({ pid: 'pair-3', error: 'ValidationError' });
  });
});

describe('metadata at a key path (PUT / PATCH / DELETE /api/media/update/metadata)', () => {
  const nested = { a: { r: 1, s: 2, t: 3 }, b: { u: 4, v: { x: 5, y: 6, z: 7 }, w: 8 } };

  it("removes the value at a path (AMPLIfy's test_metadata)", async () => {
    await api.post('/api/media/create', [item('meta', { metadata: nested })]);
    const res = await api.delete('/api/media/update/metadata', [{ pid: 'meta', keys: ['b', 'w'] }]);
    expect(res.body).toEqual({ successes: ['meta'], failures: [] });
    expect((await db.media('meta'))!.metadata).toEqual({ a: nested.a, b: { u: 4, v: nested.b.v } });
  });

  it('PUT places any JSON value at the path, creating missing objects on the way', async () => {
    await api.put('/api/media/update/metadata', [
      { pid: 'meta', keys: ['b', 'v'], data: [1, 2] },
      { pid: 'meta', keys: ['rights', 'holder'], data: 'WHOI' },
    ]);
    expect((await db.media('meta'))!.metadata).toEqual({ a: nested.a, b: { u: 4, v: [1, 2] }, rights: { holder: 'WHOI' } });
  });

  it('PATCH merges an object into the object at the path', async () => {
    await api.patch('/api/media/update/metadata', [{ pid: 'meta', keys: ['a'], data: { s: 20, q: 0 } }]);
    expect((await db.media('meta'))!.metadata.a).toEqual({ r: 1, s: 20, t: 3, q: 0 });
  });

  it('PUT with no keys replaces the whole metadata; DELETE with no keys clears it', async () => {
    await api.put('/api/media/update/metadata', [{ pid: 'meta', keys: [], data: { fresh: true } }]);
    expect((await db.media('meta'))!.metadata).toEqual({ fresh: true });
    await api.delete('/api/media/update/metadata', [{ pid: 'meta', keys: [], data: {} }]);
    expect((await db.media('meta'))!.metadata).toEqual({});
  });

  it('reports impossible edits per item', async () => {
    await api.put('/api/media/update/metadata', [{ pid: 'meta', keys: [], data: { list: [1], n: 1 } }]);
    const res = await api.patch('/api/media/update/metadata', [
      { pid: 'meta', keys: ['n'], data: { x: 1 } },
      { pid: 'meta', keys: [], data: [1, 2] },
    ]);
    const put = await api.put('/api/media/update/metadata', [{ pid: 'meta', keys: [], data: 'scalar' }]);
    const del = await api.delete('/api/media/update/metadata', [{ pid: 'meta', keys: ['missing', 'deep'] }, { pid: 'meta', keys: ['nope'] }]);
    expect(res.body.failures).toEqual([
      { pid: 'meta', error: 'ValidationError', msg: 'metadata.n is not an object' },
      { pid: 'meta', error: 'ValidationError', msg: 'data must be a JSON object' },
    ]);
    expect(put.body.failures[0].msg).toBe('data (the whole metadata) must be a JSON object');
    expect(del.body.failures).toEqual([
      { pid: 'meta', error: 'NotFound', msg: 'metadata.missing does not exist' },
      { pid: 'meta', error: 'NotFound', msg: 'metadata.nope does not exist' },
    ]);
    expect((await db.media('meta'))!.metadata).toEqual({ list: [1], n: 1 });
  });
});

describe('POST /api/media/delete', () => {
  it('deletes each pid it can and reports the others', async () => {
    const res = await api.post('/api/media/delete', ['bulk-1', 'nobody', 'bulk-2']);
    expect(res.body).toEqual({ successes: ['bulk-1', 'bulk-2'], failures: [{ pid: 'nobody', error: 'NotFound', msg: 'media nobody not found' }] });
    expect(await db.media('bulk-1')).toBeUndefined();
    expect((await db.history('bulk-2')).map((h) => h.historyType)).toEqual(['+', '-']);
  });
});
