import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { media } from '../../src/media/media.tables.js';
import { tamsFlows } from '../../src/tams/flows/flows.tables.js';
import type { TestApp } from '../helpers/app.js';
import { allocate, download, seconds, upload } from '../helpers/tams-segments.js';
import { newId, outboxMark, type TamsClient, tamsEventsSince, videoFlow, withTamsApp } from '../helpers/tams.js';

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

async function newFlow(extra: Record<string, unknown> = {}): Promise<string> {
  const id = newId();
  expect((await api.put(`/flows/${id}`, videoFlow(id, newId(), extra))).status).toBe(201);
  return id;
}

/** Allocates `n` objects and registers them as consecutive 10-second segments from `start`. */
async function fill(flowId: string, n: number, start = 0): Promise<string[]> {
  const objects = await allocate(api, flowId, { limit: n });
  const body = objects.map((o, i) => ({ object_id: o.object_id, timerange: seconds(start + 10 * i, start + 10 * (i + 1)) }));
  expect((await api.post(`/flows/${flowId}/segments`, body)).status).toBe(201);
  return objects.map((o) => o.object_id);
}

const segmentsOf = async (flowId: string, query = '') => {
  const res = await api.get(`/flows/${flowId}/segments${query}`);
  expect(res.status).toBe(200);
  return res;
};
const mediaRow = async (pid: string) => (await t.db().select().from(media).where(eq(media.pid, pid)))[0];

describe('GET /tams/service/storage-backends', () => {
  it('lists the default backend (the configured TAMS store) with the spec fields', async () => {
    const res = await api.get('/service/storage-backends');
    expect(res.status).toBe(200);
    const backends = res.body as Record<string, unknown>[];
    expect(backends.filter((b) => b.default_storage)).toHaveLength(1);
    expect(backends.find((b) => b.default_storage)).toMatchObject({ store_type: 'http_object_store', provider: 'mediastore', label: 'filesystem:tams' });
    expect(res.headers['x-paging-count']).toBe(String(backends.length));
    expect((await api.head('/service/storage-backends')).status).toBe(200);
    expect((await api.get('/service/storage-backends?tag_exists.x=true')).body).toEqual([]);
    expect((await api.get('/service/storage-backends?colour=red')).status).toBe(400);
  });
});

describe('POST /tams/flows/{id}/storage', () => {
  it('allocates PENDING media records whose put_url stores the bytes with checksums', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    expect(object!.put_url['content-type']).toBe('video/mp2t');
    expect(await mediaRow(object!.object_id)).toMatchObject({ pidType: 'tams_object', storeStatus: 'PENDING' });
    // allocated but not registered: 404, as the spec requires
    expect((await api.get(`/objects/${object!.object_id}`)).status).toBe(404);
    await upload(object!, Buffer.from('segment bytes'));
    expect(await mediaRow(object!.object_id)).toMatchObject({ storeStatus: 'READY', size: 13, sha256: createHash('sha256').update('segment bytes').digest('hex') });
  });

  it('takes object_ids, refuses ids that exist, both limit and object_ids, unknown storage ids, and flows without container', async () => {
    const flowId = await newFlow();
    const id = `tams/obj-${newId()}`;
    expect((await allocate(api, flowId, { object_ids: [id] })).map((o) => o.object_id)).toEqual([id]);
    expect((await api.post(`/flows/${flowId}/storage`, { object_ids: [id] })).status).toBe(400);
    expect((await api.post(`/flows/${flowId}/storage`, { limit: 1, object_ids: ['x'] })).status).toBe(400);
    expect((await api.post(`/flows/${flowId}/storage`, { storage_id: newId() })).status).toBe(400);
    expect((await api.post(`/flows/${newId()}/storage`, {})).status).toBe(404);
    const bare = await newFlow({ container: undefined });
    expect((await api.post(`/flows/${bare}/storage`, {})).status).toBe(400);
    expect((await api.post(`/flows/${bare}/segments`, { object_id: id, timerange: '[0:0_1:0)' })).status).toBe(400);
  });
});

