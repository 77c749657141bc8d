import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { audioFlow, newId, outboxMark, type TamsClient, tamsEventsSince, videoFlow, withTamsApp } from '../helpers/tams.js';
import { tamsSpec } from '../helpers/tams-spec.js';

/** `/flows/{id}/<property>` and `/sources/{id}/<property>`: each value read, set and unset on its own. */

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

async function newFlow(extra: Record<string, unknown> = {}) {
  const [id, sourceId] = [newId(), newId()];
  await api.put(`/flows/${id}`, videoFlow(id, sourceId, extra));
  return { id, sourceId, path: `/flows/${id}` };
}

/** Runs `write`, expects 204 and exactly one event of `type` about `subject`; returns its payload. */
async function expectOneEvent(write: () => Promise<{ status: number }>, type: string, subject: string) {
  const mark = await outboxMark(t);
  expect((await write()).status).toBe(204);
  const events = await tamsEventsSince(t, mark);
  expect(events.map((e) => [e.type, e.subject])).toEqual([[type, subject]]);
  return events[0]!.payload;
}

describe.each([
  ['flows', async () => ({ base: (await newFlow()).path, type: 'tams.flows.updated', doc: 'flow' })],
  ['sources', async () => ({ base: `/sources/${(await newFlow()).sourceId}`, type: 'tams.sources.updated', doc: 'source' })],
])('tags, label and description of %s', (_resource, make) => {
  it('sets, reads and deletes tags one by one, each write an event with the new document', async () => {
    const { base, type, doc } = await make();
    const subject = base.split('/')[2]!;
    expect((await api.get(`${base}/tags`)).body).toEqual({});
    let payload = await expectOneEvent(() => api.put(`${base}/tags/genre`, 'news'), type, subject);
    expect((payload.event[doc] as { tags: unknown }).tags).toEqual({ genre: 'news' });
    await expectOneEvent(() => api.put(`${base}/tags/${encodeURIComponent('a/b c')}`, ['x', 'y']), type, subject);
    expect((await api.get(`${base}/tags`)).body).toEqual({ genre: 'news', 'a/b c': ['x', 'y'] });
    expect((await api.get(`${base}/tags/genre`)).body).toBe('news');
    expect((await api.get(`${base}/tags/${encodeURIComponent('a/b c')}`)).body).toEqual(['x', 'y']);
    expect((await api.head(`${base}/tags/genre`)).status).toBe(200);
    payload = await expectOneEvent(() => api.delete(`${base}/tags/genre`), type, subject);
    expect((payload.event[doc] as { tags: unknown }).tags).toEqual({ 'a/b c': ['x', 'y'] });
    for (const missing of ['genre', '__proto__', 'constructor']) {
      expect((await api.get(`${base}/tags/${missing}`)).status, missing).toBe(404);
      expect((await api.delete(`${base}/tags/${missing}`)).status, missing).toBe(404);
    }
    for (const bad of [42, { a: 'b' }, ['x', 1], null]) expect((await api.put(`${base}/tags/genre`, bad)).status, JSON.stringify(bad)).toBe(400);
  });

  it('sets, reads and unsets the label and the description', async () => {
    const { base, type } = await make();
    const subject = base.split('/')[2]!;
    for (const property of ['label', 'description']) {
      const unset = await api.get(`${base}/${property}`);
      expect(unset.status).toBe(404);
      expect(unset.body.summary).toMatch(new RegExp(`has no ${property}$`));
      await expectOneEvent(() => api.put(`${base}/${property}`, `The ${property}`), type, subject);
      expect((await api.get(`${base}/${property}`)).body).toBe(`The ${property}`);
      expect((await api.get(base)).body[property]).toBe(`The ${property}`);
      expect((await api.put(`${base}/${property}`, 42)).status).toBe(400);
      await expectOneEvent(() => api.delete(`${base}/${property}`), type, subject);
      expect((await api.get(base)).body).not.toHaveProperty(property);
      expect((await api.delete(`${base}/${property}`)).status).toBe(204); // already unset: nothing to do
    }
  });

  it('answers 404 for an unknown resource', async () => {
    const { base } = await make();
    const unknown = base.replace(/[0-9a-f-]{36}/, newId());
    expect((await api.get(`${unknown}/tags`)).status).toBe(404);
    expect((await api.put(`${unknown}/label`, 'x')).status).toBe(404);
    expect((await api.delete(`${unknown}/tags/x`)).status).toBe(404);
  });
});

