/**
 * TAMS flow listing: GET /tams/flows on a store of 10,000 flows (4,000 video, 4,000 audio,
 * 2,000 multi flows each collecting one video and one audio flow; 10,000 sources), seeded
 * with SQL. Latency of the first page (default limit 100) with 1 and 8 connections, and for
 * comparison a page deep in the listing (keyset: should cost the same), a filtered page, the
 * label order and the largest page. PostgreSQL when DATABASE_URL is set, else PGlite.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench tams-flows
 */
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { freshDatabase, startBenchApp } from './harness.js';

const PER_KIND = { video: 4_000, audio: 4_000, multi: 2_000 };

/** A deterministic version-4 id: `kind` tells sources and flows of each format apart. */
const id = (kind: string) => sql.raw(`(lpad(to_hex(g), 8, '0') || '-${kind}-4000-8000-000000000000')::uuid`);

async function seed(db: Db): Promise<void> {
  const genre = sql.raw(`(array['news', 'sport', 'drama', 'music'])[1 + g % 4]`);
  const flowKinds = [
    { n: PER_KIND.video, source: '0001', flow: '0011', format: 'urn:x-nmos:format:video', codec: 'video/h264', essence: `'{"frame_width": 1920, "frame_height": 1080, "frame_rate": {"numerator": 25}}'` },
    { n: PER_KIND.audio, source: '0002', flow: '0012', format: 'urn:x-nmos:format:audio', codec: 'audio/aac', essence: `'{"sample_rate": 48000, "channels": 2}'` },
    { n: PER_KIND.multi, source: '0003', flow: '0013', format: 'urn:x-nmos:format:multi', codec: null, essence: 'null' },
  ];
  for (const k of flowKinds) {
    await db.execute(sql`insert into tams_sources (id, format, label, created_by, updated_by)
      select ${id(k.source)}, ${k.format}, 'source ' || g, 'bench', 'bench' from generate_series(1, ${k.n}) g`);
    await db.execute(sql`insert into tams_flows (id, source_id, format, codec, container, label, tags, essence_parameters, metadata_version, created, created_by, updated_by, metadata_updated)
      select ${id(k.flow)}, ${id(k.source)}, ${k.format}, ${k.codec}, 'video/mp2t', ${`${k.format.split(':').pop()} `} || g,
        jsonb_build_object('genre', ${genre}, 'programme', 'p' || (g % 100)), ${sql.raw(k.essence)}::jsonb, gen_random_uuid()::text,
        now() - g * interval '1 second', 'bench', 'bench', now() - g * interval '1 second'
      from generate_series(1, ${k.n}) g`);
  }
  await db.execute(sql`insert into tams_flow_collections (collector_id, position, member_id, role)
    select ${id('0013')}, 0, ${id('0011')}, 'video' from generate_series(1, ${PER_KIND.multi}) g
    union all select ${id('0013')}, 1, ${id('0012')}, 'audio' from generate_series(1, ${PER_KIND.multi}) g`);
  await db.execute(sql`analyze`);
}

interface Figures {
  p50: number;
  p99: number;
  rps: number;
}

async function measure(url: string, token: string, connections: number, duration: number): Promise<Figures> {
  const result = await autocannon({ url, headers: { authorization: `Bearer ${token}` }, connections, duration });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { p50: result.latency.p50, p99: result.latency.p99, rps: Math.round(result.requests.average) };
}

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);
  const bench = await freshDatabase('tams_flows');
  try {
    let started = performance.now();
    await seed(bench.database.db);
    const total = PER_KIND.video + PER_KIND.audio + PER_KIND.multi;
    console.log(`  seeded ${total} flows and ${total} sources in ${Math.round(performance.now() - started)} ms`);
    const app = await startBenchApp(bench);
    try {
      const base = `${app.baseUrl}/tams/flows`;
      const auth = { authorization: `Bearer ${app.adminToken}` };
      const first = await fetch(base, { headers: auth });
      const body = (await first.json()) as { collected_by?: string[] }[];
      if (first.status !== 200 || body.length !== 100 || first.headers.get('x-paging-count') !== '100') throw new Error(`unexpected first page: ${first.status}`);
      // The key of page 50 (flows 4,901 to 5,000), reached by following the links.
      started = performance.now();
      let deep = base;
      for (let page = 1; page < 50; page++) {
        const res = await fetch(deep, { headers: auth });
        deep = /<([^>]+)>/.exec(res.headers.get('link') ?? '')![1]!;
      }
      console.log(`  walked 49 pages by their Link headers in ${Math.round(performance.now() - started)} ms`);
      const cases: [string, string, number, number][] = [
        ['first page (limit 100), 1 connection', base, 1, 10],
        ['first page (limit 100), 8 connections', base, 8, 10],
        ['page 50 by its key, 1 connection', deep, 1, 5],
        ['tag.genre=news&format=video, 1 connection', `${base}?tag.genre=news&format=urn:x-nmos:format:video`, 1, 5],
        ['sort_by=label, 1 connection', `${base}?sort_by=label`, 1, 5],
        ['limit=1000, 1 connection', `${base}?limit=1000`, 1, 5],
      ];
      await measure(base, app.adminToken, 4, 2); // warm-up
      console.log(`  GET /tams/flows on ${total} flows:`);
      for (const [what, url, connections, duration] of cases) {
        const f = await measure(url, app.adminToken, connections, duration);
        console.log(`    ${what.padEnd(45)} p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   ${f.rps} req/s`);
      }
      console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
    } finally {
      await app.close();
    }
  } finally {
    await bench.close();
  }
}
