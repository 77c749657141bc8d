/**
 * Events: (1) dispatcher throughput, publishing a backlog of 100,000 unnumbered outbox rows to
 * the local RabbitMQ (durable topic exchange, one durable queue bound, persistent messages,
 * publisher confirms); (2) what events cost a write: the outbox insert inside a transaction,
 * and POST /api/media latency over HTTP with the dispatcher publishing vs no broker.
 * PostgreSQL when DATABASE_URL is set (a fresh database per part), else in-memory PGlite.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { eq, sql } from 'drizzle-orm';
import { users } from '../src/auth/auth.tables.js';
import type { Database } from '../src/db/client.js';
import { AmqpPublisher } from '../src/events/amqp-publisher.js';
import { recordEvent } from '../src/events/outbox.js';
import { eventConsumers, eventOutbox } from '../src/events/outbox.tables.js';
import { DEFAULT_BATCH_SIZE, OutboxConsumer } from '../src/events/outbox-consumer.js';
import { EventSequencer } from '../src/events/sequencer.js';
import { type BenchDatabase, freshDatabase, type LoadResult, loadFromChild, silent, startBenchApp } from './harness.js';

const FS_STORE = { type: 'FilesystemStore', bucket: 'bench', s3_url: '' };

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const BACKLOG = 100_000;

async function brokerReachable(): Promise<boolean> {
  try {
    await (await connect(AMQP_URL, { timeout: 3_000 })).close();
    return true;
  } catch {
    return false;
  }
}

async function deleteExchange(exchange: string): Promise<void> {
  const amqp = await connect(AMQP_URL);
  await (await amqp.createChannel()).deleteExchange(exchange);
  await amqp.close();
}

/** A payload the size of a media record snapshot (about 600 bytes of JSON). */
const payloadSql = sql`jsonb_build_object(
  'pid', 'pid-' || g, 'pid_type', 'uuid', 'store_status', 'READY', 'size', g * 1024,
  'sha256', md5(g::text) || md5((g + 1)::text), 'content_type', 'video/mp2t', 'tags', jsonb_build_array('news', 'bench'),
  'identifiers', jsonb_build_object('isan', '0000-0000-' || g), 'metadata', jsonb_build_object('title', repeat('x', 200)))`;

async function dispatchThroughput(): Promise<void> {
  const { database, close } = await freshDatabase('events');
  const exchange = `ms-bench-${randomBytes(3).toString('hex')}`;
  const amqp = await connect(AMQP_URL);
  const channel = await amqp.createChannel();
  try {
    const db = database.db;
    let started = performance.now();
    await db.execute(sql`insert into ${eventOutbox} (type, subject, actor, payload)
      select 'media.updated', 'pid-' || g, 'bench', ${payloadSql} from generate_series(1, ${BACKLOG}) g`);
    console.log(`  backlog of ${BACKLOG} events bulk-inserted in ${Math.round(performance.now() - started)} ms`);

    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue(`${exchange}-all`, { durable: true });
    await channel.bindQueue(queue, exchange, '#');

    const consumer = new OutboxConsumer({
      name: `amqp:${exchange}`,
      db,
      sequencer: new EventSequencer(db),
      destination: new AmqpPublisher(AMQP_URL, exchange, silent),
      logger: silent,
    });
    started = performance.now();
    consumer.start();
    for (;;) {
      const [row] = await db.select({ position: eventConsumers.position }).from(eventConsumers).where(eq(eventConsumers.name, `amqp:${exchange}`));
      if (row?.position === BACKLOG) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await consumer.stop();
    const { messageCount } = await channel.checkQueue(queue);
    console.log(
      `  dispatcher: ${BACKLOG} events numbered, published and confirmed in ${seconds.toFixed(2)} s → ` +
        `${Math.round(BACKLOG / seconds)} events/s (batches of ${DEFAULT_BATCH_SIZE}; ${messageCount} messages in the bound queue)`,
    );
    await channel.deleteQueue(queue);
  } finally {
    await channel.deleteExchange(exchange).catch(() => undefined);
    await amqp.close();
    await close();
  }
}

/** p50/p99 in ms of `n` transactions updating a user row, with or without recording its event. */
async function outboxInsertCost(database: Database, n: number) {
  const db = database.db;
  await db.insert(users).values({ username: 'tx-bench', passwordHash: 'x' }).onConflictDoNothing();
  const measure = async (withEvent: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await db.transaction(async (tx) => {
        await tx.update(users).set({ updated: new Date() }).where(eq(users.username, 'tx-bench'));
        if (withEvent) await recordEvent(tx, { type: 'user.updated', subject: 'tx-bench', actor: 'bench', payload: { username: 'tx-bench', changed: ['updated'] } });
      });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(n * 0.5)]!, p99: times[Math.floor(n * 0.99)]! };
  };
  await measure(true); // warm-up
  const without = await measure(false);
  const withEvent = await measure(true);
  return { without, withEvent };
}