describe('POST and GET /tams/flows/{id}/segments', () => {
  it('registers a segment, sets segments_updated, records segments_added, and serves its bytes through get_urls', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    const bytes = Buffer.from('the bytes of one segment');
    await upload(object!, bytes);
    const mark = await outboxMark(t);
    const res = await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, timerange: '[0:0_10:0)', ts_offset: '0:0', last_duration: '0:40000000', key_frame_count: 3, sample_count: 250 });
    expect(res.status).toBe(201);

    const list = await segmentsOf(flowId);
    const [segment] = list.body as Record<string, unknown>[];
    expect(segment).toMatchObject({ object_id: object!.object_id, timerange: '[0:0_10:0)', ts_offset: '0:0', last_duration: '0:40000000', key_frame_count: 3, sample_count: 250 });
    expect(segment).not.toHaveProperty('object_timerange');
    const [url] = segment!.get_urls as { url: string; presigned: boolean; label: string; controlled: boolean }[];
    expect(url).toMatchObject({ presigned: true, label: 'filesystem:tams', controlled: true });
    expect(await download(url!.url)).toEqual(bytes);
    expect(list.headers['x-paging-timerange']).toBe('[0:0_10:0)');

    const [flow] = await t.db().select().from(tamsFlows).where(eq(tamsFlows.id, flowId));
    expect(flow!.segmentsUpdated).toBeInstanceOf(Date);
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => e.type)).toEqual(['tams.flows.segments_added']);
    expect(events[0]!.payload.event).toMatchObject({ flow_id: flowId, segments: [{ object_id: object!.object_id, timerange: '[0:0_10:0)' }] });

    const withRange = (await segmentsOf(flowId, '?include_object_timerange=true&verbose_storage=true')).body as Record<string, unknown>[];
    expect(withRange[0]).toMatchObject({ object_timerange: '[0:0_10:0)' });
    expect((withRange[0]!.get_urls as Record<string, unknown>[])[0]).toMatchObject({ store_type: 'http_object_store', provider: 'mediastore' });
  });

  it('refuses overlapping segments with exact clusivity, and accepts adjacent ones', async () => {
    const flowId = await newFlow();
    const objects = await allocate(api, flowId, { limit: 6 });
    const post = (i: number, timerange: string) => api.post(`/flows/${flowId}/segments`, { object_id: objects[i]!.object_id, timerange });
    expect((await post(0, '[10:0_20:0)')).status).toBe(201);
    expect((await post(1, '[0:0_10:0)')).status).toBe(201);
    expect((await post(2, '[20:0]')).status).toBe(201);
    const overlap = await post(3, '[19:999999999_21:0)');
    expect(overlap.status).toBe(400);
    expect(overlap.body.summary).toContain('overlaps');
    expect((await post(3, '(20:0_30:0)')).status).toBe(201);
    expect((await post(4, '[5:0]')).status).toBe(400);
    // empty and unbounded ranges are not segments
    expect((await post(4, '[2:0_1:0)')).status).toBe(400);
    expect((await post(4, '[40:0_')).status).toBe(400);
    expect((await segmentsOf(flowId)).body.map((s: { timerange: string }) => s.timerange)).toEqual(['[0:0_10:0)', '[10:0_20:0)', '[20:0]', '(20:0_30:0)']);
  });

  it('reports failures of a bulk POST in failed_segments and registers the rest', async () => {
    const flowId = await newFlow();
    const [a, b, c] = await allocate(api, flowId, { limit: 3 });
    const res = await api.post(`/flows/${flowId}/segments`, [
      { object_id: a!.object_id, timerange: '[0:0_10:0)' },
      { object_id: b!.object_id, timerange: '[5:0_15:0)' },
      { object_id: 'no-such-object', timerange: '[20:0_30:0)' },
      { object_id: c!.object_id, timerange: 'yesterday' },
      { timerange: '[40:0_50:0)' },
      { object_id: c!.object_id, timerange: '[30:0_40:0)' },
    ]);
    expect(res.status).toBe(200);
    const failed = res.body.failed_segments as { object_id: string; timerange?: string; error: { summary: string } }[];
    expect(failed.map((f) => [f.object_id, f.timerange])).toEqual([
      [b!.object_id, '[5:0_15:0)'],
      ['no-such-object', '[20:0_30:0)'],
      [c!.object_id, undefined],
      ['', '[40:0_50:0)'],
    ]);
    expect(failed[1]!.error.summary).toContain('does not exist');
    expect((await segmentsOf(flowId)).body.map((s: { object_id: string }) => s.object_id)).toEqual([a!.object_id, c!.object_id]);
  });

  it('refuses objects allocated for another flow, segments outside the object, and changes of object properties', async () => {
    const [f1, f2] = [await newFlow(), await newFlow()];
    const [mine] = await allocate(api, f1);
    expect((await api.post(`/flows/${f2}/segments`, { object_id: mine!.object_id, timerange: '[0:0_10:0)' })).status).toBe(400);
    expect((await api.post(`/flows/${f1}/segments`, { object_id: mine!.object_id, timerange: '[0:0_10:0)', key_frame_count: 2 })).status).toBe(201);
    // registered objects may be reused by other flows, within their timerange, with ts_offset
    expect((await api.post(`/flows/${f2}/segments`, { object_id: mine!.object_id, timerange: '[100:0_105:0)', ts_offset: '100:0' })).status).toBe(201);
    expect((await api.post(`/flows/${f2}/segments`, { object_id: mine!.object_id, timerange: '[200:0_211:0)', ts_offset: '200:0' })).status).toBe(400);
    expect((await api.post(`/flows/${f2}/segments`, { object_id: mine!.object_id, timerange: '[300:0_301:0)', ts_offset: '300:0', key_frame_count: 5 })).status).toBe(400);
    expect((await api.post(`/flows/${f2}/segments`, { object_id: mine!.object_id, timerange: '[300:0_301:0)', ts_offset: '300:0', object_timerange: '[0:0_20:0)' })).status).toBe(400);
    const object = await api.get(`/objects/${encodeURIComponent(mine!.object_id)}`);
    expect(object.body).toMatchObject({ id: mine!.object_id, first_referenced_by_flow: f1, timerange: '[0:0_10:0)', key_frame_count: 2 });
    expect([...object.body.referenced_by_flows].sort()).toEqual([f1, f2].sort());
  });

  it('keeps uncontrolled get_urls with their labels and filters get_urls as asked', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    const backends = (await api.get('/service/storage-backends')).body as { id: string; label: string }[];
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, timerange: '[0:0_1:0)', get_urls: [{ url: 'https://cdn.example/x.ts', label: backends[0]!.label }] })).status).toBe(400);
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, timerange: '[0:0_1:0)', get_urls: [{ url: 'https://cdn.example/x.ts', label: 'cdn' }] })).status).toBe(201);
    const labels = async (query: string) => ((await segmentsOf(flowId, query)).body[0].get_urls as { label: string }[]).map((u) => u.label);
    expect(await labels('')).toEqual(['filesystem:tams', 'cdn']);
    expect(await labels('?accept_get_urls=cdn')).toEqual(['cdn']);
    expect(await labels('?accept_get_urls=')).toEqual([]);
    expect(await labels('?presigned=true')).toEqual(['filesystem:tams']);
    expect(await labels('?presigned=false')).toEqual(['cdn']);
    const defaultId = backends.find((b) => b.label === 'filesystem:tams')!.id;
    expect(await labels(`?accept_storage_ids=${defaultId}`)).toEqual(['filesystem:tams']);
    expect(await labels(`?accept_storage_ids=${newId()}`)).toEqual([]);
    expect(await labels('?storage_backend_tag_exists.region=false')).toEqual(['filesystem:tams']);
    expect((await api.get(`/flows/${flowId}/segments?accept_storage_ids=nope`)).status).toBe(400);
  });

  it('pages in time order with Link and X-Paging headers, reversed on request, and filters by timerange and object', async () => {
    const flowId = await newFlow();
    const ids = await fill(flowId, 5);
    const first = await segmentsOf(flowId, '?limit=2');
    expect(first.body.map((s: { object_id: string }) => s.object_id)).toEqual(ids.slice(0, 2));
    expect(first.headers).toMatchObject({ 'x-paging-limit': '2', 'x-paging-count': '2', 'x-paging-reverse-order': 'false', 'x-paging-timerange': '[0:0_20:0)' });
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link!)![1]!;
    const second = await segmentsOf(flowId, new URL(next).search);
    expect(second.body.map((s: { object_id: string }) => s.object_id)).toEqual(ids.slice(2, 4));
    const reversed = await segmentsOf(flowId, '?reverse_order=true&limit=3');
    expect(reversed.body.map((s: { object_id: string }) => s.object_id)).toEqual([...ids].reverse().slice(0, 3));
    const last = await segmentsOf(flowId, `?reverse_order=true&limit=3&page=${reversed.headers['x-paging-nextkey']}`);
    expect(last.body.map((s: { object_id: string }) => s.object_id)).toEqual([ids[1], ids[0]]);
    expect(last.headers.link).toBeUndefined();
    // overlap, exactly: [10:0_20:0) touches [0:0_10:0) and [20:0_30:0) without overlapping them
    const within = async (range: string) => (await segmentsOf(flowId, `?timerange=${encodeURIComponent(range)}`)).body.map((s: { timerange: string }) => s.timerange);
    expect(await within('[10:0_20:0)')).toEqual(['[10:0_20:0)']);
    expect(await within('[9:999999999_20:0]')).toEqual(['[0:0_10:0)', '[10:0_20:0)', '[20:0_30:0)']);
    expect(await within('(40:0_')).toEqual(['[40:0_50:0)']);
    expect(await within('_0:0]')).toEqual(['[0:0_10:0)']);
    expect(await within('()')).toEqual([]);
    expect(await within('[50:0_60:0)')).toEqual([]);
    expect((await segmentsOf(flowId, '?timerange=()')).headers['x-paging-timerange']).toBe('()');
    expect((await segmentsOf(flowId, `?object_id=${ids[3]}`)).body.map((s: { timerange: string }) => s.timerange)).toEqual(['[30:0_40:0)']);
    expect((await api.get(`/flows/${flowId}/segments?timerange=nonsense`)).status).toBe(400);
    expect((await api.head(`/flows/${flowId}/segments?limit=1`)).headers['x-paging-count']).toBe('1');
    // a flow that does not exist has no segments (the spec: 200 and [])
    expect((await segmentsOf(newId())).body).toEqual([]);
  });
});

