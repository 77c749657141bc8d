/**
 * TAMS segments on PostgreSQL (DATABASE_URL; PGlite otherwise):
 *
 * - registration one segment per request, 8 requests in flight (8 flows, one each, as
 *   parallel ingests write; and all 8 on one flow, whose writers queue on the flow's lock):
 *   segments/s, p50/p99 per request;
 * - bulk registration, 1,000 segments per request: segments/s;
 * - GET /flows/{id}/segments on flows of 10,000 and SEGMENTS_LARGE (default 1,000,000)
 *   segments seeded with SQL: a 10-second timerange in the middle, and the first page
 *   (limit 100) without timerange: p50/p99 (autocannon in a child process, 1 connection).
 *
 * Objects are media records seeded with SQL (pid_type tams_object in the TAMS store); the large
 * flows reuse 1,000 objects of 10 s each through ts_offset. Requests of the registration runs
 * are made with fetch from a child process, bench/segment-poster.ts (each needs its own object
 * and timerange, which autocannon cannot give).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench tams-segments
 *
 * SEGMENTS_LARGE sets the large flow's size; SEGMENTS_PHASES=writes or reads runs one half (one or
 * bulk: one kind of registration).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { freshDatabase, loadFromChild, percentiles, startBenchApp, type BenchApp } from './harness.js';

const ONE_BY_ONE = 1_600;
const BULK_REQUESTS = Number(process.env.SEGMENTS_BULK_REQUESTS ?? 20);
const BULK_SIZE = 1_000;
const LARGE = Number(process.env.SEGMENTS_LARGE ?? 1_000_000);
/** `SEGMENTS_PHASES=reads` (or `writes`; `one`, `bulk`) runs only that part. */
const PHASES = process.env.SEGMENTS_PHASES ?? 'writes,reads';
const NS = 1_000_000_000n;

/** Busy CPU time of the whole machine so far, in ms (/proc/stat; undefined elsewhere). */
function machineBusyMs(): number | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Where CPU use is measured from. */
const cpuMark = () => ({ server: process.cpuUsage(), machine: machineBusyMs() });

/**
 * CPU per segment since `from`: of this process (the server; in bulk, the client too), and of
 * the whole machine (server, database and clients: divide the cores by it for the most this
 * machine could register, whatever the latency). Less sensitive to other load than segments/s.
 */
const cpuPerSegment = (from: ReturnType<typeof cpuMark>, segments: number, clientMs?: number): string => {
  const used = process.cpuUsage(from.server);
  const machine = machineBusyMs();
  const whole = from.machine === undefined || machine === undefined ? '' : `, machine ${((machine - from.machine) / segments).toFixed(2)}`;
  const client = clientMs === undefined ? '' : `, client ${(clientMs / segments).toFixed(2)}`;
  return `CPU ms/segment: server ${((used.user + used.system) / 1000 / segments).toFixed(2)}${client}${whole}`;
};

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function createFlow(app: BenchApp): Promise<string> {
  const id = randomUUID();
  const body = { id, source_id: randomUUID(), format: 'urn:x-nmos:format:video', codec: 'video/h264', container: 'video/mp2t', essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } } };
  const res = await fetch(`${app.baseUrl}/tams/flows/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`flow PUT: ${res.status}`);
  return id;
}

/** `n` PENDING media records allocated for `flowId`, named `<prefix>-<i>`. */
async function seedObjects(db: Db, storePk: number, flowId: string, prefix: string, n: number): Promise<void> {
  await db.execute(sql`insert into media (pid, pid_type, store_config_id, store_key, metadata, created_by, updated_by)
    select ${prefix} || '-' || g, 'tams_object', ${storePk}, ${prefix} || '/' || g, jsonb_build_object('tams', jsonb_build_object('allocated_for_flow', ${flowId}::text)), 'bench', 'bench'
    from generate_series(0, ${n - 1}) g`);
}

const range = (i: number) => `[${i * 10}:0_${i * 10 + 10}:0)`;

async function post(app: BenchApp, flowId: string, body: unknown): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${app.baseUrl}/tams/flows/${flowId}/segments`, { method: 'POST', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`segments POST: ${res.status}`);
  return performance.now() - started;
}

