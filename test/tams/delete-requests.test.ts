import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackgroundWorker } from '../../src/context.js';
import { rowsOf } from '../../src/db/rows.js';
import { segmentsRefusal } from '../../src/tams/deletion/delete-guard.js';
import { pendingRequests } from '../../src/tams/deletion/deletion.repo.js';
import { DeleteRequestWorker } from '../../src/tams/deletion/delete-worker.js';
import type { SegmentEraser } from '../../src/tams/deletion/segment-eraser.js';
import { parseTimerange } from '../../src/tams/timerange.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { countOf, insertObjects, insertSegments, type ObjectStore, seedFlowContent, tamsObjectStore, writeObjectBytes } from '../helpers/tams-delete.js';
import { newId, outboxMark, tamsClient, type TamsClient, tamsEventsSince, videoFlow } from '../helpers/tams.js';

// Deletions of more than 5 segments become delete requests, carried out 4 segments at a time.
const INLINE_LIMIT = 5;
const BATCH = 4;


/** The delete guard's answer to new segments covering `range`, as segment registration asks it. */
const refusalFor = async (flowId: string, range: ReturnType<typeof parseTimerange>) => segmentsRefusal(flowId, await pendingRequests(t.db(), flowId), range);
let t: TestApp;
let api: TamsClient;
let store: ObjectStore;
let worker: BackgroundWorker;

beforeAll(async () => {
  t = await createTestApp({ env: { TAMS_INLINE_DELETE_LIMIT: String(INLINE_LIMIT), TAMS_DELETE_BATCH_SIZE: String(BATCH) } });
  api = tamsClient(t);
  store = await tamsObjectStore(t);
  worker = t.ctx.workers.find((w) => w.name === 'tams delete requests')!;
});
afterAll(() => t.close());

const segmentsOf = (flowId: string) => countOf(t.db(), sql`select count(*)::int as n from tams_segments where flow_id = ${flowId}`);
const objectsLeft = (ids: string[]) =>
  countOf(t.db(), sql`select count(*)::int as n from tams_objects where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
const mediaLeft = (ids: string[]) => countOf(t.db(), sql`select count(*)::int as n from media where pid in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);

/** A new video flow with `count` one-second segments, each on an object of its own. */
async function flowWith(count: number): Promise<{ id: string; objects: string[] }> {
  const id = newId();
  expect((await api.put(`/flows/${id}`, videoFlow(id, newId()))).status).toBe(201);
  return { id, objects: await seedFlowContent(t.db(), store, id, `obj-${id.slice(0, 8)}`, count) };
}

