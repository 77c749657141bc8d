import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { media } from '../../src/media/media.tables.js';
import { storeConfigs } from '../../src/media/store-configs.tables.js';
import { tamsObjectInstances } from '../../src/tams/objects/instances.tables.js';
import { createHash } from 'node:crypto';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startS3 } from '../helpers/s3.js';
import { allocate, seconds, upload } from '../helpers/tams-segments.js';
import { audioFlow, newId, outboxMark, tamsClient, type TamsClient } from '../helpers/tams.js';

/**
 * The TAMS housekeeping worker on a real database and filesystem store: allocations never
 * registered are deleted after TAMS_OBJECT_RECLAIM_SECONDS (records, bytes, history and events),
 * registered and recent ones are kept; bytes of copies left unfinished by a dead process are
 * deleted. Ages are set by moving `created` back in the database rather than by waiting.
 */

let t: TestApp;
let api: TamsClient;

beforeAll(async () => {
  t = await createTestApp({ env: { TAMS_HOUSEKEEPING_INTERVAL_SECONDS: '1' } });
  api = tamsClient(t);
});
afterAll(() => t.close());

const ageBy = (pids: string[], seconds: number) =>
  t.db().update(media).set({ created: sql`created - make_interval(secs => ${seconds}::float8)` }).where(inArray(media.pid, pids));
const records = async (pids: string[]) => (await t.db().select({ pid: media.pid }).from(media).where(inArray(media.pid, pids))).map((r) => r.pid).sort();

async function newFlow(): Promise<string> {
  const flowId = newId();
  expect((await api.put(`/flows/${flowId}`, audioFlow(flowId, newId()))).status).toBe(201);
  return flowId;
}

describe('reclaiming allocated objects never registered', () => {
  it('deletes those older than the reclaim time (bytes, record, history, media.deleted) and keeps registered and recent ones', async () => {
    expect(t.config.tams.objectReclaimSeconds).toBe(600 + 300);
    const flowId = await newFlow();
    const [registered, uploaded, empty, recent] = await allocate(api, flowId, { limit: 4 });
    for (const o of [registered!, uploaded!]) await upload(o, Buffer.from(`bytes of ${o.object_id}`));
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: registered!.object_id, timerange: seconds(0, 10) })).status).toBe(201);
    const old = [registered!, uploaded!, empty!].map((o) => o.object_id);
    await ageBy(old, 600 + 300 + 5);
    await ageBy([recent!.object_id], 600);
    const [uploadedRow] = await t.db().select().from(media).where(eq(media.pid, uploaded!.object_id));
    const file = path.join(t.config.filesystemStoreRoot, 'tams', uploadedRow!.storeKey);
    expect(existsSync(file)).toBe(true);
    const mark = await outboxMark(t);

    const pass = await t.ctx.tams.housekeeping.runOnce();
    expect(pass.reclaimed).toBe(2);
    expect(await records([...old, recent!.object_id])).toEqual([registered!.object_id, recent!.object_id].sort());
    expect(existsSync(file)).toBe(false);
    const events = await t.db().select().from(eventOutbox).where(and(gt(eventOutbox.seq, mark), eq(eventOutbox.type, 'media.deleted')));
    expect(events.map((e) => e.subject).sort()).toEqual([uploaded!.object_id, empty!.object_id].sort());
    expect(events.every((e) => e.actor === 'tams-housekeeping')).toBe(true);
    const history = await t.http.get(`/api/media/${empty!.object_id}/history`).set('Authorization', `Bearer ${t.adminToken}`);
    expect(history.body.history[0]).toMatchObject({ history_type: '-', history_change_reason: expect.stringContaining('not registered by a segment within 900 s') });

    // A reclaimed id is gone for TAMS too: registering it now fails, the registered one still answers.
    const late = await api.post(`/flows/${flowId}/segments`, { object_id: uploaded!.object_id, timerange: seconds(10, 20) });
    expect(late.status).toBe(400);
    expect((await api.get(`/objects/${registered!.object_id}`)).status).toBe(200);
    expect((await t.ctx.tams.housekeeping.runOnce()).reclaimed).toBe(0);
  });

  it('runs by itself as a background worker', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    await ageBy([object!.object_id], 2_000);
    t.ctx.tams.housekeeping.start();
    try {
      const deadline = Date.now() + 15_000;
      while ((await records([object!.object_id])).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await records([object!.object_id])).toEqual([]);
    } finally {
      await t.ctx.tams.housekeeping.stop();
    }
  });

  it('refuses a reclaim time below the advertised min_object_timeout at start', () => {
    const env = { DATA_DIR: '/tmp/ms-unused', TAMS_MIN_OBJECT_TIMEOUT_SECONDS: '600' };
    expect(() => loadConfig({ ...env, TAMS_OBJECT_RECLAIM_SECONDS: '599' })).toThrow(/TAMS_OBJECT_RECLAIM_SECONDS/);
    expect(loadConfig({ ...env, TAMS_OBJECT_RECLAIM_SECONDS: '600' }).tams.objectReclaimSeconds).toBe(600);
  });
});

