import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { searchConditions } from '../../src/media/media-search.repo.js';
import type { MediaSearch } from '../../src/media/media-search.schemas.js';
import { media } from '../../src/media/media.tables.js';
import type { TestApp } from '../helpers/app.js';
import { expectError, FS_STORE, useMediaApp, type Client, type MediaBody } from './helpers.js';

let t: TestApp;
let api: Client;
useMediaApp({ types: { DEMO: '', ISAN: '', BIN: '' } }, (m) => ({ t, uma: api } = m));
beforeAll(async () => {
  const records = [
    { pid: 'news-2024-001', tags: ['news', 'bbc'], identifiers: { ISAN: '0000-0001-A', BIN: 'D20240101T000000_IFCB1' }, metadata: { camera: { model: 'X1' }, year: 2024, rights: { holder: 'BBC' } } },
    { pid: 'news-2024-002', tags: ['news'], identifiers: { ISAN: '0000-0002-B' }, metadata: { camera: { model: 'X2' }, year: 2024 } },
    { pid: 'sport-2023-001', tags: ['sport', 'bbc'], identifiers: { ISAN: '1111-0001-C' }, metadata: { camera: { model: 'X1', lens: 'wide' }, year: 2023, list: [1, 2] } },
    { pid: 'misc_under%score', tags: [], identifiers: {}, metadata: { camera: 'none', year: null } },
  ];
  const res = await api.post('/api/media/create', records.map((r) => ({ ...r, pid_type: 'DEMO', store_config: FS_STORE })));
  expect(res.status).toBe(200);
  await t.ctx.media.media.markStored({ actor: 'test', reason: null }, 'sport-2023-001', { size: 1, sha256: 'e'.repeat(64), md5: 'f'.repeat(32) });
});

const search = async (body: Record<string, unknown>) => {
  const res = await api.post('/api/media/search', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body as MediaBody[]).map((m) => m.pid);
};

describe('POST /api/media/search', () => {
  it("finds records with any of the tags (AMPLIfy's search), in pk order", async () => {
    expect(await search({ tags: ['bbc'] })).toEqual(['news-2024-001', 'sport-2023-001']);
    expect(await search({ tags: ['sport', 'news'] })).toEqual(['news-2024-001', 'news-2024-002', 'sport-2023-001']);
    expect(await search({ tags: ['nothing-has-this'] })).toEqual([]);
  });

  it('combines every condition given: tags_all, pid wildcards, pid_type, store_status', async () => {
    expect(await search({ tags_all: ['news', 'bbc'] })).toEqual(['news-2024-001']);
    expect(await search({ pid: 'news-2024-*' })).toEqual(['news-2024-001', 'news-2024-002']);
    expect(await search({ pid: '*-2024-00?' })).toEqual(['news-2024-001', 'news-2024-002']);
    expect(await search({ pid: 'news-2024-002' })).toEqual(['news-2024-002']);
    // % and _ are literal characters, not wildcards
    expect(await search({ pid: 'misc_under%score' })).toEqual(['misc_under%score']);
    expect(await search({ pid: 'misc?under?score' })).toEqual(['misc_under%score']);
    expect(await search({ pid: 'misc%*' })).toEqual([]);
    expect(await search({ pid_type: 'DEMO', store_status: 'READY' })).toEqual(['sport-2023-001']);
    expect(await search({ tags: ['bbc'], store_status: 'PENDING' })).toEqual(['news-2024-001']);
  });

  it('matches identifier values exactly, with wildcards, or by presence ("*")', async () => {
    expect(await search({ identifiers: { ISAN: '0000-0002-B' } })).toEqual(['news-2024-002']);
    expect(await search({ identifiers: { ISAN: '0000-*' } })).toEqual(['news-2024-001', 'news-2024-002']);
    expect(await search({ identifiers: { ISAN: '*-0001-?' } })).toEqual(['news-2024-001', 'sport-2023-001']);
    expect(await search({ identifiers: { BIN: '*' } })).toEqual(['news-2024-001']);
    expect(await search({ identifiers: { BIN: 'D2024*', ISAN: '0000*' } })).toEqual(['news-2024-001']);
    // a wildcard must not match across identifiers: BIN values never start with 0000
    expect(await search({ identifiers: { BIN: '0000*' } })).toEqual([]);
  });

  it('matches metadata values at a key path, and key paths that exist', async () => {
    expect(await search({ metadata: [{ keys: ['camera', 'model'], equals: 'X1' }] })).toEqual(['news-2024-001', 'sport-2023-001']);
    expect(await search({ metadata: [{ keys: ['year'], equals: 2024 }, { keys: ['camera', 'model'], equals: 'X2' }] })).toEqual(['news-2024-002']);
    // equality, not containment: {model: X1} is not equal to {model: X1, lens: wide}
    expect(await search({ metadata: [{ keys: ['camera'], equals: { model: 'X1' } }] })).toEqual(['news-2024-001']);
    expect(await search({ metadata: [{ keys: ['list'], equals: [1] }] })).toEqual([]);
    expect(await search({ metadata: [{ keys: ['year'], equals: null }] })).toEqual(['misc_under%score']);
    expect(await search({ metadata: [{ keys: ['rights', 'holder'], exists: true }] })).toEqual(['news-2024-001']);
    expect(await search({ metadata: [{ keys: ['camera', 'lens'], exists: false }] })).toEqual(['news-2024-001', 'news-2024-002', 'misc_under%score']);
  });

  it('pages with limit and the cursor of X-Paging-NextKey', async () => {
    const first = await api.post('/api/media/search', { tags: ['news', 'sport'], limit: 2 });
    expect(first.body.map((m: MediaBody) => m.pid)).toEqual(['news-2024-001', 'news-2024-002']);
    const cursor = first.headers['x-paging-nextkey'];
    expect(cursor).toEqual(expect.any(String));
    const second = await api.post('/api/media/search', { tags: ['news', 'sport'], limit: 2, cursor });
    expect(second.body.map((m: MediaBody) => m.pid)).toEqual(['sport-2023-001']);
    expect(second.headers['x-paging-nextkey']).toBeUndefined();
  });

  it('refuses bad conditions by field (422)', async () => {
    expectError(await api.post('/api/media/search', { tags: 'news' }), 422, /tags/);
    expectError(await api.post('/api/media/search', { metadata: [{ keys: ['a'] }] }), 422, /either `equals` or `exists`/);
    expectError(await api.post('/api/media/search', { metadata: [{ keys: [], exists: true }] }), 422, /keys/);
    expectError(await api.post('/api/media/search', { limit: 0 }), 422, /limit/);
    expectError(await api.post('/api/media/search', { limit: 5, cursor: 'forged' }), 422, 'body.cursor: not a cursor this service issued');
    expectError(await api.post('/api/media/search', { colour: 'red' }), 422, /colour/);
  });
});