describe('DELETE /tams/flows/{id}/segments', () => {
  it('deletes the segments wholly inside the timerange, frees objects nobody references, keeps shared ones', async () => {
    const [f1, f2] = [await newFlow(), await newFlow()];
    const objects = await allocate(api, f1, { limit: 3 });
    for (const o of objects) await upload(o, Buffer.from(`bytes of ${o.object_id}`));
    const ids = objects.map((o) => o.object_id);
    expect((await api.post(`/flows/${f1}/segments`, ids.map((id, i) => ({ object_id: id, timerange: seconds(10 * i, 10 * i + 10) })))).status).toBe(201);
    // the third object is shared with another flow
    expect((await api.post(`/flows/${f2}/segments`, { object_id: ids[2], timerange: '[0:0_10:0)', ts_offset: '-20:0' })).status).toBe(201);
    const sharedUrl = ((await segmentsOf(f2)).body[0].get_urls as { url: string }[])[0]!.url;

    const mark = await outboxMark(t);
    // [5:0_30:0) covers the second and third segments only
    expect((await api.delete(`/flows/${f1}/segments?timerange=${encodeURIComponent('[5:0_30:0)')}`)).status).toBe(204);
    expect((await segmentsOf(f1)).body.map((s: { object_id: string }) => s.object_id)).toEqual([ids[0]]);
    expect(await mediaRow(ids[1]!)).toBeUndefined();
    expect((await api.get(`/objects/${ids[1]}`)).status).toBe(404);
    expect(await mediaRow(ids[2]!)).toMatchObject({ storeStatus: 'READY' });
    expect(await download(sharedUrl)).toEqual(Buffer.from(`bytes of ${ids[2]}`));
    expect((await api.get(`/objects/${ids[2]}`)).body.referenced_by_flows).toEqual([f2]);
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.payload.event.timerange])).toEqual([['tams.flows.segments_deleted', '[10:0_30:0)']]);

    // nothing inside: nothing happens, no event
    expect((await api.delete(`/flows/${f1}/segments?timerange=${encodeURIComponent('[1:0_9:0)')}`)).status).toBe(204);
    expect(await tamsEventsSince(t, mark)).toHaveLength(1);
    // by object, then everything
    expect((await api.delete(`/flows/${f2}/segments?object_id=${ids[2]}`)).status).toBe(204);
    expect(await mediaRow(ids[2]!)).toBeUndefined();
    expect((await api.delete(`/flows/${f1}/segments`)).status).toBe(204);
    expect((await segmentsOf(f1)).body).toEqual([]);
    expect((await api.delete(`/flows/${newId()}/segments`)).status).toBe(404);
  });

  it('keeps media records that were not created as TAMS objects', async () => {
    const flowId = await newFlow();
    const record = await t.ctx.media.media.create({ actor: 'test', reason: null }, {
      pid: `existing-${newId()}`, pid_type: 'tams_object', store_config: { type: 'DictStore', bucket: 'other' }, store_key: null, identifiers: {}, metadata: {}, tags: [],
    });
    await t.db().update(media).set({ pidType: 'tams_object' }).where(eq(media.pid, record.pid));
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: record.pid, timerange: '[0:0_1:0)' })).status).toBe(201);
    expect((await segmentsOf(flowId)).body[0].get_urls[0].label).toBe('memory:other');
    expect((await api.delete(`/flows/${flowId}/segments`)).status).toBe(204);
  });
});

