import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { listAll as listAllOf, specClient, type TamsFetch } from '../helpers/tams-fetch.js';

/**
 * A client written from the TAMS spec alone, over real HTTP with fetch: a token from the OAuth2
 * client-credentials grant, then only /tams. It creates a video, an audio and a multi flow that
 * collects them, finds them through listings (following `Link` headers) and filters, changes
 * their properties, and deletes them. (Segments and storage: e2e-segments.test.ts.)
 */

let t: TestApp;
let tams: TamsFetch;

beforeAll(async () => {
  t = await createTestApp();
  tams = await specClient(t);
});
afterAll(() => t.close());

const listAll = <T>(path: string) => listAllOf<T>(tams, path);

it('creates, finds, changes and deletes a video, an audio and a multi flow', async () => {
  const service = await tams('GET', '/service');
  expect((service.body as { api_version: string }).api_version).toBe('8.2');

  const programme = `e2e-${randomUUID()}`;
  const ids = { video: randomUUID(), audio: randomUUID(), multi: randomUUID() };
  const sources = { video: randomUUID(), audio: randomUUID(), multi: randomUUID() };
  const video = {
    id: ids.video, source_id: sources.video, format: 'urn:x-nmos:format:video', label: 'Big Buck Bunny video', tags: { programme },
    codec: 'video/h264', container: 'video/mp2t', essence_parameters: { frame_width: 1280, frame_height: 720, frame_rate: { numerator: 24 } },
  };
  const audio = {
    id: ids.audio, source_id: sources.audio, format: 'urn:x-nmos:format:audio', label: 'Big Buck Bunny audio', tags: { programme },
    codec: 'audio/aac', container: 'video/mp2t', essence_parameters: { sample_rate: 48000, channels: 2 },
  };
  const multi = {
    id: ids.multi, source_id: sources.multi, format: 'urn:x-nmos:format:multi', label: 'Big Buck Bunny', tags: { programme }, container: 'video/mp2t',
    flow_collection: [{ id: ids.video, role: 'video' }, { id: ids.audio, role: 'audio' }],
  };
  for (const flow of [video, audio, multi]) {
    const created = await tams('PUT', `/flows/${flow.id}`, flow);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: flow.id, label: flow.label });
  }

  // listings: by tag, page by page; by format; by collection
  const mine = await listAll<{ id: string }>(`/flows?tag.programme=${programme}&limit=1`);
  expect(mine.map((f) => f.id).sort()).toEqual(Object.values(ids).sort());
  expect((await listAll<{ id: string }>(`/flows?tag.programme=${programme}&format=urn:x-nmos:format:audio`)).map((f) => f.id)).toEqual([ids.audio]);
  expect((await listAll<{ id: string }>(`/flows?collected_by_ids=${ids.multi}`)).map((f) => f.id).sort()).toEqual([ids.video, ids.audio].sort());
  expect(((await tams('GET', `/flows/${ids.video}`)).body as { collected_by: string[] }).collected_by).toEqual([ids.multi]);
  const multiSource = (await tams('GET', `/sources/${sources.multi}`)).body as { source_collection: { id: string; role: string }[] };
  expect(multiSource.source_collection).toEqual([{ id: sources.video, role: 'video' }, { id: sources.audio, role: 'audio' }]);
  expect((await listAll<{ id: string }>(`/sources?collected_by_ids=${sources.multi}`)).map((s) => s.id).sort()).toEqual([sources.video, sources.audio].sort());

  // properties
  expect((await tams('PUT', `/flows/${ids.audio}/label`, 'Bunny stereo')).status).toBe(204);
  expect((await tams('PUT', `/flows/${ids.audio}/tags/language`, 'en')).status).toBe(204);
  expect((await tams('PUT', `/flows/${ids.audio}/max_bit_rate`, 192)).status).toBe(204);
  expect((await tams('GET', `/flows/${ids.audio}`)).body).toMatchObject({ label: 'Bunny stereo', tags: { programme, language: 'en' }, max_bit_rate: 192 });
  expect((await tams('PUT', `/flows/${ids.multi}/read_only`, true)).status).toBe(204);
  expect((await tams('PUT', `/flows/${ids.multi}/label`, 'renamed')).status).toBe(403);
  expect((await tams('DELETE', `/flows/${ids.multi}`)).status).toBe(403);
  expect((await tams('PUT', `/flows/${ids.multi}/read_only`, false)).status).toBe(204);
  expect((await tams('HEAD', `/flows/${ids.multi}/read_only`)).status).toBe(200);

  // delete
  for (const id of [ids.multi, ids.video, ids.audio]) expect((await tams('DELETE', `/flows/${id}`)).status).toBe(204);
  for (const id of Object.values(ids)) expect((await tams('GET', `/flows/${id}`)).status).toBe(404);
  for (const id of Object.values(sources)) expect((await tams('GET', `/sources/${id}`)).status).toBe(404);
  expect(await listAll(`/flows?tag.programme=${programme}`)).toEqual([]);
});
