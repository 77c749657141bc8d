/**
 * Media records over HTTP against the real app: GET /api/media/{pid} and POST /api/media
 * (requests/s, p50/p99 at 16 connections), one bulk create of 10,000 records, and searches by
 * tag and by metadata value over a million records (seeded with one generate_series INSERT).
 * PostgreSQL when DATABASE_URL is set (the targets are stated for it), else in-memory PGlite
 * with 100,000 search rows. MEDIA_BENCH_ROWS overrides the number of search rows.
 */
import { loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { searchConditions } from '../src/media/media-search.repo.js';
import type { MediaSearch } from '../src/media/media-search.schemas.js';
import { media } from '../src/media/media.tables.js';
import { freshDatabase, loadFromChild, percentiles, startBenchApp, type BenchApp } from './harness.js';

const CONNECTIONS = 16;
const DURATION_S = 10;
const BULK = 10_000;
const SEARCH_ROWS = Number(process.env.MEDIA_BENCH_ROWS ?? (process.env.DATABASE_URL ? 1_000_000 : 100_000));
const SEARCHES = 300;
const FS_STORE = { type: 'FilesystemStore', bucket: 'bench', s3_url: '' };

const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(7);

async function call(app: BenchApp, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status !== 200 && res.status !== 204) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 200 ? res.json() : undefined;
}

async function singleRecords(app: BenchApp) {
  const headers = { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' };
  await call(app, 'POST', '/api/media', { pid: 'read-me', pid_type: 'DEMO', store_config: FS_STORE, tags: ['bench'], metadata: { title: 'x' } });
  const read = { url: `${app.baseUrl}/api/media/read-me`, headers, connections: CONNECTIONS };
  await loadFromChild({ ...read, seconds: 2 }); // warm-up
  const reads = await loadFromChild({ ...read, seconds: DURATION_S });
  const creates = await loadFromChild({
    url: `${app.baseUrl}/api/media`,
    method: 'POST',
    headers,
    body: JSON.stringify({ pid: 'created-[<id>]', pid_type: 'DEMO', store_config: FS_STORE, identifiers: {}, metadata: { title: 'x' }, tags: ['bench'] }),
    connections: CONNECTIONS,
    seconds: DURATION_S,
  });
  console.log(`  ${CONNECTIONS} connections, ${DURATION_S} s each, load from autocannon in its own process (target: ≥ 3,000 reads/s, ≥ 1,000 creates/s):`);
  console.log(`    GET  /api/media/{pid}  ${String(reads.rps).padStart(6)} req/s   p50 ${reads.p50} ms   p99 ${reads.p99} ms`);
  console.log(`    POST /api/media        ${String(creates.rps).padStart(6)} req/s   p50 ${creates.p50} ms   p99 ${creates.p99} ms   (${creates.total} records, each with its history row and event)`);
}

async function bulkCreate(app: BenchApp) {
  const times: number[] = [];
  const records = (run: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      pid: `bulk-${run}-${i}`,
      pid_type: 'DEMO',
      store_config: FS_STORE,
      identifiers: { ISAN: `0000-${run}-${i}` },
      metadata: { title: `Programme ${i}`, camera: { model: `M${i % 50}` } },
      tags: ['bulk', `batch-${i % 10}`],
    }));
  await call(app, 'POST', '/api/media/create', records(-1, 1000)); // warm-up
  for (let run = 0; run < 3; run++) {
    const body = records(run, BULK);
    const started = performance.now();
    const created = (await call(app, 'POST', '/api/media/create', body)) as unknown[];
    times.push((performance.now() - started) / 1000);
    if (created.length !== BULK) throw new Error(`bulk create answered ${created.length} records`);
  }
  console.log(`  POST /api/media/create, ${BULK.toLocaleString('en')} records in one request (target < 2 s): ${times.map((s) => `${s.toFixed(2)} s`).join(', ')}`);
}

/** Seeds `rows` records with one INSERT … SELECT generate_series, secondary indexes built afterwards. */
export async function seed(db: Db, storeConfigId: number, rows: number) {
  const started = performance.now();
  const indexes = (await db.execute(sql`
    select indexname, indexdef from pg_indexes
    where tablename = 'media' and indexname not in (select conname from pg_constraint where conrelid = 'media'::regclass)`)) as unknown as
    | { rows: { indexname: string; indexdef: string }[] }
    | { indexname: string; indexdef: string }[];
  const defs = Array.isArray(indexes) ? indexes : indexes.rows;
  for (const { indexname } of defs) await db.execute(sql.raw(`drop index "${indexname}"`));
  await db.execute(sql`
    insert into media (pid, pid_type, store_config_id, store_key, store_status, identifiers, metadata, tags,
                       size, sha256, md5, content_type, stored, created_by, updated_by)
    select 'seed-' || g, 'DEMO', ${storeConfigId}, 'seed/' || g,
           case when g % 10 = 0 then 'PENDING' else 'READY' end,
           jsonb_build_object('ISAN', lpad(to_hex(g), 8, '0') || '-' || g % 7),
           jsonb_build_object('camera', jsonb_build_object('model', 'M' || g % 500), 'year', 1950 + g % 75, 'title', 'Programme ' || g)
             || case when g % 3 = 0 then '{"rights": {"holder": "BBC"}}'::jsonb else '{}'::jsonb end,
           array['tag-' || g % 1000, 'genre-' || g % 37] || case when g % 2 = 0 then array['common'] else array[]::text[] end,
           case when g % 10 = 0 then null else g * 1024 end,
           case when g % 10 = 0 then null else md5(g::text) || md5((g + 1)::text) end,
           case when g % 10 = 0 then null else md5(g::text) end,
           'video/mp2t', case when g % 10 = 0 then null else now() end, 'bench', 'bench'
    from generate_series(1, ${rows}) g`);
  const inserted = performance.now();
  await db.execute(sql`set maintenance_work_mem = '512MB'`);
  for (const { indexdef } of defs) await db.execute(sql.raw(indexdef));
  await db.execute(sql`analyze media`);
  console.log(
    `  seeded ${rows.toLocaleString('en')} records: INSERT … generate_series ${((inserted - started) / 1000).toFixed(1)} s, ` +
      `${defs.length} secondary indexes built ${((performance.now() - inserted) / 1000).toFixed(1)} s`,
  );
}

