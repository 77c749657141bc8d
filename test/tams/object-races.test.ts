import { eq } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { media } from '../../src/media/media.tables.js';
import type { TestApp } from '../helpers/app.js';
import { allocate, seconds, upload } from '../helpers/tams-segments.js';
import { newId, type TamsClient, videoFlow, withTamsApp } from '../helpers/tams.js';

// Races between registering a segment and the release of its object (flow A deletes its last
// segment using X while flow B registers a segment using X), and between two flows registering
// the same media record as a new object. The interleavings are forced: another connection holds
// row locks that the transactions queue behind, in the order the test wants, then lets them go.
// PGlite serves one connection, so none of this can interleave there.
const onPostgres = Boolean(process.env.DATABASE_URL);

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

const BYTES = 'the bytes of X';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newFlow(): Promise<string> {
  const id = newId();
  expect((await api.put(`/flows/${id}`, videoFlow(id, newId()))).status).toBe(201);
  return id;
}

/** A connection holding row locks in a transaction of its own. */
async function holder(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: t.database.url });
  await c.connect();
  await c.query('begin');
  return c;
}

/** Waits until `n` backends of the test database wait for a lock (the transactions have queued). */
async function untilWaiting(n: number): Promise<void> {
  const c = new pg.Client({ connectionString: t.database.url });
  await c.connect();
  try {
    const until = Date.now() + 10_000;
    for (;;) {
      const res = await c.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
      if (res.rows[0]!.n >= n) return;
      if (Date.now() > until) throw new Error(`fewer than ${n} transactions wait for a lock`);
      await sleep(10);
    }
  } finally {
    await c.end();
  }
}

const mediaRow = async (pid: string) => (await t.db().select().from(media).where(eq(media.pid, pid)))[0];

/** The segments of the flow with their first get_url's status and body (the object's bytes). */
async function segmentsWithBytes(flowId: string): Promise<{ object_id: string; status: number; bytes: string }[]> {
  const res = await api.get(`/flows/${flowId}/segments`);
  expect(res.status).toBe(200);
  return Promise.all(
    (res.body as { object_id: string; get_urls: { url: string }[] }[]).map(async (s) => {
      const got = await fetch(s.get_urls[0]!.url);
      return { object_id: s.object_id, status: got.status, bytes: await got.text() };
    }),
  );
}

/**
 * X allocated for flow B with bytes, registered by B, reused by A, then B's segment deleted:
 * A's segment is the last using X, and B may register X again (it was allocated for B).
 */
async function lastUseOnA(): Promise<{ a: string; b: string; x: string }> {
  const [a, b] = [await newFlow(), await newFlow()];
  const [object] = await allocate(api, b);
  await upload(object!, Buffer.from(BYTES));
  const x = object!.object_id;
  const segment = { object_id: x, timerange: seconds(0, 1) };
  expect((await api.post(`/flows/${b}/segments`, segment)).status).toBe(201);
  expect((await api.post(`/flows/${a}/segments`, segment)).status).toBe(201);
  expect((await api.delete(`/flows/${b}/segments`)).status).toBe(204);
  expect(await segmentsWithBytes(a)).toEqual([{ object_id: x, status: 200, bytes: BYTES }]);
  return { a, b, x };
}

/**
 * The only outcomes allowed: B registered and X (record and bytes) stays, or B was refused naming
 * X as being deleted or not existing, and X went.
 */
async function expectConsistent(b: string, x: string, post: { status: number; body: { summary?: string } }): Promise<void> {
  if (post.status === 201) {
    expect(await segmentsWithBytes(b)).toEqual([{ object_id: x, status: 200, bytes: BYTES }]);
    expect(await mediaRow(x)).toMatchObject({ storeStatus: 'READY', deleteRequested: null });
    expect((await api.get(`/objects/${encodeURIComponent(x)}`)).status).toBe(200);
  } else {
    expect(post.status, JSON.stringify(post.body)).toBe(400);
    expect(post.body.summary).toMatch(new RegExp(`object ${x} (is being deleted|does not exist)`));
    expect(await segmentsWithBytes(b)).toEqual([]);
    expect(await mediaRow(x)).toBeUndefined();
  }
}

