import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { audioFlow, multiFlow, newId, outboxMark, type TamsClient, tamsEventsSince, videoFlow, withTamsApp } from '../helpers/tams.js';

/**
 * A multi flow collecting a video and an audio flow: the members' `collected_by`, and the
 * sources' `source_collection` and `collected_by` inferred from it, kept true through every
 * change, with an event for every document that changed.
 */

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

async function programme() {
  const ids = { video: newId(), audio: newId(), multi: newId(), videoSource: newId(), audioSource: newId(), multiSource: newId() };
  await api.put(`/flows/${ids.video}`, videoFlow(ids.video, ids.videoSource));
  await api.put(`/flows/${ids.audio}`, audioFlow(ids.audio, ids.audioSource));
  return ids;
}

const eventList = async (mark: number) => (await tamsEventsSince(t, mark)).map((e) => `${e.type} ${e.subject}`).sort();

describe('flow collections', () => {
  it('a multi flow sets collected_by on its members and the source collection on the sources', async () => {
    const ids = await programme();
    const mark = await outboxMark(t);
    const body = multiFlow(ids.multi, ids.multiSource, [], { flow_collection: [{ id: ids.video, role: 'picture' }, { id: ids.audio, role: 'sound', container_mapping: { track_index: 1 } }] });
    expect((await api.put(`/flows/${ids.multi}`, body)).status).toBe(201);

    expect((await api.get(`/flows/${ids.multi}/flow_collection`)).body).toEqual(body.flow_collection);
    expect((await api.get(`/flows/${ids.video}`)).body.collected_by).toEqual([ids.multi]);
    expect((await api.get(`/flows/${ids.audio}`)).body.collected_by).toEqual([ids.multi]);
    expect((await api.get(`/sources/${ids.multiSource}`)).body.source_collection).toEqual([
      { id: ids.videoSource, role: 'picture' },
      { id: ids.audioSource, role: 'sound' },
    ]);
    expect((await api.get(`/sources/${ids.videoSource}`)).body.collected_by).toEqual([ids.multiSource]);
    expect((await api.get(`/sources/${ids.audioSource}`)).body.collected_by).toEqual([ids.multiSource]);

    expect(await eventList(mark)).toEqual(
      [
        `tams.sources.created ${ids.multiSource}`,
        `tams.flows.created ${ids.multi}`,
        `tams.flows.updated ${ids.video}`,
        `tams.flows.updated ${ids.audio}`,
        `tams.sources.updated ${ids.videoSource}`,
        `tams.sources.updated ${ids.audioSource}`,
      ].sort(),
    );
    const events = await tamsEventsSince(t, mark);
    const videoUpdate = events.find((e) => e.subject === ids.video)!;
    expect(videoUpdate.payload.filter).toMatchObject({ flow_collected_by: [ids.multi], source_collected_by: [ids.multiSource] });
  });

  it('filters flows and sources by collected_by_ids, an empty value meaning "collected by nothing"', async () => {
    const ids = await programme();
    await api.put(`/flows/${ids.multi}`, multiFlow(ids.multi, ids.multiSource, [ids.video, ids.audio]));
    const flowIds = async (query: string) => ((await api.get(`/flows?${query}&limit=1000`)).body as { id: string }[]).map((f) => f.id).sort();
    const sourceIds = async (query: string) => ((await api.get(`/sources?${query}&limit=1000`)).body as { id: string }[]).map((s) => s.id).sort();
    expect(await flowIds(`collected_by_ids=${ids.multi}`)).toEqual([ids.video, ids.audio].sort());
    expect(await flowIds(`collected_by_ids=${ids.multi},${newId()}`)).toEqual([ids.video, ids.audio].sort());
    const topLevel = await flowIds('collected_by_ids=');
    expect(topLevel).toContain(ids.multi);
    expect(topLevel).not.toContain(ids.video);
    expect(await sourceIds(`collected_by_ids=${ids.multiSource}`)).toEqual([ids.videoSource, ids.audioSource].sort());
    const topSources = await sourceIds('collected_by_ids=');
    expect(topSources).toContain(ids.multiSource);
    expect(topSources).not.toContain(ids.audioSource);
    expect((await api.get(`/flows?collected_by_ids=${ids.multi.toUpperCase()}`)).status).toBe(400);
    expect((await api.get('/sources?collected_by_ids=,')).status).toBe(400);
  });

  it('changing and deleting the collection updates the members and sources', async () => {
    const ids = await programme();
    await api.put(`/flows/${ids.multi}`, multiFlow(ids.multi, ids.multiSource, [ids.video, ids.audio]));
    let mark = await outboxMark(t);
    expect((await api.put(`/flows/${ids.multi}/flow_collection`, [{ id: ids.video }])).status).toBe(204);
    expect((await api.get(`/flows/${ids.audio}`)).body).not.toHaveProperty('collected_by');
    expect((await api.get(`/sources/${ids.audioSource}`)).body).not.toHaveProperty('collected_by');
    expect((await api.get(`/sources/${ids.multiSource}`)).body.source_collection).toEqual([{ id: ids.videoSource }]);
    expect(await eventList(mark)).toEqual([`tams.flows.updated ${ids.multi}`, `tams.flows.updated ${ids.audio}`, `tams.sources.updated ${ids.multiSource}`, `tams.sources.updated ${ids.audioSource}`].sort());

    mark = await outboxMark(t);
    expect((await api.delete(`/flows/${ids.multi}/flow_collection`)).status).toBe(204);
    expect((await api.get(`/flows/${ids.multi}/flow_collection`)).body).toEqual([]);
    expect((await api.get(`/flows/${ids.multi}`)).body).not.toHaveProperty('flow_collection');
    expect((await api.get(`/flows/${ids.video}`)).body).not.toHaveProperty('collected_by');
    expect(await eventList(mark)).toEqual([`tams.flows.updated ${ids.multi}`, `tams.flows.updated ${ids.video}`, `tams.sources.updated ${ids.multiSource}`, `tams.sources.updated ${ids.videoSource}`].sort());
  });

  it('deleting a member takes it out of the collection, a change of the collecting flow', async () => {
    const ids = await programme();
    await api.put(`/flows/${ids.multi}`, multiFlow(ids.multi, ids.multiSource, [ids.video, ids.audio]));
    const before = (await api.get(`/flows/${ids.multi}`)).body;
    const mark = await outboxMark(t);
    expect((await api.delete(`/flows/${ids.video}`)).status).toBe(204);
    const after = (await api.get(`/flows/${ids.multi}`)).body;
    expect(after.flow_collection).toEqual([{ id: ids.audio }]);
    expect(after.metadata_version).not.toBe(before.metadata_version);
    expect(after.updated_by).toBe('admin');
    expect(await eventList(mark)).toEqual(
      [`tams.flows.deleted ${ids.video}`, `tams.flows.updated ${ids.multi}`, `tams.sources.deleted ${ids.videoSource}`, `tams.sources.updated ${ids.multiSource}`].sort(),
    );
    // and deleting the collecting flow frees its members
    await api.delete(`/flows/${ids.multi}`);
    expect((await api.get(`/flows/${ids.audio}`)).body).not.toHaveProperty('collected_by');
    expect((await api.get(`/sources/${ids.audioSource}`)).body).not.toHaveProperty('collected_by');
  });

  it('refuses flows of one source that collect different sources (400), and accepts those that agree', async () => {
    const ids = await programme();
    await api.put(`/flows/${ids.multi}`, multiFlow(ids.multi, ids.multiSource, [ids.video, ids.audio]));
    // A proxy: another video flow of the same video source, muxed with the same audio.
    const [proxy, proxyMux] = [newId(), newId()];
    await api.put(`/flows/${proxy}`, videoFlow(proxy, ids.videoSource, { essence_parameters: { frame_width: 640, frame_height: 360, frame_rate: { numerator: 25 } } }));
    expect((await api.put(`/flows/${proxyMux}`, multiFlow(proxyMux, ids.multiSource, [proxy, ids.audio]))).status).toBe(201);
    const other = newId();
    for (const members of [[ids.audio, proxy], [proxy]]) {
      const res = await api.put(`/flows/${other}`, multiFlow(other, ids.multiSource, members));
      expect(res.status).toBe(400);
      expect(res.body.summary).toMatch(/collect different sources/);
      expect((await api.get(`/flows/${other}`)).status).toBe(404);
    }
    const roles = await api.put(`/flows/${proxyMux}/flow_collection`, [{ id: proxy, role: 'picture' }, { id: ids.audio }]);
    expect(roles.status).toBe(400);
  });
});