/**
 * 8 loops registering one segment per request: each on its own flow, or all on the one flow
 * given. The requests come from a child process (bench/segment-poster.ts).
 */
async function oneByOne(app: BenchApp, db: Db, storePk: number, flows: string[], label: string): Promise<void> {
  const prefix = `one-${randomUUID()}`;
  for (const [i, f] of flows.entries()) await seedObjects(db, storePk, f, `${prefix}-${i}`, ONE_BY_ONE);
  const perLoop = ONE_BY_ONE / 8;
  const loops = Array.from({ length: 8 }, (_, loop) => {
    const flowIndex = flows.length === 1 ? 0 : loop;
    const segments = Array.from({ length: perLoop }, (_, k) => {
      const i = flows.length === 1 ? loop * perLoop + k : k;
      return { object_id: `${prefix}-${flowIndex}-${i}`, timerange: range(i) };
    });
    return { flowId: flows[flowIndex]!, segments };
  });
  const job = JSON.stringify({ baseUrl: app.baseUrl, token: app.adminToken, loops });
  const cpu = cpuMark();
  const poster = promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./segment-poster.ts', import.meta.url))], { maxBuffer: 16 * 1024 * 1024 });
  poster.child.stdin!.end(job);
  const { stdout } = await poster;
  const { seconds, latencies, cpuMs } = JSON.parse(stdout) as { seconds: number; latencies: number[]; cpuMs: number };
  const p = percentiles(latencies);
  console.log(`    ${label.padEnd(44)} ${Math.round(ONE_BY_ONE / seconds)} segments/s   p50 ${p.p50.toFixed(1)} ms   p99 ${p.p99.toFixed(1)} ms   ${cpuPerSegment(cpu, ONE_BY_ONE, cpuMs)}   (load ${load()})`);
}

/**
 * Bulk registration, BULK_SIZE segments per request, BULK_REQUESTS requests on each of
 * `connections` flows, one request in flight per flow (parallel ingests of several flows).
 */
