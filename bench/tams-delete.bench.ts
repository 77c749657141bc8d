/**
 * Deleting a flow of 100,000 segments (each on an object of its own, READY media records in a
 * FilesystemStore), seeded with SQL: time to the 202, time until the delete request is done
 * (segments, objects, media records and the flow gone), and p99 of GET /tams/flows (4
 * connections, load from a child process) before and during the deletion. For choosing
 * TAMS_INLINE_DELETE_LIMIT, also the time of inline deletions (204) of 1,000 and 10,000
 * segments. PostgreSQL when DATABASE_URL is set, else PGlite.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench tams-delete
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { freshDatabase, loadFromChild, type LoadResult, startBenchApp } from './harness.js';

const BIG = 100_000;
const INLINE_SIZES = [1_000, 10_000];
const LISTED_FLOWS = 1_000;
const WINDOW_SECONDS = 5;

async function seedFlows(db: Db): Promise<void> {
  const id = (kind: string) => sql.raw(`(lpad(to_hex(g), 8, '0') || '-${kind}-4000-8000-000000000000')::uuid`);
  await db.execute(sql`insert into tams_sources (id, format, label, created_by, updated_by)
    select ${id('0001')}, 'urn:x-nmos:format:video', 'source ' || g, 'bench', 'bench' from generate_series(1, ${LISTED_FLOWS}) g`);
  await db.execute(sql`insert into tams_flows (id, source_id, format, codec, container, label, metadata_version, created_by, updated_by)
    select ${id('0011')}, ${id('0001')}, 'urn:x-nmos:format:video', 'video/h264', 'video/mp2t', 'flow ' || g, gen_random_uuid()::text, 'bench', 'bench'
    from generate_series(1, ${LISTED_FLOWS}) g`);
}

/** `n` one-second segments on the flow, each with an object and a READY media record of its own. */
async function seedContent(db: Db, flowId: string, storeConfigId: number, n: number): Promise<void> {
  const pid = sql.raw(`'${flowId.slice(0, 8)}-' || g`);
  await db.execute(sql`insert into media (pid, pid_type, store_config_id, store_key, store_status, size, sha256, md5, content_type, created_by, updated_by)
    select ${pid}, 'tams_object', ${storeConfigId}, 'objects/' || ${pid}, 'READY', 1000, repeat('0', 64), repeat('0', 32), 'video/mp2t', 'bench', 'bench'
    from generate_series(0, ${n - 1}) g`);
  await db.execute(sql`insert into tams_objects (id, first_flow_id, timerange) select ${pid}, ${flowId}::uuid, '[0:0_1:0)' from generate_series(0, ${n - 1}) g`);
  await db.execute(sql`insert into tams_segments (flow_id, range, timerange, object_id)
    select ${flowId}::uuid, int8range(g::int8 * 1000000000, (g::int8 + 1) * 1000000000, '[)'), '[' || g || ':0_' || (g + 1) || ':0)', ${pid}
    from generate_series(0, ${n - 1}) g`);
}

const fmt = (r: LoadResult) => `p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   ${r.rps} req/s`;
const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}`);
  console.log(`machine: ${cpus().length} cores, ${load()} at start`);
  const bench = await freshDatabase('tams_delete');
  try {
    // Inline deletions up to the largest inline size measured (the default limit is lower).
    const app = await startBenchApp(bench, { TAMS_INLINE_DELETE_LIMIT: String(INLINE_SIZES.at(-1)) });
    const db = bench.database.db;
    try {
      const change = { actor: 'bench', reason: null };
      await app.ctx.media.identifierTypes.create(change, { name: 'tams_object', pattern: '' });
      const store = await app.ctx.media.storeConfigs.create(change, { type: 'FilesystemStore', bucket: 'tams', s3_url: '' });
      const headers = { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' };
      const newFlow = async (n: number) => {
        const id = randomUUID();
        const body = { id, source_id: randomUUID(), format: 'urn:x-nmos:format:video', codec: 'video/h264', container: 'video/mp2t', essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } } };
        const res = await fetch(`${app.baseUrl}/tams/flows/${id}`, { method: 'PUT', headers, body: JSON.stringify(body) });
        if (res.status !== 201) throw new Error(`PUT flow: ${res.status}`);
        await seedContent(db, id, store.pk, n);
        return id;
      };
      let started = performance.now();
      await seedFlows(db);
      const big = await newFlow(BIG);
      const inline = [];
      for (const n of INLINE_SIZES) inline.push({ n, id: await newFlow(n) });
      await db.execute(sql`analyze`);
      console.log(`  seeded ${LISTED_FLOWS} flows, and flows of ${[BIG, ...INLINE_SIZES].join(', ')} segments in ${Math.round(performance.now() - started)} ms`);

      const listing = { url: `${app.baseUrl}/tams/flows`, headers: { authorization: `Bearer ${app.adminToken}` }, connections: 4, seconds: WINDOW_SECONDS };
      await loadFromChild({ ...listing, seconds: 2 }); // warm-up
      console.log(`  GET /tams/flows, 4 connections, before:        ${fmt(await loadFromChild(listing))}`);

      for (const { n, id } of inline) {
        started = performance.now();
        const res = await fetch(`${app.baseUrl}/tams/flows/${id}`, { method: 'DELETE', headers });
        if (res.status !== 204) throw new Error(`DELETE of ${n} segments: ${res.status}`);
        console.log(`  DELETE /tams/flows/{id} of ${String(n).padStart(6)} segments inline (204): ${Math.round(performance.now() - started)} ms`);
      }

      started = performance.now();
      const res = await fetch(`${app.baseUrl}/tams/flows/${big}`, { method: 'DELETE', headers });
      const accepted = performance.now() - started;
      const request = (await res.json()) as { id: string };
      if (res.status !== 202) throw new Error(`DELETE of ${BIG} segments: ${res.status}`);
      console.log(`  DELETE /tams/flows/{id} of ${BIG} segments: 202 in ${Math.round(accepted)} ms`);
      let done = 0;
      const status = async () => ((await (await fetch(`${app.baseUrl}/tams/flow-delete-requests/${request.id}`, { headers })).json()) as { status: string }).status;
      const watcher = (async () => {
        for (let s = await status(); s !== 'done' && s !== 'error'; s = await status()) await new Promise((r) => setTimeout(r, 100));
        done = performance.now() - started;
      })();
      const windows: LoadResult[] = [];
      while (!done) {
        const window = await loadFromChild(listing);
        // A window that ended after the request finished measured partly an idle service.
        if (!done) windows.push(window);
        else if (!windows.length) windows.push(window);
      }
      await watcher;
      console.log(`  delete request done after ${(done / 1000).toFixed(1)} s (${Math.round(BIG / (done / 1000))} segments/s with their objects)`);
      const byP99 = [...windows].sort((a, b) => a.p99 - b.p99);
      console.log(`  GET /tams/flows, 4 connections, during (${windows.length} windows of ${WINDOW_SECONDS} s): median window ${fmt(byP99[Math.floor(byP99.length / 2)]!)}`);
      console.log(`  GET /tams/flows, 4 connections, during, worst window:           ${fmt(byP99.at(-1)!)}`);
      const left = (await db.execute(sql`select (select count(*) from tams_segments)::int as segments, (select count(*) from media)::int as media, (select count(*) from tams_flows where id = ${big})::int as flow`)) as unknown;
      console.log(`  left afterwards: ${JSON.stringify(Array.isArray(left) ? left[0] : (left as { rows: unknown[] }).rows[0])}`);
      console.log(`  ${load()} at the end`);
    } finally {
      await app.close();
    }
  } finally {
    await bench.close();
  }
}
