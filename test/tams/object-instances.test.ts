import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { media } from '../../src/media/media.tables.js';
import { tamsObjectInstances } from '../../src/tams/objects/instances.tables.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { allocate, download, seconds, upload } from '../helpers/tams-segments.js';
import { audioFlow, newId, outboxMark, tamsClient, type TamsClient, tamsEventsSince } from '../helpers/tams.js';

/**
 * POST/DELETE /objects/{id}/instances with real stores: the default FilesystemStore, an S3
 * bucket on s3rver and a second filesystem folder. Every response goes through the spec check
 * (tamsClient); bytes are downloaded from the get_urls and compared with the media file.
 */

const MEDIA = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'media');
const AUDIO = readFileSync(path.join(MEDIA, 'bbb_audio_001.aac'));

interface Backend {
  id: string;
  label: string;
}
interface GetUrl {
  url: string;
  label: string;
  controlled: boolean;
  storage_id?: string;
  presigned?: boolean;
  store_type?: string;
}

let t: TestApp;
let s3: TestS3;
let api: TamsClient;
const backends: Record<'fs' | 's3' | 'spare', Backend> = {} as never;

beforeAll(async () => {
  s3 = await startS3(['copies']);
  t = await createTestApp();
  api = tamsClient(t);
  const admin = { Authorization: `Bearer ${t.adminToken}` };
  expect((await t.http.post('/api/s3cfg').set(admin).send({ url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey })).status).toBe(200);
  expect((await t.http.post('/api/store').set(admin).send({ type: 'BucketStore', bucket: 'copies', s3_url: s3.url })).status).toBe(200);
  expect((await t.http.post('/api/store').set(admin).send({ type: 'FilesystemStore', bucket: 'spare' })).status).toBe(200);
  const listed = (await api.get('/service/storage-backends')).body as Backend[];
  backends.fs = listed.find((b) => b.label === 'filesystem:tams')!;
  backends.s3 = listed.find((b) => b.label === 's3:copies')!;
  backends.spare = listed.find((b) => b.label === 'filesystem:spare')!;
  expect(Object.values(backends).every(Boolean)).toBe(true);
});
afterAll(async () => {
  await t.close();
  await s3.close();
});

const enc = encodeURIComponent;

/** A flow with one registered segment whose object holds the audio file; returns the object id. */
async function registeredObject(objectId = newId()): Promise<{ flowId: string; objectId: string }> {
  const flowId = newId();
  expect((await api.put(`/flows/${flowId}`, audioFlow(flowId, newId()))).status).toBe(201);
  const [object] = await allocate(api, flowId, { object_ids: [objectId] });
  await upload(object!, AUDIO);
  expect((await api.post(`/flows/${flowId}/segments`, { object_id: objectId, timerange: seconds(0, 10) })).status).toBe(201);
  return { flowId, objectId };
}

