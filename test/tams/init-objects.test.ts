import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { media } from '../../src/media/media.tables.js';
import { tamsObjects } from '../../src/tams/segments/segments.tables.js';
import type { TestApp } from '../helpers/app.js';
import { allocate, type Allocated, download, seconds, upload } from '../helpers/tams-segments.js';
import { newId, outboxMark, type TamsClient, tamsEventsSince, videoFlow, withTamsApp } from '../helpers/tams.js';

/**
 * Init objects (`init_object_id`, e.g. the fMP4 initialisation segment): shared by many
 * segments of a flow, never a media object, returned as `init_object` with get_urls, and
 * deleted only when no segment references it any more.
 */

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

async function mp4Flow(): Promise<string> {
  const id = newId();
  expect((await api.put(`/flows/${id}`, videoFlow(id, newId(), { container: 'video/mp4' }))).status).toBe(201);
  return id;
}

const mediaRow = async (pid: string) => (await t.db().select().from(media).where(eq(media.pid, pid)))[0];
const objectRow = async (id: string) => (await t.db().select().from(tamsObjects).where(eq(tamsObjects.id, id)))[0];

/** An init object (content type `application/mp4`: it MAY differ from the container) and `n` media objects, all uploaded. */
async function objectsFor(flowId: string, n: number): Promise<{ init: Allocated; initBytes: Buffer; media: Allocated[] }> {
  const [init] = await allocate(api, flowId, { limit: 1, content_type: 'application/mp4' });
  const initBytes = Buffer.from(`ftyp moov of ${init!.object_id}`);
  await upload(init!, initBytes);
  const objects = await allocate(api, flowId, { limit: n });
  for (const o of objects) await upload(o, Buffer.from(`moof mdat of ${o.object_id}`));
  return { init: init!, initBytes, media: objects };
}

const segmentsOf = async (flowId: string, query = '') => {
  const res = await api.get(`/flows/${flowId}/segments${query}`);
  expect(res.status).toBe(200);
  return res.body as { object_id: string; init_object?: { object_id: string; get_urls?: Record<string, unknown>[] }; get_urls?: Record<string, unknown>[] }[];
};

