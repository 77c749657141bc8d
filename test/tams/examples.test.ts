import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tamsFlows } from '../../src/tams/flows/flows.tables.js';
import type { TestApp } from '../helpers/app.js';
import { audioFlow, type TamsClient, withTamsApp } from '../helpers/tams.js';
import { tamsSpec } from '../helpers/tams-spec.js';

/**
 * The spec's own request examples are accepted, and our answers have the shape of its
 * response examples (same members, same values where the client chose them).
 */

let t: TestApp;
let api: TamsClient;
const spec = () => tamsSpec();
type Json = Record<string, unknown>;

/** Members the server sets, whose values differ from an example's. */
const SERVER_MANAGED = ['created', 'created_by', 'updated', 'updated_by', 'metadata_updated', 'metadata_version', 'segments_updated'];
const withoutServerManaged = (doc: Json) => Object.fromEntries(Object.entries(doc).filter(([k]) => !SERVER_MANAGED.includes(k)));

withTamsApp((app, client) => ([t, api] = [app, client]));

describe('request examples of the spec', () => {
  it('service-post.json updates the service, and GET /service has the members of service-get-200.json', async () => {
    const body = spec().example('service-post.json');
    expect((await api.post('/service', body)).status).toBe(200);
    const service = (await api.get('/service')).body as Json;
    expect(service).toMatchObject(body);
    expect(Object.keys(service).sort()).toEqual(Object.keys(spec().example('service-get-200.json')).sort());
  });

  it('profile-put.json creates the profile of profile-post-201.json', async () => {
    const body = spec().example('profile-put.json');
    const res = await api.post(`/service/profiles/${String(body.id)}`, body);
    expect(res.status).toBe(201);
    expect(withoutServerManaged(res.body as Json)).toEqual(withoutServerManaged(spec().example('profile-post-201.json')));
    expect(res.body).toMatchObject({ created_by: 'admin', created: expect.any(String) });
    const list = await api.get('/service/profiles');
    expect((list.body as Json[]).map((p) => p.id)).toEqual([body.id]);
  });

  it('flow-put.json creates the flow of flow-put-201.json', async () => {
    const body = spec().example('flow-put.json');
    const res = await api.put(`/flows/${String(body.id)}`, body);
    expect(res.status).toBe(201);
    // flow-put-201.json shows segments_updated; this flow has no segments yet.
    expect(withoutServerManaged(res.body as Json)).toEqual({ ...withoutServerManaged(spec().example('flow-put-201.json')), read_only: false });
    expect(res.body).toMatchObject({ created_by: 'admin', updated_by: 'admin', metadata_version: expect.any(String) });
  });

  it('a GET example sent as a PUT creates the flow, its server-managed members ignored', async () => {
    const example = spec().example('flow-get-200-video-h264.json');
    const res = await api.put(`/flows/${String(example.id)}`, example);
    expect(res.status).toBe(201);
    const created = res.body as Json;
    const { collected_by: claimed, ...rest } = withoutServerManaged(example);
    expect(claimed).toBeDefined();
    expect(withoutServerManaged(created)).toEqual({ ...rest, read_only: false });
    expect(created.created).not.toBe(example.created);
    expect(created.created_by).toBe('admin');
  });

  it('flow-put-multi.json collects registered flows (itself included, as in the example)', async () => {
    const body = spec().example('flow-put-multi.json');
    // The example's third member is not defined by any example: an audio description track.
    const ad = 'c8943cb3-08df-46de-8ce8-0d7d70ed204c';
    expect((await api.put(`/flows/${ad}`, audioFlow(ad, '0b0c5d1e-7f3a-4d8e-9a61-2f7e8c9d0a1b', { label: 'AD' }))).status).toBe(201);
    const res = await api.put(`/flows/${String(body.id)}`, body);
    expect(res.status).toBe(201);
    expect(withoutServerManaged(res.body as Json)).toEqual({ ...withoutServerManaged(body), read_only: false, collected_by: [body.id] });
    const member = await api.get('/flows/6101df05-06bb-41b8-8af4-cf7cd33df209');
    expect(member.body.collected_by).toEqual([body.id]);
  });

  it('flow-collection-put.json replaces the collection', async () => {
    const body = spec().example('flow-collection-put.json') as unknown as Json[];
    expect((await api.put('/flows/e85efab4-993b-4ad6-9af3-4cd8d0d38860/flow_collection', body)).status).toBe(204);
    const res = await api.get('/flows/e85efab4-993b-4ad6-9af3-4cd8d0d38860/flow_collection');
    expect(res.body).toEqual(spec().example('flow-collection-get-200.json'));
  });

  it('flow-put-profile.json replaces the flow by one made from the profile', async () => {
    const body = spec().example('flow-put-profile.json');
    expect((await api.put(`/flows/${String(body.id)}`, body)).status).toBe(204);
    const flow = (await api.get(`/flows/${String(body.id)}`)).body as Json;
    const profile = spec().example('profile-put.json');
    expect(flow).toMatchObject({ ...(profile.flow_metadata as Json), profile_id: profile.id, label: body.label, tags: body.tags });
    const [row] = await t.db().select().from(tamsFlows).where(eq(tamsFlows.id, String(body.id)));
    expect(row!.profileId).toBe(profile.id);
    // The flow's source had no other flow: it takes the new format.
    const source = await api.get(`/sources/${String(body.source_id)}`);
    expect(source.body.format).toBe('urn:x-nmos:format:video');
  });

  it('sources have the members of sources-get-200.json, collections derived from the flows', async () => {
    const sources = (await api.get('/sources?limit=1000')).body as Json[];
    const members = new Set(Object.keys((spec().example('sources-get-200.json') as unknown as Json[])[0]!));
    for (const source of sources) for (const key of Object.keys(source)) expect([...members, 'tags', 'source_collection'].includes(key), key).toBe(true);
    const multi = sources.find((s) => s.id === 'a77d0061-0878-4e8a-a114-772d03f952c1')!;
    expect(multi).toMatchObject({ format: 'urn:x-nmos:format:multi', label: 'OB Truck A Mix Out', description: 'SRT Feed 1' });
    expect(multi.source_collection).toEqual([
      { id: '2aa143ac-0ab7-4d75-bc32-5c00c13d186f' },
      { id: '41d7f7eb-c48d-4513-9b37-17b418d26d7f' },
    ]);
    const video = sources.find((s) => s.id === '2aa143ac-0ab7-4d75-bc32-5c00c13d186f')!;
    expect(video.collected_by).toEqual(['a77d0061-0878-4e8a-a114-772d03f952c1']);
  });
});