async function untilFinished(requestId: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/flow-delete-requests/${requestId}`);
    expect(res.status).toBe(200);
    if (res.body.status === 'done' || res.body.status === 'error') return res.body as Record<string, unknown>;
    if (Date.now() > until) throw new Error(`delete request ${requestId} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('DELETE /tams/flows/{id} of a flow with few segments', () => {
  it('deletes flow, segments, objects, their records and bytes within the request (204), recording segments_deleted then flows/deleted', async () => {
    const flow = await flowWith(INLINE_LIMIT);
    const key = await writeObjectBytes(t, store, flow.objects[0]!, 'some media bytes');
    const file = path.join(t.config.filesystemStoreRoot, 'tams', key);
    expect(existsSync(file)).toBe(true);
    const mark = await outboxMark(t);

    const res = await api.delete(`/flows/${flow.id}`);
    expect(res.status).toBe(204);
    expect(res.headers.location).toBeUndefined();
    expect((await api.get(`/flows/${flow.id}`)).status).toBe(404);
    expect(await segmentsOf(flow.id)).toBe(0);
    expect(await objectsLeft(flow.objects)).toBe(0);
    expect(await mediaLeft(flow.objects)).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(await countOf(t.db(), sql`select count(*)::int as n from tams_delete_requests where flow_id = ${flow.id}`)).toBe(0);

    const events = (await tamsEventsSince(t, mark)).filter((e) => e.subject === flow.id);
    expect(events.map((e) => [e.type, e.payload.event])).toEqual([
      ['tams.flows.segments_deleted', { flow_id: flow.id, timerange: '[0:0_5:0)' }],
      ['tams.flows.deleted', { flow_id: flow.id }],
    ]);
  });
});

describe('DELETE /tams/flows/{id} of a flow with many segments', () => {
  it('answers 202 with the delete request and its Location; the worker deletes segments, objects not shared, then the flow', async () => {
    const flow = await flowWith(18);
    const other = await flowWith(1);
    // Two of the flow's objects are also used by the other flow: they must survive.
    const shared = [flow.objects[2]!, flow.objects[9]!];
    await insertSegments(t.db(), other.id, 100, 2, (i) => shared[i - 100]!);
    const mark = await outboxMark(t);

    const res = await api.delete(`/flows/${flow.id}`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ flow_id: flow.id, timerange_to_delete: '_', timerange_remaining: '_', delete_flow: true, status: 'created', created_by: 'admin' });
    expect(res.headers.location).toBe(`${t.baseUrl}/tams/flow-delete-requests/${res.body.id}`);
    const location = await api.get(`/flow-delete-requests/${res.body.id}`);
    expect(location.body).toEqual(res.body);
    expect((await api.head(`/flow-delete-requests/${res.body.id}`)).status).toBe(200);

    // Until the worker has run: the flow is still there and refuses changes; asking again answers the same request.
    expect((await api.get(`/flows/${flow.id}`)).status).toBe(200);
    const again = await api.delete(`/flows/${flow.id}`);
    expect([again.status, again.body.id]).toEqual([202, res.body.id]);
    const put = await api.put(`/flows/${flow.id}`, videoFlow(flow.id, newId(), { label: 'changed' }));
    expect(put.status).toBe(403);
    expect(put.body.summary).toContain(res.body.id);
    expect((await api.put(`/flows/${flow.id}/label`, 'changed')).status).toBe(403);
    expect(await refusalFor(flow.id, parseTimerange('[1000:0_1001:0)'))).toMatchObject({ status: 403 });

    worker.start();
    try {
      const done = await untilFinished(res.body.id);
      expect(done).toMatchObject({ status: 'done', timerange_remaining: '()', delete_flow: true });
      expect(Date.parse(done.expiry as string)).toBeGreaterThan(Date.now() + 3_600_000);
    } finally {
      await worker.stop();
    }
    expect((await api.get(`/flows/${flow.id}`)).status).toBe(404);
    expect(await segmentsOf(flow.id)).toBe(0);
    expect(await objectsLeft(shared)).toBe(2);
    expect(await mediaLeft(shared)).toBe(2);
    const unshared = flow.objects.filter((o) => !shared.includes(o));
    expect(await objectsLeft(unshared)).toBe(0);
    expect(await mediaLeft(unshared)).toBe(0);
    expect(await segmentsOf(other.id)).toBe(3);

    // Batches of 4, oldest first, each event spanning its own segments; then the flow.
    const events = (await tamsEventsSince(t, mark)).filter((e) => e.subject === flow.id);
    expect(events.map((e) => e.payload.event_type)).toEqual([...Array(5).fill('flows/segments_deleted'), 'flows/deleted']);
    expect(events.slice(0, 5).map((e) => e.payload.event.timerange)).toEqual(['[0:0_4:0)', '[4:0_8:0)', '[8:0_12:0)', '[12:0_16:0)', '[16:0_18:0)']);
    expect(events.every((e) => e.actor === 'admin')).toBe(true);
  });
});

describe('DELETE segments by timerange (service function)', () => {
  it('deletes a small range inline and a large one by a request that keeps the flow and the segments outside the range', async () => {
    const flow = await flowWith(30);
    const service = t.ctx.tams.deleteRequests;
    expect(await service.deleteSegments('admin', flow.id, { timerange: parseTimerange('[0:0_3:0)') })).toBeUndefined();
    expect(await segmentsOf(flow.id)).toBe(27);

    // Wholly contained only: [3:500000000_20:0) leaves segment 3 (and 20 onwards).
    const request = (await service.deleteSegments('admin', flow.id, { timerange: parseTimerange('[3:500000000_20:0)') }))!;
    expect(request).toMatchObject({ delete_flow: false, status: 'created', timerange_to_delete: '[3:500000000_20:0)' });
    // New segments: refused where the request is deleting, accepted elsewhere; flow PUTs are fine.
    expect(await refusalFor(flow.id, parseTimerange('[10:0_11:0)'))).toMatchObject({ status: 403 });
    expect(await refusalFor(flow.id, parseTimerange('[40:0_41:0)'))).toBeUndefined();
    expect((await api.put(`/flows/${flow.id}/label`, 'still editable')).status).toBe(204);

    worker.start();
    try {
      expect(await untilFinished(request.id)).toMatchObject({ status: 'done', timerange_remaining: '()' });
    } finally {
      await worker.stop();
    }
    const left = rowsOf<{ timerange: string }>(await t.db().execute(sql`select timerange from tams_segments where flow_id = ${flow.id} order by lower(range)`));
    const ranges = left.map((r) => r.timerange);
    expect(ranges).toEqual(['[3:0_4:0)', ...Array.from({ length: 10 }, (_, k) => `[${20 + k}:0_${21 + k}:0)`)]);
    expect((await api.get(`/flows/${flow.id}`)).status).toBe(200);
  });

  it('deletes only the segments of one object when object_id is given', async () => {
    const flow = await flowWith(2);
    await insertObjects(t.db(), store, flow.id, ['repeated-object']);
    await insertSegments(t.db(), flow.id, 10, 8, () => 'repeated-object');
    const request = (await t.ctx.tams.deleteRequests.deleteSegments('admin', flow.id, { object_id: 'repeated-object' }))!;
    expect(request.status).toBe('created');
    worker.start();
    try {
      await untilFinished(request.id);
    } finally {
      await worker.stop();
    }
    expect(await segmentsOf(flow.id)).toBe(2);
    expect(await objectsLeft(['repeated-object'])).toBe(0);
  });
});