describe('media records used as TAMS objects', () => {
  it('are not deleted through /api while segments use them (409, record and bytes kept); once the segments go they are', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    await upload(object!, Buffer.from('segment bytes'));
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, timerange: '[0:0_1:0)' })).status).toBe(201);
    const auth = { authorization: `Bearer ${t.adminToken}` };
    const pid = encodeURIComponent(object!.object_id);

    const refused = await t.http.delete(`/api/media/${pid}`).set(auth);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain(flowId);
    expect(await mediaRow(object!.object_id)).toMatchObject({ storeStatus: 'READY', deleteRequested: null });
    const [segment] = (await segmentsOf(flowId)).body;
    expect((await download(segment.get_urls[0].url)).toString()).toBe('segment bytes');
    const bulk = await t.http.post('/api/media/delete').set(auth).send([object!.object_id]);
    expect(bulk.body.failures.map((f: { pid: string }) => f.pid)).toEqual([object!.object_id]);

    expect((await api.delete(`/flows/${flowId}/segments`)).status).toBe(204);
    expect(await mediaRow(object!.object_id)).toBeUndefined();
  });
});

describe('read-only flows', () => {
  it('refuse segment registration, deletion and storage with 403', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    expect((await api.put(`/flows/${flowId}/read_only`, true)).status).toBe(204);
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, timerange: '[0:0_1:0)' })).status).toBe(403);
    expect((await api.post(`/flows/${flowId}/storage`, {})).status).toBe(403);
    expect((await api.delete(`/flows/${flowId}/segments`)).status).toBe(403);
  });
});

