/**
 * Webhooks: (1) delivery throughput of a backlog of flows/updated events (bulk-inserted into the
 * outbox with a flow document as payload) to a receiver on 127.0.0.1 that answers 200 at once:
 * events spread over 100 flows (queues sent in parallel, WEBHOOK_CONCURRENCY 16) and all on one
 * flow (sent one after the other: per-flow order); one and four matching webhooks. (2) Latency
 * from a flow change over HTTP to its arrival at the receiver, changes one after the other.
 * PostgreSQL when DATABASE_URL is set (a fresh database per part), else in-memory PGlite.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { count, sql } from 'drizzle-orm';
import { eventOutbox } from '../src/events/outbox.tables.js';
import { tamsWebhookDeliveries } from '../src/tams/webhooks/webhooks.tables.js';
import { type BenchApp, freshDatabase, startBenchApp } from './harness.js';

interface Receiver {
  server: Server;
  port: number;
  received: number;
  /** Called with each body as it arrives. */
  onBody?: (body: string) => void;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { received: 0 } as Receiver;
  receiver.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.received++;
      receiver.onBody?.(Buffer.concat(chunks).toString('utf8'));
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.port = (receiver.server.address() as AddressInfo).port;
  return receiver;
}

async function api(app: BenchApp, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${app.baseUrl}/tams${path}`, {
    method,
    headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** `n` flows/updated events over `flows` flows, as the flows capability records them (about 700 bytes each). */
const backlogSql = (n: number, flows: number) => sql`
  insert into ${eventOutbox} (type, subject, actor, payload)
  select 'tams.flows.updated', f.id::text, 'bench', jsonb_build_object(
    'event_type', 'flows/updated',
    'event', jsonb_build_object('flow', jsonb_build_object(
      'id', f.id, 'source_id', f.source, 'format', 'urn:x-nmos:format:video', 'codec', 'video/h264', 'container', 'video/mp2t',
      'label', 'flow ' || g, 'tags', jsonb_build_object('genre', 'news'), 'read_only', false, 'metadata_version', md5(g::text),
      'essence_parameters', jsonb_build_object('frame_width', 1920, 'frame_height', 1080, 'frame_rate', jsonb_build_object('numerator', 25)),
      'created', '2025-01-01T00:00:00.000Z', 'metadata_updated', '2025-01-01T00:00:00.000Z', 'created_by', 'bench', 'updated_by', 'bench')),
    'filter', jsonb_build_object('flow_id', f.id, 'source_id', f.source, 'tags', '{}'::jsonb, 'flow_collected_by', '[]'::jsonb, 'source_collected_by', '[]'::jsonb))
  from generate_series(1, ${n}) g
  join (select i, gen_random_uuid() as id, gen_random_uuid() as source from generate_series(0, ${flows - 1}) i) f on f.i = g % ${flows}`;

async function throughput(n: number, flows: number, webhooks: number): Promise<string> {
  const bench = await freshDatabase('webhooks');
  const receiver = await startReceiver();
  const app = await startBenchApp(bench, { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` });
  try {
    for (let i = 0; i < webhooks; i++) await api(app, 'POST', '/service/webhooks', { url: `http://127.0.0.1:${receiver.port}/${i}`, events: ['flows/updated'] });
    const db = bench.database.db;
    const started = performance.now();
    await db.execute(backlogSql(n, flows));
    const total = n * webhooks;
    let queuedAt: number | undefined;
    while (receiver.received < total) {
      if (queuedAt === undefined) {
        const [row] = await db.select({ n: count() }).from(tamsWebhookDeliveries);
        if (receiver.received + row!.n >= total) queuedAt = performance.now();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const fanOut = queuedAt === undefined ? 'n/a' : `${((queuedAt - started) / 1000).toFixed(2)} s`;
    return `${String(n).padStart(6)} events × ${webhooks} webhook(s) over ${String(flows).padStart(3)} flow(s): ${total} deliveries in ${seconds.toFixed(2)} s → ${Math.round(total / seconds)} deliveries/s (all queued after ${fanOut})`;
  } finally {
    await app.close();
    receiver.server.close();
    await bench.close();
  }
}

async function latency(changes: number): Promise<string> {
  const bench = await freshDatabase('webhooks');
  const receiver = await startReceiver();
  const app = await startBenchApp(bench, { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}` });
  try {
    await api(app, 'POST', '/service/webhooks', { url: `http://127.0.0.1:${receiver.port}/`, events: ['flows/updated'] });
    const flow = randomUUID();
    await api(app, 'PUT', `/flows/${flow}`, {
      id: flow, source_id: randomUUID(), format: 'urn:x-nmos:format:video', codec: 'video/h264', container: 'video/mp2t',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    });
    const times: number[] = [];
    for (let i = 0; i < changes; i++) {
      const label = `change ${i}`;
      const arrived = new Promise<void>((resolve) => (receiver.onBody = (body) => body.includes(`"${label}"`) && resolve()));
      const t0 = performance.now();
      await api(app, 'PUT', `/flows/${flow}/label`, label);
      await arrived;
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.floor(changes * q)]!.toFixed(0).padStart(4);
    return `PUT /flows/{id}/label → arrival at the receiver, ${changes} changes one after the other: p50 ${at(0.5)} ms   p99 ${at(0.99)} ms`;
  } finally {
    await app.close();
    receiver.server.close();
    await bench.close();
  }
}

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}`);
  console.log(`  ${await throughput(10_000, 100, 1)}`);
  console.log(`  ${await throughput(5_000, 100, 4)}`);
  console.log(`  ${await throughput(2_000, 1, 1)}`);
  console.log(`  ${await latency(200)}`);
}
