import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { allocate, seconds } from '../helpers/tams-segments.js';
import { newId, outboxMark, type TamsClient, tamsEventsSince, videoFlow, withTamsApp } from '../helpers/tams.js';

// Concurrent one-segment POSTs share transactions (group commit): each must get the answer it
// would have had alone, and the flow must end as if they had run one after the other. The
// registrations are submitted to the service in one turn of the event loop, so that they are
// batched whatever the speed of the database (over HTTP they may arrive one by one).

// PGlite serves one connection, so another transaction cannot hold a flow's lock there.
const onPostgres = Boolean(process.env.DATABASE_URL);

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

async function newFlow(extra: Record<string, unknown> = {}): Promise<string> {
  const id = newId();
  expect((await api.put(`/flows/${id}`, videoFlow(id, newId(), extra))).status).toBe(201);
  return id;
}

/** The POST's status as the route answers it: 201 when all was registered, else the error's. */
const register = (flowId: string, body: unknown): Promise<{ status: number; body: { summary?: string } }> =>
  t.ctx.tams.segments.register('admin', flowId, body).then(
    (failed) => ({ status: failed.length ? 200 : 201, body: {} }),
    (err: { status?: number; message: string }) => ({ status: err.status ?? 500, body: { summary: err.message } }),
  );

const objectIds = async (flowId: string, n: number) => (await allocate(api, flowId, { limit: n })).map((o) => o.object_id);

describe('concurrent one-segment POSTs', () => {
  it('on one flow: of two POSTs of the same range exactly one is registered, the other is a 400 naming the overlap; one event per registered POST', async () => {
    const flowId = await newFlow();
    const ids = await objectIds(flowId, 30);
    const mark = await outboxMark(t);
    // 20 distinct ranges, then 10 POSTs of ranges already asked for (other objects).
    const bodies = ids.map((id, i) => ({ object_id: id, timerange: seconds(10 * (i % 20), 10 * (i % 20) + 10) }));
    const answers = await Promise.all(bodies.map((b) => register(flowId, b)));

    const byRange = new Map<string, number[]>();
    answers.forEach((res, i) => byRange.set(bodies[i]!.timerange, [...(byRange.get(bodies[i]!.timerange) ?? []), res.status]));
    for (const [range, statuses] of byRange) expect(statuses.sort(), range).toEqual(statuses.length === 2 ? [201, 400] : [201]);
    for (const res of answers.filter((r) => r.status === 400)) expect(res.body.summary).toMatch(/overlaps the flow's segment/);

    const listed = (await api.get(`/flows/${flowId}/segments?limit=100`)).body as { object_id: string; timerange: string }[];
    const registered = bodies.filter((_, i) => answers[i]!.status === 201);
    expect(listed).toEqual(registered.sort((a, b) => Number(a.timerange.slice(1).split(':')[0]) - Number(b.timerange.slice(1).split(':')[0])).map((b) => expect.objectContaining(b)));
    const events = await tamsEventsSince(t, mark);
    expect(events.filter((e) => e.type === 'tams.flows.segments_added')).toHaveLength(20);
    expect(new Set(events.map((e) => (e.payload.event as { segments: { object_id: string }[] }).segments[0]!.object_id))).toEqual(new Set(registered.map((b) => b.object_id)));
  });

  it('on several flows: each POST gets its own answer (201, 400, 403 read-only, 404 no flow) and only the accepted ones change anything', async () => {
    const [a, b, readOnly] = [await newFlow(), await newFlow(), await newFlow()];
    const [aIds, bIds, roIds] = [await objectIds(a, 5), await objectIds(b, 5), await objectIds(readOnly, 1)];
    expect((await api.put(`/flows/${readOnly}/read_only`, true)).status).toBe(204);
    const mark = await outboxMark(t);
    const posts: [flow: string, body: unknown, status: number][] = [
      ...aIds.map((id, i): [string, unknown, number] => [a, { object_id: id, timerange: seconds(10 * i, 10 * i + 10) }, 201]),
      ...bIds.slice(0, 4).map((id, i): [string, unknown, number] => [b, { object_id: id, timerange: seconds(10 * i, 10 * i + 10) }, 201]),
      // Allocated for a: refused on b before a registers it, accepted after (checked apart below).
      [b, { object_id: aIds[0], timerange: seconds(100, 110) }, 0],
      [b, { object_id: bIds[4], timerange: 'not a timerange' }, 400],
      [b, { object_id: `missing-${newId()}`, timerange: seconds(200, 210) }, 400],
      [readOnly, { object_id: roIds[0], timerange: seconds(0, 10) }, 403],
      [newId(), { object_id: aIds[1], timerange: seconds(0, 10) }, 404],
    ];
    const answers = await Promise.all(posts.map(([flow, body]) => register(flow, body)));
    answers.forEach((res, i) => {
      if (i === 9) expect([201, 400]).toContain(res.status);
      else expect(res.status, JSON.stringify([posts[i], res.body])).toBe(posts[i]![2]);
    });
    const sharedOnB = answers[9]!.status === 201;

    const listA = (await api.get(`/flows/${a}/segments`)).body as { object_id: string }[];
    const listB = (await api.get(`/flows/${b}/segments`)).body as { object_id: string }[];
    expect(listA.map((s) => s.object_id)).toEqual(aIds);
    expect(listB.map((s) => s.object_id)).toEqual([...bIds.slice(0, 4), ...(sharedOnB ? [aIds[0]] : [])]);
    expect((await api.get(`/flows/${readOnly}/segments`)).body).toEqual([]);
    const events = await tamsEventsSince(t, mark);
    expect(events.filter((e) => e.type === 'tams.flows.segments_added').map((e) => e.subject).sort()).toEqual(
      [...Array(5).fill(a), ...Array(sharedOnB ? 5 : 4).fill(b)].sort(),
    );
  });

  it.runIf(onPostgres)('a flow whose lock another transaction holds does not hold up the others; its POST waits for the lock, then registers', async () => {
    const [held, free] = [await newFlow(), await newFlow()];
    const [heldId, freeId] = [(await objectIds(held, 1))[0]!, (await objectIds(free, 1))[0]!];
    const other = new pg.Client({ connectionString: t.database.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select 1 from tams_flows where id = $1 for update', [held]);
      let heldDone = false;
      const heldPost = register(held, { object_id: heldId, timerange: seconds(0, 10) }).finally(() => (heldDone = true));
      expect(await register(free, { object_id: freeId, timerange: seconds(0, 10) })).toMatchObject({ status: 201 });
      expect(heldDone).toBe(false);
      await other.query('commit');
      expect(await heldPost).toMatchObject({ status: 201 });
      expect(((await api.get(`/flows/${held}/segments`)).body as { object_id: string }[]).map((s) => s.object_id)).toEqual([heldId]);
    } finally {
      await other.end();
    }
  });
});