describe('flows and their segments', () => {
  it('GET /flows?timerange= selects flows by content, include_timerange gives the span, DELETE of a flow releases its objects', async () => {
    const tag = newId();
    const [full, empty] = [await newFlow({ tags: { t: tag } }), await newFlow({ tags: { t: tag } })];
    const ids = await fill(full, 3, 100);
    const flows = async (range: string) => (await api.get(`/flows?tag.t=${tag}&timerange=${encodeURIComponent(range)}`)).body.map((f: { id: string }) => f.id);
    expect(await flows('[110:0_115:0)')).toEqual([full]);
    expect(await flows('[130:0_')).toEqual([]);
    expect(await flows('()')).toEqual([empty]);
    expect((await api.get(`/flows/${full}?include_timerange=true`)).body.timerange).toBe('[100:0_130:0)');
    expect((await api.get(`/flows/${full}?include_timerange=true&timerange=${encodeURIComponent('[115:0_')}`)).body.timerange).toBe('[110:0_130:0)');
    expect((await api.get(`/flows/${empty}?include_timerange=true`)).body.timerange).toBe('()');

    expect((await api.delete(`/flows/${full}`)).status).toBe(204);
    expect((await segmentsOf(full)).body).toEqual([]);
    // released objects are deleted, record and bytes, right after the commit
    for (const id of ids) expect(await mediaRow(id)).toBeUndefined();
  });
});