describe.runIf(onPostgres)('a segment registered while its object is released', () => {
  it('B first: B registers X, then A deletes its segment and keeps X (record and bytes) for B', async () => {
    const { a, b, x } = await lastUseOnA();
    const h = await holder();
    try {
      await h.query('select 1 from tams_objects where id = $1 for share', [x]);
      const post = api.post(`/flows/${b}/segments`, { object_id: x, timerange: seconds(0, 1) });
      await untilWaiting(1);
      const del = api.delete(`/flows/${a}/segments`);
      await untilWaiting(2);
      await h.query('commit');
      expect((await post).status).toBe(201);
      expect((await del).status).toBe(204);
    } finally {
      await h.end();
    }
    expect(await segmentsWithBytes(a)).toEqual([]);
    await expectConsistent(b, x, { status: 201, body: {} });
  });

  it("A first, B waiting for X's row while A's transaction releases it: B is refused as being deleted, or registers and X stays; never a segment without bytes", async () => {
    const { a, b, x } = await lastUseOnA();
    // h1 holds X's object row, so A's release and then B's registration queue behind it. h2
    // holds X's media record (a share lock, as registration takes): the deletion after A's commit
    // skips it, leaving it queued for the idle worker, which the test runs once B has answered.
    const [h1, h2] = [await holder(), await holder()];
    let post: Awaited<ReturnType<TamsClient['post']>>;
    try {
      await h2.query('select 1 from media where pid = $1 for share', [x]);
      await h1.query('select 1 from tams_objects where id = $1 for share', [x]);
      const del = api.delete(`/flows/${a}/segments`);
      await untilWaiting(1);
      const posted = api.post(`/flows/${b}/segments`, { object_id: x, timerange: seconds(0, 1) });
      await untilWaiting(2);
      await h1.query('commit');
      expect((await del).status).toBe(204);
      post = await posted;
      await h2.query('commit');
    } finally {
      await h1.end();
      await h2.end();
    }
    await t.ctx.tams.segmentEraser.releaseLeftovers(0);
    await expectConsistent(b, x, { status: post.status, body: post.body as { summary?: string } });
    // In this order the release has committed before B reads X: B cannot win.
    expect(post.body.summary).toMatch(/is being deleted/);
  });

  it('A first, committed, its objects not deleted yet: B is refused as being deleted, or registers and X stays; never a segment without bytes', async () => {
    const { a, b, x } = await lastUseOnA();
    // h holds X's media record: the deletion after A's commit skips it, leaving it queued (as
    // when the process stops between the commit and the deletion) for the idle worker.
    const h = await holder();
    let post: Awaited<ReturnType<TamsClient['post']>>;
    try {
      await h.query('select 1 from media where pid = $1 for share', [x]);
      expect((await api.delete(`/flows/${a}/segments`)).status).toBe(204);
      post = await api.post(`/flows/${b}/segments`, { object_id: x, timerange: seconds(0, 1) });
      await h.query('commit');
    } finally {
      await h.end();
    }
    await t.ctx.tams.segmentEraser.releaseLeftovers(0);
    await expectConsistent(b, x, { status: post.status, body: post.body as { summary?: string } });
    // In this order the release has committed before B reads X: B cannot win.
    expect(post.body.summary).toMatch(/is being deleted/);
  });
});

describe.runIf(onPostgres)('a segment registered while its init object is released', () => {
  it('the release committed, the init object not deleted yet: the segment is refused naming it as being deleted, and it goes', async () => {
    const [a, b] = [await newFlow(), await newFlow()];
    const [init, onB, later] = await allocate(api, b, { limit: 3 });
    const [onA] = await allocate(api, a);
    for (const o of [init!, onB!, later!, onA!]) await upload(o, Buffer.from(BYTES));
    const i = init!.object_id;
    expect((await api.post(`/flows/${b}/segments`, { object_id: onB!.object_id, init_object_id: i, timerange: seconds(0, 1) })).status).toBe(201);
    expect((await api.post(`/flows/${a}/segments`, { object_id: onA!.object_id, init_object_id: i, timerange: seconds(0, 1) })).status).toBe(201);
    expect((await api.delete(`/flows/${b}/segments`)).status).toBe(204);
    // A's segment is the last using the init object; its release is left queued while h holds the record.
    const h = await holder();
    let post: Awaited<ReturnType<TamsClient['post']>>;
    try {
      await h.query('select 1 from media where pid = $1 for share', [i]);
      expect((await api.delete(`/flows/${a}/segments`)).status).toBe(204);
      post = await api.post(`/flows/${b}/segments`, { object_id: later!.object_id, init_object_id: i, timerange: seconds(0, 1) });
      await h.query('commit');
    } finally {
      await h.end();
    }
    await t.ctx.tams.segmentEraser.releaseLeftovers(0);
    expect(post.status).toBe(400);
    expect(post.body.summary).toBe(`init_object_id: object ${i} is being deleted`);
    expect(await segmentsWithBytes(b)).toEqual([]);
    expect(await mediaRow(i)).toBeUndefined();
  });
});

describe.runIf(onPostgres)('two flows registering the same media record at once', () => {
  it('both register it (one object, first_referenced_by_flow the first, referenced by both); no 500', async () => {
    const [a, b] = [await newFlow(), await newFlow()];
    const record = await t.ctx.media.media.create(
      { actor: 'test', reason: null },
      { pid: `api-${newId()}`, pid_type: 'tams_object', store_config: { type: 'DictStore', bucket: 'race' }, store_key: null, identifiers: {}, metadata: {}, tags: [] },
    );
    const x = record.pid;
    // Both registrations read X (not yet an object) while h holds its record, so both see it
    // unregistered and both insert its object row.
    const h = await holder();
    let answers: Awaited<ReturnType<TamsClient['post']>>[];
    try {
      await h.query('select 1 from media where pid = $1 for update', [x]);
      const first = api.post(`/flows/${a}/segments`, { object_id: x, timerange: seconds(0, 1) });
      await untilWaiting(1);
      const second = api.post(`/flows/${b}/segments`, { object_id: x, timerange: seconds(0, 1) });
      await untilWaiting(2);
      await h.query('commit');
      answers = await Promise.all([first, second]);
    } finally {
      await h.end();
    }
    expect(answers.map((r) => [r.status, r.body])).toEqual([
      [201, expect.anything()],
      [201, expect.anything()],
    ]);
    for (const flow of [a, b]) expect(((await api.get(`/flows/${flow}/segments`)).body as { object_id: string }[]).map((s) => s.object_id)).toEqual([x]);
    const object = await api.get(`/objects/${encodeURIComponent(x)}`);
    expect(object.status).toBe(200);
    expect([a, b]).toContain(object.body.first_referenced_by_flow);
    expect([...(object.body.referenced_by_flows as string[])].sort()).toEqual([a, b].sort());
  });
});