async function indexesUsed(db: Db, q: MediaSearch): Promise<string> {
  const result = (await db.execute(sql`explain select ${media.id} from ${media} where ${searchConditions(q)} order by ${media.id} limit 101`)) as unknown as
    | { rows: Record<string, string>[] }
    | Record<string, string>[];
  const plan = (Array.isArray(result) ? result : result.rows).map((r) => Object.values(r)[0]).join('\n');
  const used = [...new Set([...plan.matchAll(/(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map((m) => m[1]))];
  return used.length ? used.join(', ') : 'no index (sequential scan)';
}

async function searches(app: BenchApp, db: Db) {
  const kinds: { what: string; body: () => MediaSearch }[] = [
    { what: 'tag (~1,000 matches), limit 100', body: () => ({ tags: [`tag-${Math.floor(Math.random() * 1000)}`], limit: 100 }) },
    { what: 'tag (~1,000 matches), all of them', body: () => ({ tags: [`tag-${Math.floor(Math.random() * 1000)}`] }) },
    { what: 'tag on half the rows, limit 100', body: () => ({ tags: ['common'], limit: 100 }) },
    { what: 'metadata camera.model (~2,000), limit 100', body: () => ({ metadata: [{ keys: ['camera', 'model'], equals: `M${Math.floor(Math.random() * 500)}` }], limit: 100 }) },
    {
      what: 'metadata model + tag (~4 matches)',
      body: () => ({ tags: [`tag-${Math.floor(Math.random() * 1000)}`], metadata: [{ keys: ['camera', 'model'], equals: `M${Math.floor(Math.random() * 500)}` }], limit: 100 }),
    },
    { what: 'metadata key exists (a third of rows), limit 100', body: () => ({ metadata: [{ keys: ['rights', 'holder'], exists: true }], limit: 100 }) },
    { what: 'pid wildcard seed-4242*, limit 100', body: () => ({ pid: `seed-${1000 + Math.floor(Math.random() * 9000)}*`, limit: 100 }) },
    { what: 'identifier wildcard ISAN 000abc*, limit 100', body: () => ({ identifiers: { ISAN: `000${Math.floor(Math.random() * 4096).toString(16).padStart(3, '0')}*` }, limit: 100 }) },
  ];
  console.log(`  POST /api/media/search over ${SEARCH_ROWS.toLocaleString('en')} records, ${SEARCHES} searches each, one at a time (target p50 < 20 ms);`);
  console.log('  "query" is the same search through the service without HTTP (the database part and building the records):');
  for (const kind of kinds) {
    for (let i = 0; i < 20; i++) await call(app, 'POST', '/api/media/search', kind.body()); // warm-up
    const http: number[] = [];
    const query: number[] = [];
    let found = 0;
    for (let i = 0; i < SEARCHES; i++) {
      let started = performance.now();
      found += ((await call(app, 'POST', '/api/media/search', kind.body())) as unknown[]).length;
      http.push(performance.now() - started);
      const q = kind.body();
      started = performance.now();
      await app.ctx.media.search.page(q, q.limit ?? 100_000, undefined, []);
      query.push(performance.now() - started);
    }
    const h = percentiles(http);
    const q = percentiles(query);
    console.log(
      `    ${kind.what.padEnd(48)} HTTP p50 ${fmt(h.p50)} ms  p99 ${fmt(h.p99)} ms   query p50 ${fmt(q.p50)} ms   ` +
        `${String(Math.round(found / SEARCHES)).padStart(4)} records/answer   index: ${await indexesUsed(db, kind.body())}`,
    );
  }
}

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const bench = await freshDatabase('media');
  const app = await startBenchApp(bench);
  try {
    await call(app, 'POST', '/api/identifier', { name: 'DEMO', pattern: '' });
    await call(app, 'POST', '/api/identifier', { name: 'ISAN', pattern: '' });
    const store = (await call(app, 'POST', '/api/store', FS_STORE)) as { pk: number };
    await singleRecords(app);
    await bulkCreate(app);
    await seed(bench.database.db, store.pk, SEARCH_ROWS);
    await searches(app, bench.database.db);
  } finally {
    await app.close();
    await bench.close();
  }
}