async function bulk(app: BenchApp, db: Db, storePk: number, connections: number): Promise<void> {
  const flows = await Promise.all(Array.from({ length: connections }, async () => {
    const flowId = await createFlow(app);
    const prefix = `bulk-${randomUUID()}`;
    await seedObjects(db, storePk, flowId, prefix, (BULK_REQUESTS + 1) * BULK_SIZE);
    return { flowId, prefix };
  }));
  const body = (prefix: string, r: number) => Array.from({ length: BULK_SIZE }, (_, k) => ({ object_id: `${prefix}-${r * BULK_SIZE + k}`, timerange: range(r * BULK_SIZE + k) }));
  // The first request of each flow warms up (JIT, plans) and is not counted.
  for (const { flowId, prefix } of flows) await post(app, flowId, body(prefix, 0));
  const latencies: number[] = [];
  const cpu = cpuMark();
  const started = performance.now();
  await Promise.all(flows.map(async ({ flowId, prefix }) => {
    for (let r = 1; r <= BULK_REQUESTS; r++) {
      latencies.push(await post(app, flowId, body(prefix, r)));
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const total = connections * BULK_REQUESTS * BULK_SIZE;
  const p = percentiles(latencies);
  const label = `bulk, ${BULK_SIZE} per request, ${connections} flow${connections > 1 ? 's' : ''} in parallel`;
  console.log(`    ${label.padEnd(44)} ${Math.round(total / seconds)} segments/s   p50 ${p.p50.toFixed(0)} ms per request   ${cpuPerSegment(cpu, total)}   (load ${load()})`);
}

/** A flow of `n` 10-second segments from 0:0, reusing 1,000 objects through ts_offset. */
async function seedLargeFlow(app: BenchApp, db: Db, storePk: number, n: number): Promise<string> {
  const flowId = await createFlow(app);
  const prefix = `large-${randomUUID()}`;
  const objects = Math.min(1000, n);
  await seedObjects(db, storePk, flowId, prefix, objects);
  await db.execute(sql`insert into tams_objects (id, first_flow_id, timerange) select ${prefix} || '-' || g, ${flowId}, '[0:0_10:0)' from generate_series(0, ${objects - 1}) g`);
  await db.execute(sql`insert into tams_segments (flow_id, range, timerange, object_id, ts_offset)
    select ${flowId}, int8range(g * ${String(10n * NS)}::int8, (g + 1) * ${String(10n * NS)}::int8, '[)'), '[' || (g * 10) || ':0_' || (g * 10 + 10) || ':0)',
      ${prefix} || '-' || (g % ${objects}), g * ${String(10n * NS)}::int8
    from generate_series(0, ${n - 1}) g`);
  await db.execute(sql`analyze tams_segments`);
  return flowId;
}

async function reads(app: BenchApp, db: Db, storePk: number, n: number): Promise<void> {
  const started = performance.now();
  const flowId = await seedLargeFlow(app, db, storePk, n);
  console.log(`    seeded a flow of ${n.toLocaleString('en')} segments in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const base = `${app.baseUrl}/tams/flows/${flowId}/segments`;
  const middle = Math.floor(n / 2) * 10;
  const cases: [string, string][] = [
    ['10-second timerange in the middle', `${base}?timerange=${encodeURIComponent(`[${middle}:0_${middle + 10}:0)`)}`],
    ['first page, limit 100, no timerange', `${base}?limit=100`],
  ];
  const check = await fetch(cases[0]![1], { headers: { authorization: `Bearer ${app.adminToken}` } });
  const got = (await check.json()) as unknown[];
  if (check.status !== 200 || got.length !== 1) throw new Error(`middle timerange: ${check.status}, ${got.length} segments`);
  for (const [what, url] of cases) {
    const f = await loadFromChild({ url, headers: { authorization: `Bearer ${app.adminToken}` }, connections: 1, seconds: 5 });
    console.log(`    N=${n.toLocaleString('en').padEnd(10)} ${what.padEnd(38)} p50 ${String(f.p50).padStart(3)} ms   p99 ${String(f.p99).padStart(3)} ms   ${f.rps} req/s`);
  }
}

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}`);
  console.log(`machine: ${cpus().length} cores, load average ${load()} at start`);
  const bench = await freshDatabase('tams_segments');
  try {
    const app = await startBenchApp(bench);
    try {
      const db = bench.database.db;
      const storePk = await app.ctx.tams.backends.defaultPk();
      if (PHASES.includes('writes') || PHASES.includes('one') || PHASES.includes('bulk')) console.log('  registration:');
      if (PHASES.includes('writes') || PHASES.includes('one')) {
        const eight = [];
        for (let i = 0; i < 8; i++) eight.push(await createFlow(app));
        await oneByOne(app, db, storePk, eight, 'one per request, 8 in flight, 8 flows');
        await oneByOne(app, db, storePk, [await createFlow(app)], 'one per request, 8 in flight, 1 flow');
      }
      if (PHASES.includes('writes') || PHASES.includes('bulk')) {
        await bulk(app, db, storePk, 1);
        await bulk(app, db, storePk, 2);
        await bulk(app, db, storePk, 4);
      }
      if (PHASES.includes('reads')) {
        console.log(`  GET /flows/{id}/segments (load average ${load()}):`);
        for (const n of [10_000, LARGE]) await reads(app, db, storePk, n);
      }
      console.log(`  load average ${load()} at the end`);
    } finally {
      await app.close();
    }
  } finally {
    await bench.close();
  }
}
