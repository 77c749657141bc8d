import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { audioFlow, conformant, newId, tamsClient, type TamsClient, videoFlow } from '../helpers/tams.js';
import { tamsSpec } from '../helpers/tams-spec.js';

/** GET /flows and /sources: every filter, the orders, keyset paging with the spec's headers, and strict queries. */

let t: TestApp;
let api: TamsClient;
const ids: Record<string, string> = {};
const source = { news: newId(), sport: newId() };

beforeAll(async () => {
  t = await createTestApp();
  api = tamsClient(t);
  const profile = tamsSpec().example('profile-put.json');
  await api.post(`/service/profiles/${String(profile.id)}`, profile);
  const flows: [string, Record<string, unknown>][] = [
    ['hd', videoFlow(newId(), source.news, { label: 'Bravo', status: 'ingesting', tags: { genre: 'news', lang: ['en', 'fr'] } })],
    ['sd', videoFlow(newId(), source.news, { label: 'alpha', codec: 'video/mpeg2', essence_parameters: { frame_width: 720, frame_height: 576, frame_rate: { numerator: 25 }, init_segments: true } })],
    ['audio', audioFlow(newId(), source.sport, { label: 'Charlie', status: 'closed_complete', tags: { genre: ['sport', 'live'] } })],
    ['plain', audioFlow(newId(), source.sport, {})],
    ['profiled', { id: newId(), source_id: newId(), profile_id: profile.id, tags: { lang: 'de' } }],
  ];
  for (const [name, body] of flows) {
    ids[name] = body.id as string;
    expect((await api.put(`/flows/${String(body.id)}`, { ...body, id: body.id })).status).toBe(201);
  }
});
afterAll(() => t.close());

const listed = async (query: string) => {
  const res = await api.get(`/flows?${query}`);
  expect(res.status, query).toBe(200);
  return (res.body as { id: string }[]).map((f) => Object.entries(ids).find(([, id]) => id === f.id)?.[0] ?? f.id);
};