describe('the delete request worker', () => {
  const newWorker = (eraser: SegmentEraser = t.ctx.tams.segmentEraser) =>
    new DeleteRequestWorker({
      db: t.db(),
      flows: (tx, actor, id) => t.ctx.tams.flows.removeEmptied(tx, actor, id),
      eraser,
      logger: t.ctx.logger,
      batchSize: 2,
      keepSeconds: 60,
    });

  it('stopped mid-way, hands the request back with its progress; the next worker finishes it', async () => {
    const flow = await flowWith(120);
    const res = await api.delete(`/flows/${flow.id}`);
    expect(res.status).toBe(202);
    // A worker told to stop during its third batch.
    let batches = 0;
    const stopping: SegmentEraser = Object.create(t.ctx.tams.segmentEraser);
    stopping.erase = async (...args) => {
      if (++batches === 3) void first.stop();
      return t.ctx.tams.segmentEraser.erase(...args);
    };
    const first = newWorker(stopping);
    first.start();
    const until = Date.now() + 20_000;
    while (batches < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await first.stop();

    const paused = (await api.get(`/flow-delete-requests/${res.body.id}`)).body;
    const left = await segmentsOf(flow.id);
    expect(paused.status).toBe('started');
    expect(left).toBe(120 - 3 * 2);
    // Exactly the segments from the remaining range's start are left.
    expect(paused.timerange_remaining).toBe(`[${120 - left}:0_`);
    const [row] = rowsOf<{ lease_owner: string | null }>(await t.db().execute(sql`select lease_owner from tams_delete_requests where id = ${res.body.id}`));
    expect(row!.lease_owner).toBeNull();

    worker.start();
    try {
      expect(await untilFinished(res.body.id)).toMatchObject({ status: 'done' });
    } finally {
      await worker.stop();
    }
    expect((await api.get(`/flows/${flow.id}`)).status).toBe(404);
    expect(await objectsLeft(flow.objects)).toBe(0);
  });

  it('takes over a request whose holder died (lease lapsed), but not one whose lease is current', async () => {
    const flow = await flowWith(10);
    const res = await api.delete(`/flows/${flow.id}`);
    await t.db().execute(sql`update tams_delete_requests set status = 'started', lease_owner = 'replica-that-died', lease_until = now() + interval '1 hour' where id = ${res.body.id}`);
    const other = newWorker();
    expect(await other.runOnce()).toBe(false);
    expect(await segmentsOf(flow.id)).toBe(10);

    await t.db().execute(sql`update tams_delete_requests set lease_until = now() - interval '1 second' where id = ${res.body.id}`);
    expect(await other.runOnce()).toBe(true);
    expect((await api.get(`/flow-delete-requests/${res.body.id}`)).body).toMatchObject({ status: 'done', timerange_remaining: '()' });
    expect((await api.get(`/flows/${flow.id}`)).status).toBe(404);
  });

  it('ends a segments request in error (error.json) when the flow was made read-only meanwhile', async () => {
    const flow = await flowWith(10);
    const request = (await t.ctx.tams.deleteRequests.deleteSegments('admin', flow.id, {}))!;
    expect((await api.put(`/flows/${flow.id}/read_only`, true)).status).toBe(204);
    expect(await newWorker().runOnce()).toBe(true);
    const failed = (await api.get(`/flow-delete-requests/${request.id}`)).body;
    expect(failed).toMatchObject({ status: 'error', error: { type: 'Forbidden' } });
    expect(failed.error.summary).toContain('read-only');
    expect(await segmentsOf(flow.id)).toBe(10);
  });

  it('deletes the records of objects released by a process that stopped before deleting them', async () => {
    const flow = await flowWith(1);
    await insertObjects(t.db(), store, flow.id, ['left-over']);
    const key = await writeObjectBytes(t, store, 'left-over', 'bytes of a released object');
    await t.db().execute(sql`delete from tams_objects where id = 'left-over'`);
    await t.db().execute(sql`insert into tams_released_objects (pid, actor, released) values ('left-over', 'alice', now() - interval '2 minutes')`);
    expect(await t.ctx.tams.segmentEraser.releaseLeftovers()).toBe(1);
    expect(await mediaLeft(['left-over'])).toBe(0);
    expect(existsSync(path.join(t.config.filesystemStoreRoot, 'tams', key))).toBe(false);
    expect(await countOf(t.db(), sql`select count(*)::int as n from tams_released_objects`)).toBe(0);
    const [history] = rowsOf<{ history_user: string }>(await t.db().execute(sql`select history_user from media_history where pid = 'left-over' and history_type = '-'`));
    expect(history!.history_user).toBe('alice');
  });

  it('keeps a queued released object that segments use (a queue row from before registration refused them): record and bytes stay, the queue row goes', async () => {
    const flow = await flowWith(1);
    const [object] = flow.objects;
    const key = await writeObjectBytes(t, store, object!, 'bytes a segment still uses');
    await t.db().execute(sql`insert into tams_released_objects (pid, actor, released) values (${object!}, 'alice', now() - interval '2 minutes')`);
    expect(await t.ctx.tams.segmentEraser.releaseLeftovers()).toBe(1);
    expect(await mediaLeft([object!])).toBe(1);
    expect(existsSync(path.join(t.config.filesystemStoreRoot, 'tams', key))).toBe(true);
    expect(await countOf(t.db(), sql`select count(*)::int as n from tams_released_objects`)).toBe(0);
    expect(await segmentsOf(flow.id)).toBe(1);
  });

  it('purges finished requests after their expiry', async () => {
    const flow = await flowWith(10);
    const res = await api.delete(`/flows/${flow.id}`);
    await newWorker().runOnce();
    await t.db().execute(sql`update tams_delete_requests set expiry = now() - interval '1 second' where id = ${res.body.id}`);
    worker.start();
    try {
      const until = Date.now() + 10_000;
      while ((await api.get(`/flow-delete-requests/${res.body.id}`)).status !== 404 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await worker.stop();
    }
    expect((await api.get(`/flow-delete-requests/${res.body.id}`)).status).toBe(404);
  });
});

describe('GET /tams/flow-delete-requests', () => {
  it('lists requests newest first with paging headers, sorts by expiry, and refuses bad input', async () => {
    const all = await api.get('/flow-delete-requests?limit=1000');
    expect(all.status).toBe(200);
    expect(all.body.length).toBeGreaterThanOrEqual(3);
    const created = all.body.map((r: { created: string }) => r.created);
    expect(created).toEqual([...created].sort().reverse());

    const first = await api.get('/flow-delete-requests?limit=2');
    expect(first.headers['x-paging-limit']).toBe('2');
    expect(first.headers['x-paging-count']).toBe('2');
    expect(first.headers.link).toMatch(/rel="next"/);
    const second = await api.get(`/flow-delete-requests?limit=2&page=${first.headers['x-paging-nextkey']}`);
    expect(second.body[0].id).toBe(all.body[2].id);

    const byExpiry = await api.get('/flow-delete-requests?sort_by=expiry&limit=1000');
    const withExpiry = byExpiry.body.filter((r: { expiry?: string }) => r.expiry);
    expect(byExpiry.body.slice(0, withExpiry.length)).toEqual(withExpiry);
    expect((await api.head('/flow-delete-requests')).status).toBe(200);

    expect((await api.get('/flow-delete-requests?sort_by=size')).status).toBe(400);
    expect((await api.get(`/flow-delete-requests/${newId()}`)).status).toBe(404);
    expect((await api.get('/flow-delete-requests/not-an-id')).status).toBe(400);
  });
});
