import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { tamsFlowCollections, tamsFlows } from '../../src/tams/flows/flows.tables.js';
import { tamsSources } from '../../src/tams/sources/sources.tables.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { audioFlow, conformant, newId, outboxMark, tamsClient, type TamsClient, tamsEventsSince, videoFlow } from '../helpers/tams.js';

let t: TestApp;
let api: TamsClient;
let alice: TamsClient;

beforeAll(async () => {
  t = await createTestApp();
  api = tamsClient(t);
  alice = tamsClient(t, { token: await t.createUser('alice') });
});
afterAll(() => t.close());

async function counts() {
  const db = t.db();
  const [flows] = await db.select({ n: count() }).from(tamsFlows);
  const [sources] = await db.select({ n: count() }).from(tamsSources);
  const [collections] = await db.select({ n: count() }).from(tamsFlowCollections);
  const [events] = await db.select({ n: count() }).from(eventOutbox);
  return { flows: flows!.n, sources: sources!.n, collections: collections!.n, events: events!.n };
}

describe('PUT /tams/flows/{flowId} creating a flow', () => {
  it('answers 201 with the stored flow, creates its source, and records both events', async () => {
    const [id, sourceId] = [newId(), newId()];
    const mark = await outboxMark(t);
    const res = await alice.put(`/flows/${id}`, videoFlow(id, sourceId, { label: 'Camera 1', description: 'Studio A', tags: { genre: ['news', 'live'] }, generation: 0 }));
    expect(res.status).toBe(201);
    expect(res.body).toEqual((await alice.get(`/flows/${id}`)).body);
    expect(res.body).toMatchObject({
      id,
      source_id: sourceId,
      format: 'urn:x-nmos:format:video',
      label: 'Camera 1',
      tags: { genre: ['news', 'live'] },
      generation: 0,
      read_only: false,
      created_by: 'alice',
      updated_by: 'alice',
    });
    expect(res.body.created).toBe(res.body.metadata_updated);
    expect(res.body).not.toHaveProperty('segments_updated');

    const [row] = await t.db().select().from(tamsFlows).where(eq(tamsFlows.id, id));
    expect(row).toMatchObject({ sourceId, codec: 'video/h264', container: 'video/mp2t', createdBy: 'alice' });
    const source = (await alice.get(`/sources/${sourceId}`)).body;
    expect(source).toMatchObject({ id: sourceId, format: 'urn:x-nmos:format:video', label: 'Camera 1', description: 'Studio A', tags: {}, created_by: 'alice' });

    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.subject, e.actor])).toEqual([
      ['tams.sources.created', sourceId, 'alice'],
      ['tams.flows.created', id, 'alice'],
    ]);
    expect(events[1]!.payload.event).toEqual({ flow: res.body });
    expect(events[1]!.payload.filter).toEqual({ flow_id: id, source_id: sourceId, tags: { genre: ['news', 'live'] }, flow_collected_by: [], source_collected_by: [] });
  });

  it('keeps a metadata_version the client gives, and leaves generation out when not given', async () => {
    const id = newId();
    const res = await api.put(`/flows/${id}`, audioFlow(id, newId(), { metadata_version: 'v1-from-replica' }));
    expect(res.body.metadata_version).toBe('v1-from-replica');
    expect(res.body).not.toHaveProperty('generation');
  });

  it('ignores the members the server manages', async () => {
    const [id, other] = [newId(), newId()];
    const res = await api.put(
      `/flows/${id}`,
      videoFlow(id, newId(), { created: '2001-01-01T00:00:00Z', created_by: 'mallory', collected_by: [other], timerange: '[0:0_10:0)', segments_updated: '2001-01-01T00:00:00Z' }),
    );
    expect(res.status).toBe(201);
    expect(res.body.created).not.toBe('2001-01-01T00:00:00Z');
    expect(res.body.created_by).toBe('admin');
    expect(res.body).not.toHaveProperty('collected_by');
    expect(res.body).not.toHaveProperty('timerange');
    expect(res.body).not.toHaveProperty('segments_updated');
  });
});