/**
 * POST /api/media (a record, its history row and its event in one transaction) against a real
 * listening app, one connection and eight, with the dispatcher idle (no broker) or publishing
 * each event to RabbitMQ as it is written. Load from autocannon in its own process.
 */
async function createLatency(bench: BenchDatabase, amqpUrl: string | undefined, run: string) {
  const exchange = `ms-bench-${randomBytes(3).toString('hex')}`;
  const app = await startBenchApp(bench, amqpUrl ? { AMQP_URL: amqpUrl, AMQP_EXCHANGE: exchange } : {});
  try {
    const headers = { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' };
    const post = (path: string, body: unknown) => fetch(`${app.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    await post('/api/identifier', { name: 'DEMO', pattern: '' });
    const load = (connections: number, seconds: number, tag: string) =>
      loadFromChild({
        url: `${app.baseUrl}/api/media`,
        method: 'POST',
        headers,
        body: JSON.stringify({ pid: `${run}-${tag}-[<id>]`, pid_type: 'DEMO', store_config: FS_STORE, metadata: { title: 'x' }, tags: ['bench'] }),
        connections,
        seconds,
      });
    await load(4, 2, 'warm');
    return { one: await load(1, 5, 'one'), eight: await load(8, 5, 'eight') };
  } finally {
    await app.close();
    if (amqpUrl) await deleteExchange(exchange);
  }
}

export async function run(): Promise<void> {
  console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PGlite in memory (set DATABASE_URL for PostgreSQL)'}`);
  const broker = await brokerReachable();
  if (broker) await dispatchThroughput();
  else console.log(`  RabbitMQ not reachable at ${new URL(AMQP_URL).host}: dispatcher figures skipped`);

  const bench = await freshDatabase('events');
  try {
    const tx = await outboxInsertCost(bench.database, 2_000);
    const f = (x: number) => x.toFixed(2).padStart(6);
    console.log('  one write transaction (update a user row), 2000 in a row:');
    console.log(`    without an event   p50 ${f(tx.without.p50)} ms   p99 ${f(tx.without.p99)} ms`);
    console.log(`    with recordEvent   p50 ${f(tx.withEvent.p50)} ms   p99 ${f(tx.withEvent.p99)} ms`);

    console.log('  POST /api/media, 5 s each (every write records its event in the outbox either way; "on" also publishes it):');
    const row = (what: string, r: LoadResult) =>
      console.log(`    ${what.padEnd(40)} p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   ${r.rps} req/s`);
    const off = await createLatency(bench, undefined, 'off');
    const on = broker ? await createLatency(bench, AMQP_URL, 'on') : undefined;
    row('events off (no broker), 1 connection', off.one);
    if (on) row('events on (publishing), 1 connection', on.one);
    row('events off (no broker), 8 connections', off.eight);
    if (on) row('events on (publishing), 8 connections', on.eight);
  } finally {
    await bench.close();
  }
}