const urlsOf = async (objectId: string, query = ''): Promise<GetUrl[]> => {
  const res = await api.get(`/objects/${enc(objectId)}${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.get_urls as GetUrl[];
};
const labels = (urls: GetUrl[]) => urls.map((u) => u.label);
const instanceRows = (objectId: string) => t.db().select().from(tamsObjectInstances).where(eq(tamsObjectInstances.objectId, objectId));
const mediaRow = async (pid: string) => (await t.db().select().from(media).where(eq(media.pid, pid)))[0]!;
const s3Files = () => readdirSync(path.join(s3.directory, 'copies'), { recursive: true }).filter((f) => String(f).endsWith('._S3rver_object'));
const spareDir = () => path.join(t.config.filesystemStoreRoot, 'spare');
const spareFiles = () => (existsSync(spareDir()) ? readdirSync(spareDir()) : []);

describe('POST /objects/{id}/instances: controlled copies', () => {
  it('copies the bytes into another backend, lists both in get_urls (object and segments) and records the event', async () => {
    const { flowId, objectId } = await registeredObject();
    const mark = await outboxMark(t);
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { storage_id: backends.s3.id })).status).toBe(201);

    const urls = await urlsOf(objectId);
    expect(urls.map((u) => [u.label, u.controlled, u.storage_id])).toEqual([
      ['filesystem:tams', true, backends.fs.id],
      ['s3:copies', true, backends.s3.id],
    ]);
    for (const u of urls) expect((await download(u.url)).equals(AUDIO)).toBe(true);
    const segment = (await api.get(`/flows/${flowId}/segments`)).body[0] as { get_urls: GetUrl[] };
    expect(labels(segment.get_urls)).toEqual(['filesystem:tams', 's3:copies']);

    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.subject, e.payload])).toEqual([
      ['tams.objects.instance_added', objectId, { object_id: objectId, instance: { controlled: true, label: 's3:copies', storage_id: backends.s3.id } }],
    ]);
    expect(await instanceRows(objectId)).toMatchObject([{ storeConfigId: expect.any(Number), ready: true }]);
  });

  it('filters get_urls by accept_storage_ids, accept_get_urls and presigned, with verbose_storage fields', async () => {
    const { flowId, objectId } = await registeredObject();
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { storage_id: backends.spare.id })).status).toBe(201);
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { url: 'https://cdn.example.com/a.aac', label: 'cdn' })).status).toBe(201);
    expect(labels(await urlsOf(objectId))).toEqual(['filesystem:tams', 'filesystem:spare', 'cdn']);
    expect(labels(await urlsOf(objectId, `?accept_storage_ids=${backends.spare.id}`))).toEqual(['filesystem:spare']);
    expect(labels(await urlsOf(objectId, `?accept_storage_ids=${backends.spare.id},${backends.fs.id}`))).toEqual(['filesystem:tams', 'filesystem:spare']);
    expect(labels(await urlsOf(objectId, '?accept_get_urls=cdn,filesystem:spare'))).toEqual(['filesystem:spare', 'cdn']);
    expect(await urlsOf(objectId, '?accept_get_urls=')).toEqual([]);
    expect(labels(await urlsOf(objectId, '?presigned=false'))).toEqual(['cdn']);
    expect(labels(await urlsOf(objectId, '?presigned=true'))).toEqual(['filesystem:tams', 'filesystem:spare']);
    const verbose = await urlsOf(objectId, '?verbose_storage=true');
    expect(verbose.filter((u) => u.controlled).every((u) => u.store_type === 'http_object_store')).toBe(true);
    expect(verbose.find((u) => !u.controlled)).toEqual({ url: 'https://cdn.example.com/a.aac', label: 'cdn', controlled: false });
    const segment = (await api.get(`/flows/${flowId}/segments?accept_storage_ids=${backends.spare.id}`)).body[0] as { get_urls: GetUrl[] };
    expect(labels(segment.get_urls)).toEqual(['filesystem:spare']);
    expect((await download(segment.get_urls[0]!.url)).equals(AUDIO)).toBe(true);
  });

  it('refuses a backend that holds an instance already, an unknown storage_id and bodies of neither or both kinds (400), changing nothing', async () => {
    const { objectId } = await registeredObject();
    const post = (body: unknown) => api.post(`/objects/${enc(objectId)}/instances`, body);
    expect((await post({ storage_id: backends.fs.id })).status).toBe(400);
    expect((await post({ storage_id: backends.s3.id })).status).toBe(201);
    const again = await post({ storage_id: backends.s3.id });
    expect(again.status).toBe(400);
    expect(again.body.summary).toContain('already has an instance in s3:copies');
    expect((await post({ storage_id: newId() })).status).toBe(400);
    expect((await post({ storage_id: 'not-a-uuid' })).status).toBe(400);
    expect((await post({})).status).toBe(400);
    expect((await post({ storage_id: backends.spare.id, url: 'https://x.example/y', label: 'x' })).status).toBe(400);
    expect((await post({ url: 'javascript:alert(1)', label: 'x' })).status).toBe(400);
    expect(labels(await urlsOf(objectId))).toEqual(['filesystem:tams', 's3:copies']);
    expect(await instanceRows(objectId)).toHaveLength(1);
  });

  it('refuses to copy bytes that do not match the checksums recorded at ingest (409) and leaves nothing in the target', async () => {
    const { objectId } = await registeredObject();
    const record = await mediaRow(objectId);
    expect(record.sha256).toBe((await import('node:crypto')).createHash('sha256').update(AUDIO).digest('hex'));
    const before = spareFiles();
    const corrupted = Buffer.from(AUDIO);
    corrupted[100] = corrupted[100]! ^ 0xff;
    writeFileSync(path.join(t.config.filesystemStoreRoot, 'tams', record.storeKey), corrupted);
    const mark = await outboxMark(t);
    const res = await api.post(`/objects/${enc(objectId)}/instances`, { storage_id: backends.spare.id });
    expect(res.status).toBe(409);
    expect(res.body.summary).toContain('do not match the checksums');
    expect(spareFiles()).toEqual(before);
    expect(await instanceRows(objectId)).toEqual([]);
    expect(labels(await urlsOf(objectId))).toEqual(['filesystem:tams']);
    expect(await tamsEventsSince(t, mark)).toEqual([]);
  });

  it('answers 404 for unknown objects and for objects allocated but not registered, 400 when the bytes were never uploaded', async () => {
    expect((await api.post(`/objects/${newId()}/instances`, { storage_id: backends.s3.id })).status).toBe(404);
    const flowId = newId();
    expect((await api.put(`/flows/${flowId}`, audioFlow(flowId, newId()))).status).toBe(201);
    const [allocated] = await allocate(api, flowId);
    expect((await api.post(`/objects/${allocated!.object_id}/instances`, { storage_id: backends.s3.id })).status).toBe(404);
    expect((await api.delete(`/objects/${allocated!.object_id}/instances?label=x`)).status).toBe(404);
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: allocated!.object_id, timerange: seconds(0, 10) })).status).toBe(201);
    const res = await api.post(`/objects/${allocated!.object_id}/instances`, { storage_id: backends.s3.id });
    expect(res.status).toBe(400);
    expect(res.body.summary).toContain('no bytes');
    expect(await instanceRows(allocated!.object_id)).toEqual([]);
  });
});

describe('POST /objects/{id}/instances: uncontrolled URLs', () => {
  it('adds a URL with its label once, refuses labels of backends and a label taken by another URL', async () => {
    const { objectId } = await registeredObject(`dir/${newId()}`);
    const post = (body: unknown) => api.post(`/objects/${enc(objectId)}/instances`, body);
    const mark = await outboxMark(t);
    expect((await post({ url: 'https://tams-b.example.com/x?sig=1', label: 'pipeline-b' })).status).toBe(201);
    expect((await post({ url: 'https://tams-b.example.com/x?sig=1', label: 'pipeline-b' })).status).toBe(201);
    expect((await post({ url: 'https://other.example.com/x', label: 'pipeline-b' })).status).toBe(400);
    expect((await post({ url: 'https://other.example.com/x', label: 's3:copies' })).status).toBe(400);
    expect((await post({ url: 'https://other.example.com/x' })).status).toBe(400);
    const urls = await urlsOf(objectId);
    expect(urls.slice(1)).toEqual([{ url: 'https://tams-b.example.com/x?sig=1', label: 'pipeline-b', controlled: false }]);
    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => e.payload)).toEqual([{ object_id: objectId, instance: { controlled: false, label: 'pipeline-b' } }]);
  });
});

describe('DELETE /objects/{id}/instances', () => {
  it('deletes a copy by storage_id (its bytes too) and an uncontrolled URL by label, never the last instance', async () => {
    const { objectId } = await registeredObject();
    const filesBefore = s3Files().length;
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { storage_id: backends.s3.id })).status).toBe(201);
    expect(s3Files()).toHaveLength(filesBefore + 1);
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { url: 'https://cdn.example.com/b', label: 'cdn' })).status).toBe(201);
    const copyUrl = (await urlsOf(objectId)).find((u) => u.label === 's3:copies')!.url;
    const mark = await outboxMark(t);

    expect((await api.delete(`/objects/${enc(objectId)}/instances?storage_id=${backends.s3.id}`)).status).toBe(204);
    expect(labels(await urlsOf(objectId))).toEqual(['filesystem:tams', 'cdn']);
    expect(s3Files()).toHaveLength(filesBefore);
    expect((await fetch(copyUrl)).status).toBe(404);
    expect(await t.db().select().from(tamsObjectInstances).where(eq(tamsObjectInstances.storeKey, new URL(copyUrl).pathname.split('/').pop()!))).toEqual([]);

    expect((await api.delete(`/objects/${enc(objectId)}/instances?storage_id=${backends.s3.id}`)).status).toBe(404);
    expect((await api.delete(`/objects/${enc(objectId)}/instances?label=nope`)).status).toBe(404);
    expect((await api.delete(`/objects/${enc(objectId)}/instances`)).status).toBe(400);
    expect((await api.delete(`/objects/${enc(objectId)}/instances?label=cdn&storage_id=${backends.s3.id}`)).status).toBe(400);
    expect((await api.delete(`/objects/${enc(objectId)}/instances?colour=red`)).status).toBe(400);
    // The record's own bytes are its only controlled instance: kept, though a URL remains.
    const onlyControlled = await api.delete(`/objects/${enc(objectId)}/instances?storage_id=${backends.fs.id}`);
    expect(onlyControlled.status).toBe(400);
    expect(onlyControlled.body.summary).toContain('only controlled instance');

    expect((await api.delete(`/objects/${enc(objectId)}/instances?label=cdn`)).status).toBe(204);
    const last = await api.delete(`/objects/${enc(objectId)}/instances?label=filesystem:tams`);
    expect(last.status).toBe(400);
    expect(last.body.summary).toContain('no other instance');
    expect(labels(await urlsOf(objectId))).toEqual(['filesystem:tams']);
    expect((await download((await urlsOf(objectId))[0]!.url)).equals(AUDIO)).toBe(true);

    const events = await tamsEventsSince(t, mark);
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['tams.objects.instance_deleted', { object_id: objectId, instance: { controlled: true, label: 's3:copies', storage_id: backends.s3.id } }],
      ['tams.objects.instance_deleted', { object_id: objectId, instance: { controlled: false, label: 'cdn' } }],
    ]);
  });

  it("deleting the backend holding the record's bytes moves the record to a copy, and deletes the old bytes", async () => {
    const { flowId, objectId } = await registeredObject();
    const before = await mediaRow(objectId);
    const oldFile = path.join(t.config.filesystemStoreRoot, 'tams', before.storeKey);
    expect(existsSync(oldFile)).toBe(true);
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { storage_id: backends.spare.id })).status).toBe(201);
    expect((await api.delete(`/objects/${enc(objectId)}/instances?storage_id=${backends.fs.id}`)).status).toBe(204);

    const urls = await urlsOf(objectId);
    expect(labels(urls)).toEqual(['filesystem:spare']);
    expect((await download(urls[0]!.url)).equals(AUDIO)).toBe(true);
    expect(existsSync(oldFile)).toBe(false);
    const after = await mediaRow(objectId);
    expect(after.storeConfigId).not.toBe(before.storeConfigId);
    expect(after.sha256).toBe(before.sha256);
    expect(await instanceRows(objectId)).toEqual([]);
    expect(await t.db().select().from(tamsObjectInstances).where(eq(tamsObjectInstances.storeKey, before.storeKey))).toEqual([]);
    const history = await t.http.get(`/api/media/${objectId}/history`).set('Authorization', `Bearer ${t.adminToken}`);
    expect(history.status).toBe(200);
    expect(history.body.history[0]).toMatchObject({
      history_type: '~',
      history_change_reason: 'TAMS object instance deleted',
      snapshot: { store_config: { bucket: 'spare' }, checksums: { sha256: before.sha256 } },
    });
    const segment = (await api.get(`/flows/${flowId}/segments`)).body[0] as { get_urls: GetUrl[] };
    expect(labels(segment.get_urls)).toEqual(['filesystem:spare']);
  });

  it('copies of an object go with it: deleting its last segment deletes every instance\'s bytes', async () => {
    const { flowId, objectId } = await registeredObject();
    const s3Before = s3Files().length;
    expect((await api.post(`/objects/${enc(objectId)}/instances`, { storage_id: backends.s3.id })).status).toBe(201);
    expect(s3Files()).toHaveLength(s3Before + 1);
    expect((await api.delete(`/flows/${flowId}/segments`)).status).toBe(204);
    expect((await api.get(`/objects/${enc(objectId)}`)).status).toBe(404);
    // The object row went; its copy is detached, waiting for the housekeeping sweep.
    const detached = await t.db().select().from(tamsObjectInstances).where(eq(tamsObjectInstances.objectId, objectId));
    expect(detached).toEqual([]);
    expect((await t.ctx.tams.housekeeping.runOnce()).swept).toBeGreaterThanOrEqual(1);
    expect(s3Files()).toHaveLength(s3Before);
  });
});