describe('PUT /tams/flows/{flowId} replacing a flow', () => {
  it('answers 204, replaces every member (tags left out are gone) and keeps created', async () => {
    const [id, sourceId] = [newId(), newId()];
    const created = (await api.put(`/flows/${id}`, videoFlow(id, sourceId, { label: 'one', tags: { a: 'b' }, max_bit_rate: 8000 }))).body;
    const mark = await outboxMark(t);
    const res = await alice.put(`/flows/${id}`, videoFlow(id, sourceId, { label: 'two' }));
    expect(res.status).toBe(204);
    const flow = (await api.get(`/flows/${id}`)).body;
    expect(flow).toMatchObject({ label: 'two', tags: {}, created: created.created, created_by: 'admin', updated_by: 'alice' });
    expect(flow).not.toHaveProperty('max_bit_rate');
    expect(flow.metadata_version).not.toBe(created.metadata_version);
    expect(Date.parse(flow.metadata_updated)).toBeGreaterThanOrEqual(Date.parse(created.metadata_updated));
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => e.type)).toEqual(['tams.flows.updated']);
    expect(events[0]!.payload.event).toEqual({ flow });
  });

  it('records nothing and keeps the version when the PUT changes nothing', async () => {
    const id = newId();
    const body = audioFlow(id, newId(), { tags: { x: ['1', '2'] } });
    const created = (await api.put(`/flows/${id}`, body)).body;
    const mark = await outboxMark(t);
    expect((await api.put(`/flows/${id}`, { ...body, tags: { x: ['1', '2'] } })).status).toBe(204);
    expect(await tamsEventsSince(t, mark)).toEqual([]);
    expect((await api.get(`/flows/${id}`)).body).toEqual(created);
  });

  it('takes a new metadata_version from the client', async () => {
    const id = newId();
    const body = audioFlow(id, newId());
    await api.put(`/flows/${id}`, body);
    await api.put(`/flows/${id}`, { ...body, label: 'x', metadata_version: 'client-v2' });
    expect((await api.get(`/flows/${id}`)).body.metadata_version).toBe('client-v2');
  });

  it('moves a flow to another source: the new source is created, the empty old one removed', async () => {
    const [id, first, second] = [newId(), newId(), newId()];
    await api.put(`/flows/${id}`, audioFlow(id, first));
    const mark = await outboxMark(t);
    expect((await api.put(`/flows/${id}`, audioFlow(id, second))).status).toBe(204);
    expect((await api.get(`/sources/${first}`)).status).toBe(404);
    expect((await api.get(`/sources/${second}`)).body.format).toBe('urn:x-nmos:format:audio');
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['tams.sources.created', second],
      ['tams.flows.updated', id],
      ['tams.sources.deleted', first],
    ]);
    expect(events[2]!.payload.event).toEqual({ source_id: first });
  });

  it('changes the format of a source whose only flow it is, and refuses a format the other flows contradict', async () => {
    const [a, b, sourceId] = [newId(), newId(), newId()];
    await api.put(`/flows/${a}`, audioFlow(a, sourceId));
    expect((await api.put(`/flows/${a}`, videoFlow(a, sourceId))).status).toBe(204);
    expect((await api.get(`/sources/${sourceId}`)).body.format).toBe('urn:x-nmos:format:video');
    await api.put(`/flows/${b}`, videoFlow(b, sourceId));
    const before = await counts();
    const res = await api.put(`/flows/${a}`, audioFlow(a, sourceId));
    expect(res.status).toBe(400);
    expect(res.body.summary).toMatch(/conflicts with source .* other flows are urn:x-nmos:format:video/);
    expect(await counts()).toEqual(before);
    const conflicting = newId();
    expect((await api.put(`/flows/${conflicting}`, audioFlow(conflicting, sourceId))).status).toBe(400);
    expect(await counts()).toEqual(before);
  });
});

