/**
 * Soak: mixed media-record and TAMS traffic (flows, storage allocation, segment registration
 * and segment reads) at concurrency SOAK_CONCURRENCY (32) for
 * SOAK_SECONDS (300) against the real server in a child process (`npm start`'s entry point,
 * so its memory is its own), on PostgreSQL when DATABASE_URL is set, else PGlite. Prints per
 * minute: requests, throughput, p50/p99 latency, error answers, and the server's peak RSS.
 * Steady p99 and RSS from the first minute to the last, and no errors, are the target.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startServerProcess, waitForOk } from '../test/helpers/process.js';
import { BENCH_ADMIN, freshDatabase, percentiles } from './harness.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32);

interface Minute {
  latencies: number[];
  errors: number;
  rssKb: number;
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

export async function run(): Promise<void> {
  const bench = await freshDatabase('soak');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ms-soak-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The bench's own database handle is not needed once migrated: the server opens its own.
  if (bench.url) await bench.database.close();
  const server = startServerProcess({
    PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', SUPERUSER_USERNAME: BENCH_ADMIN.username,
    SUPERUSER_PASSWORD: BENCH_ADMIN.password, ...(bench.url ? { DATABASE_URL: bench.url } : {}),
  });
  try {
    // PGlite migrating on a busy machine can take more than a minute.
    await waitForOk(`${base}/api/hello`, 180_000);
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ADMIN) });
    const { token } = (await login.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${base}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      await res.arrayBuffer();
      return res.status;
    };
    if ((await call('POST', '/api/identifier', { name: 'SOAK', pattern: '' })) !== 200) throw new Error('could not create the SOAK identifier type');

    const pids: string[] = [];
    const flows: string[] = [];
    const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)];
    let n = 0;
    const video = (id: string) => ({
      id, source_id: randomUUID(), format: 'urn:x-nmos:format:video', codec: 'video/h264', container: 'video/mp2t',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    });
    /** Objects allocated for a flow and not yet registered; the next free second of each flow's timeline. */
    const allocated: { flow: string; object: string }[] = [];
    const nextSecond = new Map<string, number>();
    const KINDS = [
      'media create', 'media read', 'metadata patch', 'tag search', 'media history', 'flow PUT', 'flow list', 'flow read',
      'flow tag PUT', 'source list', 'storage allocation', 'segment POST', 'segment read',
    ] as const;
    const failures = new Map<string, number>();
    /** One request of the mix; returns whether it succeeded. */
    const step = async (): Promise<boolean> => {
      const i = n++;
      const kind = KINDS[i % KINDS.length]!;
      const ok = await request(kind, i);
      if (!ok) failures.set(kind, (failures.get(kind) ?? 0) + 1);
      return ok;
    };
    const request = async (kind: (typeof KINDS)[number], i: number): Promise<boolean> => {
      const pid = pick(pids);
      const flow = pick(flows);
      switch (kind) {
        case 'media create': {
          const p = `soak-${i}`;
          const ok = (await call('POST', '/api/media', { pid: p, pid_type: 'SOAK', store_config: { type: 'DictStore', bucket: 'soak', s3_url: '' }, tags: [`t${i % 1000}`], metadata: { i } })) === 200;
          if (ok) pids.push(p);
          return ok;
        }
        case 'media read': return !pid || (await call('GET', `/api/media/${pid}`)) === 200;
        case 'metadata patch': return !pid || (await call('PATCH', '/api/media/update/metadata', [{ pid, data: { touched: i } }])) === 200;
        case 'tag search': return (await call('POST', '/api/media/search', { tags: [`t${i % 1000}`] })) === 200;
        case 'media history': return !pid || (await call('GET', `/api/media/${pid}/history`)) === 200;
        case 'flow PUT': {
          const id = randomUUID();
          const ok = (await call('PUT', `/tams/flows/${id}`, video(id))) === 201;
          if (ok) flows.push(id);
          return ok;
        }
        case 'flow list': return (await call('GET', '/tams/flows?limit=10')) === 200;
        case 'flow read': return !flow || (await call('GET', `/tams/flows/${flow}`)) === 200;
        case 'flow tag PUT': return !flow || (await call('PUT', `/tams/flows/${flow}/tags/genre`, 'news')) === 204;
        case 'source list': return (await call('GET', '/tams/sources?limit=10')) === 200;
        case 'storage allocation': {
          if (!flow) return true;
          const res = await fetch(`${base}/tams/flows/${flow}/storage`, { method: 'POST', headers, body: JSON.stringify({ limit: 4 }) });
          const body = (await res.json()) as { media_objects?: { object_id: string }[] };
          for (const o of body.media_objects ?? []) allocated.push({ flow, object: o.object_id });
          return res.status === 201;
        }
        case 'segment POST': {
          const next = allocated.shift();
          if (!next) return true;
          // Taken before the request: concurrent registrations on one flow never ask for the same second.
          const s = nextSecond.get(next.flow) ?? 0;
          nextSecond.set(next.flow, s + 1);
          return (await call('POST', `/tams/flows/${next.flow}/segments`, { object_id: next.object, timerange: `[${s}:0_${s + 1}:0)` })) === 201;
        }
        case 'segment read': {
          const f = pick([...nextSecond.keys()]) ?? flow;
          if (!f) return true;
          const s = nextSecond.get(f) ?? 0;
          return (await call('GET', `/tams/flows/${f}/segments?limit=10&timerange=${encodeURIComponent(`[${Math.max(0, s - 5)}:0_${s}:0)`)}`)) === 200;
        }
      }
    };

    const started = Date.now();
    const minutes: Minute[] = [];
    // Requests still in flight at the end count in the last minute, not in a minute of their own.
    const lastMinute = Math.ceil(SECONDS / 60) - 1;
    const minute = () => (minutes[Math.min(Math.floor((Date.now() - started) / 60_000), lastMinute)] ??= { latencies: [], errors: 0, rssKb: 0 });
    const sampler = setInterval(() => {
      const m = minute();
      m.rssKb = Math.max(m.rssKb, rssKb(server.child.pid!));
    }, 2_000);
    const worker = async () => {
      while (Date.now() - started < SECONDS * 1000) {
        const t0 = performance.now();
        const ok = await step().catch(() => false);
        const m = minute();
        m.latencies.push(performance.now() - t0);
        if (!ok) m.errors++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);

    console.log(`soak: ${SECONDS} s, concurrency ${CONCURRENCY}, ${bench.url ? 'PostgreSQL' : 'PGlite'}; ${pids.length} records, ${flows.length} flows and ${[...nextSecond.values()].reduce((a, b) => a + b, 0)} segments created`);
    console.log(`mix (one request each, in turn): ${KINDS.join(', ')}`);
    console.log('minute  requests   req/s   p50 ms   p99 ms  errors  server RSS MB');
    minutes.forEach((m, i) => {
      const { p50, p99 } = percentiles(m.latencies);
      const span = Math.min(60, SECONDS - i * 60);
      console.log(
        `${String(i + 1).padStart(6)}  ${String(m.latencies.length).padStart(8)}  ${String(Math.round(m.latencies.length / span)).padStart(6)}  ${p50.toFixed(1).padStart(7)}  ${p99.toFixed(1).padStart(7)}  ${String(m.errors).padStart(6)}  ${(m.rssKb / 1024).toFixed(0).padStart(13)}`,
      );
    });
    const errors = minutes.reduce((s, m) => s + m.errors, 0);
    console.log(`errors: ${errors}${failures.size ? ` (${[...failures].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
    await bench.close();
  }
}
