import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { createMedia, expectError, FS_STORE, useMediaApp, type Client, type Stored } from './helpers.js';

let t: TestApp;
let api: Client;
let db: Stored;
useMediaApp({ env: { JSON_BODY_LIMIT: '256kb' }, types: { DEMO: '' } }, (m) => ({ t, uma: api, db } = m));
beforeAll(() => createMedia(t, { pid: 'existing', metadata: { a: 1 }, tags: ['t'] }));

const valid = { pid: 'fresh', pid_type: 'DEMO', store_config: FS_STORE };
const deep = (levels: number): unknown => (levels === 0 ? 'bottom' : { d: deep(levels - 1) });

describe('bad input to the media endpoints is a 4xx naming the field, and writes nothing', () => {
  it.each([
    ['NUL in the pid', { ...valid, pid: 'nul\u0000pid' }, ['body', 'pid']],
    ['a control character in a tag', { ...valid, tags: ['ok', 'line\nbreak'] }, ['body', 'tags', 1]],
    ['NUL in a metadata string', { ...valid, metadata: { title: 'a\u0000b' } }, ['body', 'metadata', 'title']],
    ['NUL in a metadata key', { ...valid, metadata: { 'k\u0000': 1 } }, ['body', 'metadata', 'k\u0000']],
    ['a lone surrogate in metadata', { ...valid, metadata: { nested: ['\ud800'] } }, ['body', 'metadata', 'nested', 0]],
    ['"__proto__" as a metadata key', JSON.parse('{"pid":"p","pid_type":"DEMO","store_config":{"type":"DictStore","bucket":"b"},"metadata":{"__proto__":{"x":1}}}'), ['body', 'metadata', '__proto__']],
    ['metadata nested 40 deep', { ...valid, metadata: deep(40) }, ['body', 'metadata']],
    ['metadata that is a list', { ...valid, metadata: [1, 2] }, ['body', 'metadata']],
    ['a huge pid', { ...valid, pid: 'p'.repeat(100_000) }, ['body', 'pid']],
    ['a number as pid', { ...valid, pid: 42 }, ['body', 'pid']],
    ['an identifier value that is not a string', { ...valid, identifiers: { DEMO: ['x'] } }, ['body', 'identifiers', 'DEMO']],
    ['an unknown field', { ...valid, s3_params: null }, ['body']],
    ['an unknown store type', { ...valid, store_config: { type: 'ZipStore', bucket: 'x' } }, ['body', 'store_config', 'type']],
    ['a store config without bucket', { ...valid, store_config: { type: 'DictStore' } }, ['body', 'store_config', 'bucket']],
  ] as [string, unknown, (string | number)[]][])('POST /api/media with %s', async (_what, body, loc) => {
    const before = await db.counts();
    const res = await api.post('/api/media', body);
    expectError(res, 422);
    expect(res.body.detail.some((d: { loc: unknown[] }) => JSON.stringify(d.loc).startsWith(JSON.stringify(loc).slice(0, -1)))).toBe(true);
    expect(await db.counts()).toEqual(before);
  });

  it('malformed JSON → 400, a wrong content type → 415, a body over the limit → 413', async () => {
    const before = await db.counts();
    expectError(await t.http.post('/api/media').set(api.auth).set('Content-Type', 'application/json').send('{"pid": '), 400, /^malformed JSON body/);
    expectError(await t.http.post('/api/media').set(api.auth).set('Content-Type', 'text/plain').send('pid=x'), 415);
    expectError(await api.post('/api/media/create', Array.from({ length: 3000 }, (_, i) => ({ ...valid, pid: `p${i}` }))), 413, /exceeds the limit/);
    expect(await db.counts()).toEqual(before);
  });

  it('bulk endpoints refuse a body that is not a list, or a list with a malformed item', async () => {
    const before = await db.counts();
    for (const [method, path] of [
      ['post', '/api/media/create'], ['post', '/api/media/read'], ['post', '/api/media/delete'],
      ['patch', '/api/media/update/tags'], ['put', '/api/media/update/storekeys'], ['put', '/api/media/update/identifiers'],
      ['put', '/api/media/update/metadata'], ['patch', '/api/media/update/metadata'], ['delete', '/api/media/update/metadata'],
    ] as const) {
      expectError(await api[method](path, { pid: 'existing' }), 422);
      const res = await api[method](path, ['existing', { pid: 7 }]);
      expectError(res, 422);
      // the item is named: 0 (a string where an object belongs) or 1 (an object where a pid belongs)
      expect(res.body.detail[0].loc[1], `${method} ${path}`).toBe(path.endsWith('read') || path.endsWith('delete') ? 1 : 0);
    }
    expectError(await api.put('/api/media/update/metadata', [{ pid: 'existing', keys: ['a\u0000'], data: 1 }]), 422, /keys/);
    expectError(await api.put('/api/media/update/metadata', [{ pid: 'existing', keys: ['__proto__'], data: { polluted: true } }]), 422, /__proto__/);
    expectError(await api.patch('/api/media/update', { pids: 'existing', medias: [] }), 422, /pids/);
    expect(await db.counts()).toEqual(before);
    expect(await db.media('existing')).toMatchObject({ metadata: { a: 1 }, tags: ['t'] });
  });

  it('refuses an X-Change-Reason over 1000 characters, and bad path and query values', async () => {
    expectError(await api.post('/api/media', valid).set('X-Change-Reason', 'r'.repeat(1001)), 422, /x-change-reason/);
    expectError(await api.get('/api/store/0'), 422, /pk/);
    expectError(await api.get('/api/store/99999999999999999999'), 422, /pk/);
    expectError(await api.get('/api/media/dump?limit=abc'), 422, /limit/);
    expectError(await api.get('/api/media/existing?as_of=2024-13-45'), 422, /as_of/);
    expectError(await api.get('/api/media/existing?colour=red'), 422, /colour/);
    expectError(await api.get('/api/media/%E0%A4%A'), 400);
    expect(await db.media('fresh')).toBeUndefined();
  });

  it('logs no errors for any of it', () => {
    expect(t.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });
});