describe('read-only flows', () => {
  it('refuse every change but read_only itself, and deletion, with 403', async () => {
    const [id, sourceId] = [newId(), newId()];
    const body = videoFlow(id, sourceId, { label: 'master', read_only: true });
    await api.put(`/flows/${id}`, body);
    const before = await counts();
    for (const res of [
      await api.put(`/flows/${id}`, { ...body, label: 'changed' }),
      await api.put(`/flows/${id}`, { ...body, metadata_version: 'new-version' }),
      await api.put(`/flows/${id}/label`, 'changed'),
      await api.put(`/flows/${id}/tags/x`, 'y'),
      await api.delete(`/flows/${id}/label`),
      await api.delete(`/flows/${id}`),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.summary).toMatch(/read-only/);
    }
    expect(await counts()).toEqual(before);
    expect((await api.get(`/flows/${id}/read_only`)).body).toBe(true);
    // A PUT that changes only read_only is allowed; then the flow can change again.
    expect((await api.put(`/flows/${id}`, { ...body, read_only: false })).status).toBe(204);
    expect((await api.put(`/flows/${id}/label`, 'changed')).status).toBe(204);
    expect((await api.put(`/flows/${id}/read_only`, true)).status).toBe(204);
    expect((await api.delete(`/flows/${id}`)).status).toBe(403);
  });
});