describe('flow-only properties', () => {
  it('read_only is a boolean, false by default', async () => {
    const { path } = await newFlow();
    expect((await api.get(`${path}/read_only`)).body).toBe(false);
    for (const bad of ['true', 1, null]) expect((await api.put(`${path}/read_only`, bad)).status, JSON.stringify(bad)).toBe(400);
    await api.put(`${path}/read_only`, true);
    expect((await api.get(path)).body.read_only).toBe(true);
    expect((await api.delete(`${path}/read_only`)).status).toBe(405);
  });

  it('bit rates are integers ≥ 0 in kbit/s', async () => {
    const { id, path } = await newFlow();
    for (const property of ['max_bit_rate', 'avg_bit_rate']) {
      expect((await api.get(`${path}/${property}`)).status).toBe(404);
      for (const bad of [-1, 1.5, '5000', null]) expect((await api.put(`${path}/${property}`, bad)).status, `${property} ${bad}`).toBe(400);
      const before = (await api.get(path)).body;
      await expectOneEvent(() => api.put(`${path}/${property}`, 5000), 'tams.flows.updated', id);
      const after = (await api.get(path)).body;
      expect(after[property]).toBe(5000);
      expect(after.metadata_version).not.toBe(before.metadata_version);
      expect((await api.get(`${path}/${property}`)).body).toBe(5000);
      await expectOneEvent(() => api.delete(`${path}/${property}`), 'tams.flows.updated', id);
      expect((await api.get(path)).body).not.toHaveProperty(property);
    }
  });

  it('avg_bit_rate of a flow made from a profile belongs to the profile (400) until it is unlinked', async () => {
    const profile = tamsSpec().example('profile-put.json');
    await api.post(`/service/profiles/${String(profile.id)}`, profile);
    const [id, sourceId] = [newId(), newId()];
    await api.put(`/flows/${id}`, { id, source_id: sourceId, profile_id: profile.id, max_bit_rate: 3000 });
    const put = await api.put(`/flows/${id}/avg_bit_rate`, 1000);
    expect(put.status).toBe(400);
    expect(put.body.summary).toMatch(/comes from profile .*unlink the profile/);
    expect((await api.delete(`/flows/${id}/avg_bit_rate`)).status).toBe(400);
    expect((await api.get(`/flows/${id}/avg_bit_rate`)).body).toBe(2479);
    // max_bit_rate is the flow's own
    expect((await api.put(`/flows/${id}/max_bit_rate`, 4000)).status).toBe(204);
    // unlinking: PUT the technical metadata with profile_id ""
    const flow = (await api.get(`/flows/${id}`)).body;
    const { created: _c, created_by: _cb, updated_by: _u, metadata_updated: _m, metadata_version: _v, ...unlinked } = flow;
    expect((await api.put(`/flows/${id}`, { ...unlinked, profile_id: '' })).status).toBe(204);
    expect((await api.get(`/flows/${id}`)).body).not.toHaveProperty('profile_id');
    expect((await api.put(`/flows/${id}/avg_bit_rate`, 1000)).status).toBe(204);
  });

  it('every write goes through PUT semantics: an audio flow keeps its own members', async () => {
    const [id, sourceId] = [newId(), newId()];
    await api.put(`/flows/${id}`, audioFlow(id, sourceId, { label: 'mix', tags: { a: 'b' }, max_bit_rate: 320 }));
    await api.put(`/flows/${id}/tags/c`, 'd');
    const flow = (await api.get(`/flows/${id}`)).body;
    expect(flow).toMatchObject({ label: 'mix', tags: { a: 'b', c: 'd' }, max_bit_rate: 320, essence_parameters: { sample_rate: 48000, channels: 2 } });
  });
});