describe('GET /tams/objects/{id}', () => {
  it('pages referenced_by_flows and filters them by flow tags', async () => {
    const owner = await newFlow({ tags: { k: 'a' } });
    const [object] = await allocate(api, owner);
    const others = [await newFlow({ tags: { k: 'b' } }), await newFlow({ tags: { k: 'b' } })];
    for (const [i, f] of [owner, ...others].entries()) {
      expect((await api.post(`/flows/${f}/segments`, { object_id: object!.object_id, timerange: seconds(10 * i, 10 * i + 10), ts_offset: `${10 * i}:0` })).status).toBe(201);
    }
    const first = await api.get(`/objects/${object!.object_id}?limit=2`);
    expect(first.body.referenced_by_flows).toEqual([owner, ...others].sort().slice(0, 2));
    expect(first.headers['x-paging-limit']).toBe('2');
    const second = await api.get(`/objects/${object!.object_id}?limit=2&page=${first.headers['x-paging-nextkey']}`);
    expect(second.body.referenced_by_flows).toEqual([owner, ...others].sort().slice(2));
    expect((await api.get(`/objects/${object!.object_id}?flow_tag.k=b`)).body.referenced_by_flows).toEqual([...others].sort());
    expect((await api.get(`/objects/${object!.object_id}?flow_tag_exists.k=false`)).body.referenced_by_flows).toEqual([]);
    expect((await api.head(`/objects/${object!.object_id}`)).status).toBe(200);
    expect((await api.get('/objects/nothing-here')).status).toBe(404);
    expect((await api.get(`/objects/${object!.object_id}?reverse_order=true`)).status).toBe(400);
  });
});

describe("objects' content type", () => {
  it("refuses an object whose content type is not the flow's container (spec: MUST match)", async () => {
    const flowId = await newFlow();
    const [other] = await allocate(api, flowId, { limit: 1, content_type: 'video/mp4' });
    const res = await api.post(`/flows/${flowId}/segments`, { object_id: other!.object_id, timerange: '[0:0_10:0)' });
    expect(res.status).toBe(400);
    expect(res.body.summary).toMatch(/content type video\/mp4; flow .* container is video\/mp2t/);
    const [same] = await allocate(api, flowId, { limit: 1 });
    await upload(same!, Buffer.from('bytes'));
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: same!.object_id, timerange: '[0:0_10:0)' })).status).toBe(201);
    expect((await segmentsOf(flowId)).body.map((s: { object_id: string }) => s.object_id)).toEqual([same!.object_id]);
  });
});