describe('invalid flow PUTs', () => {
  it('answer 400 in the spec error shape, naming the problem, and write nothing', async () => {
    const [id, sourceId] = [newId(), newId()];
    const valid = videoFlow(id, sourceId);
    const essence = valid.essence_parameters;
    const cases: [unknown, RegExp][] = [
      [{ ...valid, id: newId() }, /differs from the path/],
      [{ ...valid, source_id: undefined }, /source_id/],
      [{ ...valid, source_id: sourceId.toUpperCase() }, /source_id: must be a lowercase UUID/],
      [{ ...valid, format: 'urn:x-nmos:format:smell' }, /format must be one of/],
      [{ ...valid, essence_parameters: { frame_width: 1920, frame_height: 1080 } }, /frame_rate: required unless vfr is true/],
      [{ ...valid, essence_parameters: { ...essence, vfr: true } }, /frame_rate: must not be set when vfr is true/],
      [{ ...valid, essence_parameters: { ...essence, colour: 'red' } }, /essence_parameters: Unrecognized key: .*colour/],
      [{ ...valid, essence_parameters: { ...essence, frame_width: 0 } }, /frame_width/],
      [{ ...valid, codec: 'h264' }, /codec: must be a MIME type/],
      [{ ...valid, max_bit_rate: -1 }, /max_bit_rate/],
      [{ ...valid, generation: 1.5 }, /generation/],
      [{ ...valid, tags: { a: 1 } }, /tags/],
      [{ ...valid, status: 'finished' }, /status/],
      [{ ...valid, read_only: 'yes' }, /read_only/],
      [{ ...valid, profile_id: newId() }, /profile_id cannot be combined with technical metadata/],
      [{ id, source_id: sourceId, profile_id: newId() }, /profile_id: profile .* does not exist/],
      [{ id, source_id: sourceId, profile_id: newId(), codec: 'video/h264' }, /codec: must not be given with a profile_id/],
      [{ id, source_id: sourceId }, /profile_id/],
      [{ ...valid, flow_collection: [{ id: newId() }] }, /flow_collection: not registered/],
      [{ ...valid, flow_collection: [{ id }, { id }] }, /listed more than once/],
      [{ ...valid, flow_collection: [{ role: 'x' }] }, /flow_collection\.0\.id/],
      ['a flow', /expected object/],
      [[valid], /expected object/],
    ];
    const before = await counts();
    for (const [body, message] of cases) {
      const res = await api.put(`/flows/${id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify([res.body.summary, res.body.message]), JSON.stringify(body)).toMatch(message);
    }
    const malformed = conformant(await t.http.put(`/tams/flows/${id}`).set('Authorization', `Bearer ${t.adminToken}`).set('Content-Type', 'application/json').send('{"id": '));
    expect(malformed.status).toBe(400);
    expect(malformed.headers['content-type']).toBe('application/json');
    expect(malformed.body.summary).toMatch(/malformed JSON/);
    expect(await counts()).toEqual(before);
    expect(t.logs.some((l) => (l.level as number) >= 50)).toBe(false);
  });
});

describe('GET and HEAD /tams/flows/{flowId}', () => {
  it('gives the timerange only when asked: empty until the flow has segments', async () => {
    const id = newId();
    await api.put(`/flows/${id}`, audioFlow(id, newId()));
    expect((await api.get(`/flows/${id}`)).body).not.toHaveProperty('timerange');
    expect((await api.get(`/flows/${id}?include_timerange=true`)).body.timerange).toBe('()');
    expect((await api.get(`/flows/${id}?include_timerange=true&timerange=[0:0_10:0)`)).body.timerange).toBe('()');
    expect((await api.get(`/flows/${id}?include_timerange=false`)).body).not.toHaveProperty('timerange');
  });

  it('refuses bad query values and unknown parameters with 400', async () => {
    const id = newId();
    await api.put(`/flows/${id}`, audioFlow(id, newId()));
    for (const query of ['include_timerange=yes', 'timerange=[0:0_10:0))', 'timerange=1.5', 'include_timerange=true&include_timerange=true', 'verbose=true']) {
      const res = await api.get(`/flows/${id}?${query}`);
      expect(res.status, query).toBe(400);
    }
    // The spec's pattern accepts a range without its closing marker.
    expect((await api.get(`/flows/${id}?timerange=[0:0_10:0`)).status).toBe(200);
  });

  it('HEAD answers with the GET status and headers, without a body', async () => {
    const id = newId();
    await api.put(`/flows/${id}`, audioFlow(id, newId()));
    const [get, head] = [await api.get(`/flows/${id}`), await api.head(`/flows/${id}`)];
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    const missing = await api.head(`/flows/${newId()}`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/json');
  });

  it('answers 404 for an unknown flow and 400 for a malformed id', async () => {
    const missing = await api.get(`/flows/${newId()}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'NotFound', summary: expect.stringMatching(/does not exist/) });
    for (const bad of ['not-a-uuid', newId().toUpperCase(), '0190b2a4-5c1e-7000-8000-000000000000']) {
      expect((await api.get(`/flows/${bad}`)).status, bad).toBe(400);
      expect((await api.put(`/flows/${bad}`, {})).status, bad).toBe(400);
      expect((await api.delete(`/flows/${bad}`)).status, bad).toBe(400);
    }
  });
});

describe('DELETE /tams/flows/{flowId}', () => {
  it('deletes the flow, and its source with its last flow, recording both events', async () => {
    const [a, b, sourceId] = [newId(), newId(), newId()];
    await api.put(`/flows/${a}`, videoFlow(a, sourceId, { tags: { keep: 'me' } }));
    await api.put(`/flows/${b}`, videoFlow(b, sourceId));
    let mark = await outboxMark(t);
    expect((await alice.delete(`/flows/${a}`)).status).toBe(204);
    expect((await api.get(`/flows/${a}`)).status).toBe(404);
    expect((await api.get(`/sources/${sourceId}`)).status).toBe(200);
    let events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.subject, e.actor])).toEqual([['tams.flows.deleted', a, 'alice']]);
    expect(events[0]!.payload).toEqual({
      event_type: 'flows/deleted',
      event: { flow_id: a },
      filter: { flow_id: a, source_id: sourceId, tags: { keep: 'me' }, flow_collected_by: [], source_collected_by: [] },
    });

    mark = await outboxMark(t);
    expect((await api.delete(`/flows/${b}`)).status).toBe(204);
    expect((await api.get(`/sources/${sourceId}`)).status).toBe(404);
    events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['tams.flows.deleted', b],
      ['tams.sources.deleted', sourceId],
    ]);
    expect((await api.delete(`/flows/${b}`)).status).toBe(404);
  });
});