describe('GET /tams/flows filters', () => {
  it.each([
    ['', ['profiled', 'plain', 'audio', 'sd', 'hd']],
    [`source_id=${source.news}`, ['sd', 'hd']],
    ['format=urn:x-nmos:format:audio', ['plain', 'audio']],
    ['codec=video/mpeg2', ['sd']],
    ['codec=video/h264', ['profiled', 'hd']],
    ['label=alpha', ['sd']],
    ['label=Alpha', []],
    ['status=ingesting', ['hd']],
    ['frame_width=1920', ['hd']],
    ['frame_width=1280&frame_height=720', ['profiled']],
    ['frame_height=1', []],
    ['init_segments=true', ['sd']],
    ['init_segments=false', ['profiled', 'plain', 'audio', 'hd']],
    ['profile_id=329b98d6-adeb-418c-8eaf-eca14edc1706', ['profiled']],
    ['tag.genre=news', ['hd']],
    ['tag.genre=live,news', ['audio', 'hd']],
    ['tag.genre=liv', []],
    ['tag.lang=fr', ['hd']],
    ['tag.lang=de&tag.genre=news', []],
    ['tag_exists.lang=true', ['profiled', 'hd']],
    ['tag_exists.lang=false', ['plain', 'audio', 'sd']],
    ['tag_exists.lang=true&tag.genre=news', ['hd']],
    ['timerange=_', ['profiled', 'plain', 'audio', 'sd', 'hd']],
    ['timerange=()', ['profiled', 'plain', 'audio', 'sd', 'hd']],
    ['timerange=[0:0_10:0)', []],
    ['timerange=[10:0_5:0)', ['profiled', 'plain', 'audio', 'sd', 'hd']],
  ])('%s', async (query, expected) => {
    expect(await listed(query)).toEqual(expected);
  });

  it('URL-encoded tag names and values', async () => {
    await api.put(`/flows/${ids.plain}/tags/${encodeURIComponent('rights holder')}`, 'BBC, R&D');
    expect(await listed(`${encodeURIComponent('tag.rights holder')}=${encodeURIComponent('BBC, R&D')}`)).toEqual([]); // the comma separates values
    expect(await listed(`${encodeURIComponent('tag_exists.rights holder')}=true`)).toEqual(['plain']);
  });

  it.each([
    ['frame_width=abc', /frame_width/],
    ['frame_width=1.5', /frame_width/],
    ['init_segments=yes', /init_segments/],
    ['format=urn:x-nmos:format:smell', /format/],
    ['source_id=not-a-uuid', /source_id/],
    ['codec=h264', /codec/],
    ['status=done', /status/],
    ['sort_by=updated', /sort_by/],
    ['reverse_order=1', /reverse_order/],
    ['timerange=yesterday', /timerange/],
    ['tag_exists.genre=maybe', /tag_exists\.genre/],
    ['tag.genre=a,,b', /tag\.genre/],
    ['label=a&label=b', /label/],
    ['colour=red', /colour: unknown parameter; this operation takes: source_id, timerange/],
    ['tag.=x', /tag\.: unknown parameter/],
    ['limit=0', /limit/],
    ['limit=-5', /limit/],
    ['limit=ten', /limit/],
    ['page=not-a-key', /page/],
  ])('%s is refused with 400', async (query, message) => {
    const res = await api.get(`/flows?${query}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toMatch(message);
  });
});

describe('GET /tams/flows order and paging', () => {
  async function allPages(query: string, limit: number) {
    const seen: string[] = [];
    let url: string | undefined = `/tams/flows?${query}&limit=${limit}`;
    while (url) {
      const res = conformant(await t.http.get(url).set('Authorization', `Bearer ${t.adminToken}`));
      expect(res.status).toBe(200);
      expect(res.headers['x-paging-limit']).toBe(String(limit));
      expect(res.headers['x-paging-count']).toBe(String(res.body.length));
      seen.push(...(res.body as { id: string }[]).map((f) => f.id));
      const link = res.headers.link as string | undefined;
      if (link) {
        const next = /^<([^>]+)>; rel="next"$/.exec(link)![1]!;
        expect(next.startsWith(`${t.baseUrl}/tams/flows?`)).toBe(true);
        expect(new URL(next).searchParams.get('page')).toBe(res.headers['x-paging-nextkey']);
        url = next.slice(t.baseUrl.length);
      } else {
        expect(res.headers['x-paging-nextkey']).toBeUndefined();
        url = undefined;
      }
    }
    return seen;
  }

  it('pages through every flow once, in the order of the whole listing, keeping the other parameters', async () => {
    for (const query of ['', 'reverse_order=true', 'sort_by=label', 'sort_by=label&reverse_order=true', 'sort_by=metadata_updated', 'format=urn:x-nmos:format:video']) {
      const whole = ((await api.get(`/flows?${query}&limit=1000`)).body as { id: string }[]).map((f) => f.id);
      expect(await allPages(query, 2), query).toEqual(whole);
      expect(await allPages(query, 1), query).toEqual(whole);
    }
  });

  it('orders newest first by default, alphabetically by label with unlabelled flows last', async () => {
    const created = ((await api.get('/flows')).body as { created: string; id: string }[]).map((f) => [f.created, f.id]);
    expect(created).toEqual([...created].sort().reverse());
    expect(await listed('sort_by=label')).toEqual(['hd', 'audio', 'sd', ...['plain', 'profiled'].sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1))]);
    expect((await listed('sort_by=label&reverse_order=true')).slice(0, 2).sort()).toEqual(['plain', 'profiled']);
    await api.put(`/flows/${ids.sd}/description`, 'touched');
    expect((await listed('sort_by=metadata_updated'))[0]).toBe('sd');
  });

  it('sends the paging headers, lowers a limit above the maximum, and HEAD sends the same headers', async () => {
    const get = await api.get('/flows?limit=2&reverse_order=true');
    expect(get.headers).toMatchObject({ 'x-paging-limit': '2', 'x-paging-count': '2', 'x-paging-reverse-order': 'true' });
    expect(get.headers['x-paging-nextkey']).toBeTruthy();
    expect(get.headers.link).toContain('reverse_order=true');
    const head = await api.head('/flows?limit=2&reverse_order=true');
    for (const h of ['x-paging-limit', 'x-paging-count', 'x-paging-reverse-order', 'x-paging-nextkey', 'link', 'content-length']) expect(head.headers[h], h).toBe(get.headers[h]);
    const capped = await api.get('/flows?limit=5000');
    expect(capped.headers['x-paging-limit']).toBe('1000');
    const last = await api.get('/flows');
    expect(last.headers.link).toBeUndefined();
    expect(last.headers['x-paging-reverse-order']).toBe('false');
  });

  it('refuses a page key used with another order', async () => {
    const key = (await api.get('/flows?limit=1')).headers['x-paging-nextkey'] as string;
    expect((await api.get(`/flows?limit=1&page=${key}`)).status).toBe(200);
    for (const other of ['sort_by=label', 'reverse_order=true']) {
      const res = await api.get(`/flows?limit=1&page=${key}&${other}`);
      expect(res.status, other).toBe(400);
      expect(res.body.summary).toMatch(/not a page key of this listing/);
    }
  });
});

describe('GET /tams/sources and /tams/service/profiles', () => {
  it('filters and pages sources', async () => {
    const sources = async (query: string) => ((await api.get(`/sources?${query}`)).body as { id: string }[]).map((s) => s.id);
    expect((await sources('format=urn:x-nmos:format:audio')).sort()).toEqual([source.sport]);
    expect(await sources('label=Bravo')).toEqual([source.news]);
    expect(await sources('tag_exists.genre=true')).toEqual([]);
    await api.put(`/sources/${source.sport}/tags/genre`, ['sport']);
    expect(await sources('tag.genre=sport')).toEqual([source.sport]);
    const page = await api.get('/sources?limit=1&sort_by=updated');
    expect(page.headers).toMatchObject({ 'x-paging-count': '1', 'x-paging-reverse-order': 'false' });
    expect(page.body[0].id).toBe(source.sport);
    expect((await api.get('/sources?sort_by=metadata_updated')).status).toBe(400);
    expect((await api.get('/sources?codec=video/h264')).status).toBe(400);
  });

  it('lists profiles with only the headers the spec gives them, and refuses reverse_order', async () => {
    const res = await api.get('/service/profiles?format=urn:x-nmos:format:video&codec=video/h264');
    expect(res.body).toHaveLength(1);
    expect(res.headers['x-paging-limit']).toBe('100');
    expect(res.headers['x-paging-count']).toBeUndefined();
    expect(res.headers['x-paging-reverse-order']).toBeUndefined();
    expect((await api.get('/service/profiles?format=urn:x-nmos:format:audio')).body).toEqual([]);
    expect((await api.get('/service/profiles?reverse_order=true')).status).toBe(400);
  });
});