describe('GET /api/media/dump', () => {
  it('returns every record (streamed) without limit, as AMPLIfy does', async () => {
    const res = await api.get('/api/media/dump');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.map((m: MediaBody) => m.pid)).toEqual(['news-2024-001', 'news-2024-002', 'sport-2023-001', 'misc_under%score']);
    expect(res.body[0]).toEqual((await api.get('/api/media/news-2024-001')).body);
  });

  it('pages with ?limit&cursor, linking the next page', async () => {
    const first = await api.get('/api/media/dump?limit=3');
    expect(first.body).toHaveLength(3);
    const link = first.headers.link as string;
    expect(link).toMatch(/^<\/api\/media\/dump\?limit=3&cursor=[\w-]+>; rel="next"$/);
    const next = await api.get(link.slice(1, link.indexOf('>')));
    expect(next.body.map((m: MediaBody) => m.pid)).toEqual(['misc_under%score']);
    expect(next.headers.link).toBeUndefined();
    expectError(await api.get('/api/media/dump?limit=5000'), 422, /limit/);
  });
});

describe('search plans', () => {
  // With sequential scans priced out, the planner shows whether an index can answer each condition.
  const plan = async (q: MediaSearch) => {
    const db = t.db();
    return db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const where = searchConditions(q)!;
      const rows = await tx.execute(sql`explain select ${media.id} from ${media} where ${where}`);
      return ((rows as unknown as { rows: Record<string, string>[] }).rows ?? (rows as unknown as Record<string, string>[]))
        .map((r) => Object.values(r)[0])
        .join('\n');
    });
  };

  it.each([
    ['tags (any)', 'media_tags_idx', { tags: ['news'] }],
    ['tags (all)', 'media_tags_idx', { tags_all: ['news', 'bbc'] }],
    ['pid wildcard', 'media_pid_trgm_idx', { pid: '*2024-00*' }],
    ['pid prefix', 'media_pid_prefix_idx', { pid: 'news-2024-*' }],
    ['identifier value', 'media_identifiers_idx', { identifiers: { ISAN: '0000-0002-B' } }],
    ['identifier wildcard', 'media_identifiers_trgm_idx', { identifiers: { ISAN: '0000-00*' } }],
    ['metadata equality', 'media_metadata_path_idx', { metadata: [{ keys: ['camera', 'model'], equals: 'X1' }] }],
    ['metadata key exists', 'media_metadata_idx', { metadata: [{ keys: ['rights', 'holder'], exists: true }] }],
    ['pid_type', 'media_pid_type_idx', { pid_type: 'DEMO' }],
    ['store_status', 'media_store_status_idx', { store_status: 'READY' }],
  ] as [string, string, MediaSearch][])('%s uses %s', async (_what, index, q) => {
    expect(await plan(q)).toContain(index);
  });
});