describe('init objects', () => {
  it('are shared by segments, returned as init_object with get_urls that serve the bytes, and filtered like get_urls', async () => {
    const flowId = await mp4Flow();
    const { init, initBytes, media: objects } = await objectsFor(flowId, 3);
    const mark = await outboxMark(t);
    const body = objects.map((o, i) => ({ object_id: o.object_id, init_object_id: init.object_id, timerange: seconds(2 * i, 2 * i + 2) }));
    expect((await api.post(`/flows/${flowId}/segments`, body)).status).toBe(201);
    // one segment alone (group commit path) reusing the init object
    const [more] = await allocate(api, flowId, { limit: 1 });
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: more!.object_id, init_object_id: init.object_id, timerange: seconds(6, 8) })).status).toBe(201);

    const segments = await segmentsOf(flowId, '?verbose_storage=true');
    expect(segments).toHaveLength(4);
    for (const s of segments) {
      expect(s.init_object!.object_id).toBe(init.object_id);
      expect(s.init_object!.get_urls![0]).toMatchObject({ presigned: true, controlled: true, label: 'filesystem:tams', store_type: 'http_object_store' });
    }
    expect(await download(segments[0]!.init_object!.get_urls![0]!.url as string)).toEqual(initBytes);
    expect(await download(segments[0]!.get_urls![0]!.url as string)).toEqual(Buffer.from(`moof mdat of ${objects[0]!.object_id}`));
    // the filters apply to init_object.get_urls too
    expect((await segmentsOf(flowId, '?accept_get_urls=')).map((s) => s.init_object!.get_urls ?? [])).toEqual([[], [], [], []]);
    expect((await segmentsOf(flowId, '?presigned=false'))[0]!.init_object!.get_urls).toEqual([]);
    expect((await segmentsOf(flowId, `?accept_storage_ids=${newId()}`))[0]!.init_object!.get_urls).toEqual([]);
    expect((await segmentsOf(flowId, '?accept_get_urls=filesystem:tams'))[0]!.init_object!.get_urls).toHaveLength(1);
    expect((await segmentsOf(flowId, '?verbose_storage=false'))[0]!.init_object!.get_urls![0]).not.toHaveProperty('store_type');

    // GET /objects/{id}: referenced by the flow, no timerange (object.json: MUST NOT be set for init segments)
    const obj = await api.get(`/objects/${init.object_id}`);
    expect(obj.status).toBe(200);
    expect(obj.body).toMatchObject({ id: init.object_id, referenced_by_flows: [flowId], first_referenced_by_flow: flowId });
    expect(obj.body).not.toHaveProperty('timerange');
    expect(await download(obj.body.get_urls[0].url)).toEqual(initBytes);

    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => e.type)).toEqual(['tams.flows.segments_added', 'tams.flows.segments_added']);
    const [added] = events[0]!.payload.event.segments as Record<string, unknown>[];
    expect(added).toMatchObject({ object_id: objects[0]!.object_id, init_object: { object_id: init.object_id } });
    expect(added).not.toHaveProperty('init_object_id');
  });

  it('refuses init objects used as media objects and media objects used as init objects, unknown ones and those of other flows', async () => {
    const flowId = await mp4Flow();
    const { init, media: objects } = await objectsFor(flowId, 4);
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: objects[0]!.object_id, init_object_id: init.object_id, timerange: seconds(0, 2) })).status).toBe(201);

    const res = await api.post(`/flows/${flowId}/segments`, [
      // the init object as a media object
      { object_id: init.object_id, timerange: seconds(2, 4) },
      // a media object as an init object
      { object_id: objects[1]!.object_id, init_object_id: objects[0]!.object_id, timerange: seconds(4, 6) },
      // unknown init object
      { object_id: objects[2]!.object_id, init_object_id: `nope-${newId()}`, timerange: seconds(6, 8) },
      // one object as both
      { object_id: objects[3]!.object_id, init_object_id: objects[3]!.object_id, timerange: seconds(8, 10) },
      // fine
      { object_id: objects[1]!.object_id, init_object_id: init.object_id, timerange: seconds(10, 12) },
    ]);
    expect(res.status).toBe(200);
    const failed = res.body.failed_segments as { object_id: string; error: { summary: string } }[];
    expect(failed.map((f) => f.object_id)).toEqual([init.object_id, objects[1]!.object_id, objects[2]!.object_id, objects[3]!.object_id]);
    expect(failed[0]!.error.summary).toMatch(/registered as an init object/);
    expect(failed[1]!.error.summary).toMatch(/registered as a media object/);
    expect(failed[2]!.error.summary).toMatch(/does not exist/);
    expect(failed[3]!.error.summary).toMatch(/cannot be its media object/);
    expect((await segmentsOf(flowId)).map((s) => s.object_id)).toEqual([objects[0]!.object_id, objects[1]!.object_id]);

    // within one request: an object first registered as init cannot then be media
    const [fresh] = await allocate(api, flowId, { limit: 1 });
    const same = await api.post(`/flows/${flowId}/segments`, [
      { object_id: objects[2]!.object_id, init_object_id: fresh!.object_id, timerange: seconds(20, 22) },
      { object_id: fresh!.object_id, timerange: seconds(22, 24) },
    ]);
    expect(same.status).toBe(200);
    expect(same.body.failed_segments.map((f: { object_id: string }) => f.object_id)).toEqual([fresh!.object_id]);

    // an init object allocated for another flow is refused while new, as media objects are
    const other = await mp4Flow();
    const [foreign] = await allocate(api, other, { limit: 1 });
    const [mine] = await allocate(api, flowId, { limit: 1 });
    const refused = await api.post(`/flows/${flowId}/segments`, { object_id: mine!.object_id, init_object_id: foreign!.object_id, timerange: seconds(30, 32) });
    expect(refused.status).toBe(400);
    expect(refused.body.summary).toMatch(/allocated for flow/);
  });

  it('is deleted (record and bytes) only when the last segment referencing it goes', async () => {
    const [f1, f2] = [await mp4Flow(), await mp4Flow()];
    const { init, initBytes, media: objects } = await objectsFor(f1, 3);
    expect((await api.post(`/flows/${f1}/segments`, objects.map((o, i) => ({ object_id: o.object_id, init_object_id: init.object_id, timerange: seconds(2 * i, 2 * i + 2) })))).status).toBe(201);
    // another flow shares the init object (registered objects may be reused)
    const [o2] = await allocate(api, f2, { limit: 1 });
    expect((await api.post(`/flows/${f2}/segments`, { object_id: o2!.object_id, init_object_id: init.object_id, timerange: seconds(0, 2) })).status).toBe(201);
    const initUrl = (await segmentsOf(f1))[0]!.init_object!.get_urls![0]!.url as string;

    const stillThere = async () => {
      expect(await mediaRow(init.object_id)).toMatchObject({ storeStatus: 'READY' });
      expect(await objectRow(init.object_id)).toBeDefined();
      expect(await download(initUrl)).toEqual(initBytes);
      expect((await api.get(`/objects/${init.object_id}`)).status).toBe(200);
    };
    // the first two segments of f1: their media objects go, the init object stays
    expect((await api.delete(`/flows/${f1}/segments?timerange=${encodeURIComponent(seconds(0, 4))}`)).status).toBe(204);
    expect(await mediaRow(objects[0]!.object_id)).toBeUndefined();
    expect(await mediaRow(objects[1]!.object_id)).toBeUndefined();
    await stillThere();
    // by object id: the init object's segments are not its "object"; nothing of it goes
    expect((await api.delete(`/flows/${f1}/segments?object_id=${encodeURIComponent(init.object_id)}`)).status).toBe(204);
    expect(await segmentsOf(f1)).toHaveLength(1);
    // /api cannot delete it while segments use it
    expect((await t.http.delete(`/api/media/${encodeURIComponent(init.object_id)}`).set({ authorization: `Bearer ${t.adminToken}` })).status).toBe(409);
    // f1's last segment: f2 still references it
    expect((await api.delete(`/flows/${f1}/segments`)).status).toBe(204);
    await stillThere();
    expect((await api.get(`/objects/${init.object_id}`)).body.referenced_by_flows).toEqual([f2]);
    // the last reference: the flow's deletion takes it
    expect((await api.delete(`/flows/${f2}`)).status).toBe(204);
    expect(await objectRow(init.object_id)).toBeUndefined();
    expect(await mediaRow(init.object_id)).toBeUndefined();
    expect((await fetch(initUrl)).status).toBe(404);
    expect((await api.get(`/objects/${init.object_id}`)).status).toBe(404);
  });
});
