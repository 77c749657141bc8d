import { Readable } from 'node:stream';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/rows.js';
import type { TestApp } from './app.js';

/**
 * Segments and objects for tests of deleting them, written with SQL (the segments API lives on
 * another branch): media records of pid_type `tams_object` in a FilesystemStore, their
 * tams_objects rows, and segments of one second each.
 */
export interface ObjectStore {
  storeConfigId: number;
}

export async function tamsObjectStore(t: TestApp): Promise<ObjectStore> {
  const change = { actor: 'test', reason: null };
  const types = await t.ctx.media.identifierTypes.list();
  if (!types.some((x) => x.name === 'tams_object')) await t.ctx.media.identifierTypes.create(change, { name: 'tams_object', pattern: '' });
  const store = await t.ctx.media.storeConfigs.create(change, { type: 'FilesystemStore', bucket: 'tams', s3_url: '' });
  return { storeConfigId: store.pk };
}

/** Media records and object rows for `ids` (PENDING: no bytes), first referenced by `flowId`. */
export async function insertObjects(db: Db, store: ObjectStore, flowId: string, ids: string[]): Promise<void> {
  const list = JSON.stringify(ids);
  await db.execute(sql`insert into media (pid, pid_type, store_config_id, store_key, content_type, created_by, updated_by)
    select id, 'tams_object', ${store.storeConfigId}, 'objects/' || id, 'video/mp2t', 'test', 'test' from jsonb_array_elements_text(${list}::jsonb) id`);
  await db.execute(sql`insert into tams_objects (id, first_flow_id, timerange)
    select id, ${flowId}::uuid, '[0:0_1:0)' from jsonb_array_elements_text(${list}::jsonb) id`);
}

/** Stores `content` as the object's bytes and makes its record READY; returns the store key. */
export async function writeObjectBytes(t: TestApp, store: ObjectStore, pid: string, content: string): Promise<string> {
  const s = (await t.ctx.media.resolver.storeFor(String(store.storeConfigId)))!;
  const stored = await s.put(`objects/${pid}`, Readable.from([Buffer.from(content)]));
  await t.db().execute(sql`update media set store_status = 'READY', size = ${stored.size}, sha256 = ${stored.sha256}, md5 = ${stored.md5}, stored = now() where pid = ${pid}`);
  return `objects/${pid}`;
}

/**
 * Segments `[i:0_i+1:0)` for i in [from, from + count), segment i using object
 * `objectOf(i)` (its objects must exist).
 */
export async function insertSegments(db: Db, flowId: string, from: number, count: number, objectOf: (i: number) => string): Promise<void> {
  const rows = Array.from({ length: count }, (_, k) => [from + k, objectOf(from + k)] as const);
  await db.execute(sql`insert into tams_segments (flow_id, range, timerange, object_id)
    select ${flowId}::uuid, int8range((r->>0)::int8 * 1000000000, ((r->>0)::int8 + 1) * 1000000000, '[)'),
      '[' || (r->>0) || ':0_' || ((r->>0)::int8 + 1) || ':0)', r->>1
    from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) r`);
}

/** Objects `${prefix}-${i}` and one segment on each, for i in [0, count). */
export async function seedFlowContent(db: Db, store: ObjectStore, flowId: string, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await insertObjects(db, store, flowId, ids);
  await insertSegments(db, flowId, 0, count, (i) => ids[i]!);
  return ids;
}

/** `select count(*) as n ...`'s n. */
export async function countOf(db: Db, query: SQL): Promise<number> {
  return Number(rowsOf<{ n: number }>(await db.execute(query))[0]!.n);
}