describe('sweeping object copies', () => {
  it('deletes the bytes and rows of detached copies and of copies a dead process left unfinished, not those of a copy in progress', async () => {
    const flowId = await newFlow();
    const [object] = await allocate(api, flowId);
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, timerange: seconds(0, 10) })).status).toBe(201);
    const admin = { Authorization: `Bearer ${t.adminToken}` };
    const spare = (await t.http.post('/api/store').set(admin).send({ type: 'FilesystemStore', bucket: 'spare' })).body as { pk: number };
    const [tams] = await t.db().select().from(storeConfigs).where(eq(storeConfigs.bucket, 'tams'));
    const copies = [
      { name: 'stale', bucket: 'tams', pk: tams!.id, objectId: object!.object_id, age: 7 * 3600 },
      { name: 'in progress', bucket: 'spare', pk: spare.pk, objectId: object!.object_id, age: 60 },
      { name: 'detached', bucket: 'spare', pk: spare.pk, objectId: null, age: 60 },
    ].map((c) => ({ ...c, key: newId(), file: path.join(t.config.filesystemStoreRoot, c.bucket) }));
    for (const c of copies) {
      mkdirSync(c.file, { recursive: true });
      c.file = path.join(c.file, c.key);
      writeFileSync(c.file, 'partial copy');
      await t.db().insert(tamsObjectInstances).values({
        objectId: c.objectId,
        storeConfigId: c.pk,
        storeKey: c.key,
        createdBy: 'test',
        created: sql`now() - make_interval(secs => ${c.age}::float8)` as unknown as Date,
      });
    }
    const pass = await t.ctx.tams.housekeeping.runOnce();
    expect(pass.swept).toBe(2);
    expect(copies.map((c) => [c.name, existsSync(c.file)])).toEqual([
      ['stale', false],
      ['in progress', true],
      ['detached', false],
    ]);
    const left = await t.db().select().from(tamsObjectInstances).where(inArray(tamsObjectInstances.storeKey, copies.map((c) => c.key)));
    expect(left.map((r) => r.storeKey)).toEqual([copies[1]!.key]);
    // A copy in progress is not advertised.
    const urls = (await api.get(`/objects/${object!.object_id}`)).body.get_urls as { label: string }[];
    expect(urls.map((u) => u.label)).toEqual(['filesystem:tams']);
  });
});

describe('finishing uploads made straight to S3', () => {
  it('measures registered objects whose bytes reached S3 through the presigned URL and marks them READY; the others stay PENDING', async () => {
    const s3 = await startS3(['tams-direct']);
    try {
      const admin = { Authorization: `Bearer ${t.adminToken}` };
      expect((await t.http.post('/api/s3cfg').set(admin).send({ url: s3.url, access_key: s3.accessKey, secret_key: s3.secretKey })).status).toBe(200);
      expect((await t.http.post('/api/store').set(admin).send({ type: 'BucketStore', bucket: 'tams-direct', s3_url: s3.url })).status).toBe(200);
      const backend = ((await api.get('/service/storage-backends')).body as { id: string; label: string }[]).find((b) => b.label === 's3:tams-direct')!;
      const flowId = await newFlow();
      const [uploaded, missing] = await allocate(api, flowId, { limit: 2, storage_id: backend.id });
      const bytes = Buffer.from('audio bytes PUT straight to S3');
      await upload(uploaded!, bytes);
      for (const [i, o] of [uploaded!, missing!].entries()) {
        expect((await api.post(`/flows/${flowId}/segments`, { object_id: o.object_id, timerange: seconds(i * 10, i * 10 + 10) })).status).toBe(201);
      }
      const status = async (pid: string) => (await t.http.get(`/api/media/${pid}`).set(admin)).body as { store_status: string; size: number | null };
      expect((await status(uploaded!.object_id)).store_status).toBe('PENDING');

      expect((await t.ctx.tams.housekeeping.runOnce()).finished).toBe(1);
      expect(await status(uploaded!.object_id)).toMatchObject({
        store_status: 'READY',
        size: bytes.length,
        checksums: { sha256: createHash('sha256').update(bytes).digest('hex') },
      });
      expect((await status(missing!.object_id)).store_status).toBe('PENDING');
      // Fixity of /api now applies: the stored bytes verify.
      const verified = await t.http.post(`/api/media/${uploaded!.object_id}/verify`).set(admin);
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ status: 'match' });
      expect((await t.ctx.tams.housekeeping.runOnce()).finished).toBe(0);
    } finally {
      await s3.close();
    }
  });
});
