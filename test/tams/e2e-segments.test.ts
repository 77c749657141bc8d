import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { listAll, specClient, type TamsFetch } from '../helpers/tams-fetch.js';

/**
 * A client written from the TAMS spec alone (fetch, a client-credentials token, only /tams and
 * the URLs the store hands out) stores real media: a video flow, an audio flow and a multi
 * flow collecting them; storage allocated; the bytes PUT to the put_urls; segments registered
 * as [0:0_10:0), [10:0_20:0); listed back by timerange; every get_urls URL downloaded and
 * compared with the file; the flows deleted. Once with the default FilesystemStore, once with
 * an S3 backend (s3rver).
 */

const MEDIA = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'media');
const file = (name: string) => readFileSync(path.join(MEDIA, name));

interface MediaObject {
  object_id: string;
  put_url: { url: string; 'content-type': string };
}
interface Segment {
  object_id: string;
  timerange: string;
  get_urls: { url: string; label: string }[];
}

async function allocateAndPut(tams: TamsFetch, flowId: string, files: Buffer[]): Promise<string[]> {
  const res = await tams('POST', `/flows/${flowId}/storage`, { limit: files.length });
  expect(res.status).toBe(201);
  const objects = (res.body as { media_objects: MediaObject[] }).media_objects;
  for (const [i, object] of objects.entries()) {
    const put = await fetch(object.put_url.url, { method: 'PUT', body: files[i], headers: { 'content-type': object.put_url['content-type'] } });
    expect(put.status, await put.text()).toBe(200);
  }
  return objects.map((o) => o.object_id);
}

async function scenario(tams: TamsFetch): Promise<void> {
  const ids = { video: randomUUID(), audio: randomUUID(), multi: randomUUID() };
  const flows = [
    { id: ids.video, source_id: randomUUID(), format: 'urn:x-nmos:format:video', codec: 'video/h264', container: 'video/mp2t', essence_parameters: { frame_width: 1280, frame_height: 720, frame_rate: { numerator: 24 } } },
    { id: ids.audio, source_id: randomUUID(), format: 'urn:x-nmos:format:audio', codec: 'audio/aac', container: 'audio/aac', essence_parameters: { sample_rate: 48000, channels: 2 } },
    { id: ids.multi, source_id: randomUUID(), format: 'urn:x-nmos:format:multi', container: 'video/mp2t', flow_collection: [{ id: ids.video, role: 'video' }, { id: ids.audio, role: 'audio' }] },
  ];
  for (const flow of flows) expect((await tams('PUT', `/flows/${flow.id}`, flow)).status).toBe(201);
  const backends = (await tams('GET', '/service/storage-backends')).body as { id: string; default_storage?: boolean }[];
  expect(backends.filter((b) => b.default_storage)).toHaveLength(1);

  const video = file('bbb_video_001.ts');
  const audio = [file('bbb_audio_001.aac'), file('bbb_audio_002.aac')];
  const [videoObject] = await allocateAndPut(tams, ids.video, [video]);
  const audioObjects = await allocateAndPut(tams, ids.audio, audio);

  // video: one object registered twice (the second time shifted by ts_offset); audio: a bulk POST
  expect((await tams('POST', `/flows/${ids.video}/segments`, { object_id: videoObject, timerange: '[0:0_10:0)' })).status).toBe(201);
  expect((await tams('POST', `/flows/${ids.video}/segments`, { object_id: videoObject, timerange: '[10:0_20:0)', ts_offset: '10:0' })).status).toBe(201);
  const bulk = audioObjects.map((id, i) => ({ object_id: id, timerange: `[${10 * i}:0_${10 * (i + 1)}:0)` }));
  expect((await tams('POST', `/flows/${ids.audio}/segments`, bulk)).status).toBe(201);

  const videoSegments = (await tams('GET', `/flows/${ids.video}/segments?timerange=${encodeURIComponent('[5:0_15:0)')}`)).body as Segment[];
  expect(videoSegments.map((s) => [s.object_id, s.timerange])).toEqual([
    [videoObject, '[0:0_10:0)'],
    [videoObject, '[10:0_20:0)'],
  ]);
  const audioSegments = await listAll<Segment>(tams, `/flows/${ids.audio}/segments?timerange=${encodeURIComponent('[0:0_20:0)')}&limit=1`);
  expect(audioSegments.map((s) => s.timerange)).toEqual(['[0:0_10:0)', '[10:0_20:0)']);
  expect((await tams('GET', `/flows/${ids.audio}/segments?timerange=${encodeURIComponent('[20:0_30:0)')}`)).body).toEqual([]);

  for (const segment of videoSegments) {
    expect(segment.get_urls.length).toBeGreaterThan(0);
    for (const u of segment.get_urls) expect(Buffer.from(await (await fetch(u.url)).arrayBuffer())).toEqual(video);
  }
  for (const [i, segment] of audioSegments.entries()) {
    for (const u of segment.get_urls) expect(Buffer.from(await (await fetch(u.url)).arrayBuffer())).toEqual(audio[i]);
  }

  expect(((await tams('GET', `/flows/${ids.video}?include_timerange=true`)).body as { timerange: string }).timerange).toBe('[0:0_20:0)');
  expect(((await tams('GET', `/flows/${ids.multi}?include_timerange=true`)).body as { timerange: string }).timerange).toBe('()');
  expect((await tams('GET', `/objects/${videoObject}`)).body).toMatchObject({ id: videoObject, referenced_by_flows: [ids.video], timerange: '[0:0_10:0)' });

  for (const id of [ids.multi, ids.video, ids.audio]) expect((await tams('DELETE', `/flows/${id}`)).status).toBe(204);
  for (const id of [ids.video, ids.audio]) expect((await tams('GET', `/flows/${id}/segments`)).body).toEqual([]);
  for (const id of [videoObject!, ...audioObjects]) expect((await tams('GET', `/objects/${id}`)).status).toBe(404);
}

// The whole client session over real HTTP with real media takes 7 s on a quiet machine and
// came close to the default 30 s on a loaded one.
const SCENARIO_TIMEOUT = 90_000;

describe('segments of real media over real HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('with the default FilesystemStore', async () => {
    await scenario(await specClient(t));
  }, SCENARIO_TIMEOUT);
});

describe('segments of real media in an S3 backend', () => {
  let t: TestApp;
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3(['tams-e2e']);
    t = await createTestApp({ env: { TAMS_STORE_TYPE: 'BucketStore', TAMS_STORE_BUCKET: 'tams-e2e', TAMS_STORE_S3_URL: s3.url } });
    const cfg = await t.http.post('/api/s3cfg').set('Authorization', `Bearer ${t.adminToken}`).send({ url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey });
    expect(cfg.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await s3.close();
  });

  it('with presigned S3 URLs', async () => {
    await scenario(await specClient(t));
  }, SCENARIO_TIMEOUT);
});
