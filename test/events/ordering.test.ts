import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../src/events/event-message.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { RABBITMQ_URL, requireRabbitmq } from '../helpers/services.js';
import { listenToExchange, uniqueExchange, type ExchangeListener } from './broker.js';

// PGlite serves one connection, so transactions cannot interleave there.
const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.warn('SKIPPED interleaved-transaction ordering tests: they need PostgreSQL (set DATABASE_URL)');
const rabbit = onPostgres && (await requireRabbitmq());

const insertEvent = (client: pg.Client, subject: string) =>
  client.query(`insert into event_outbox (type, subject, actor, payload) values ('media.created', $1, 'test', '{}')`, [subject]);

describe.runIf(onPostgres)('events committed out of insertion order', () => {
  const exchange = uniqueExchange('ordering');
  let t: TestApp;
  let listener: ExchangeListener | undefined;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    if (rabbit) listener = await listenToExchange(exchange, 'media.#');
    t = await createTestApp({ env: rabbit ? { AMQP_URL: RABBITMQ_URL, AMQP_EXCHANGE: exchange } : {}, startWorkers: true });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await t?.close();
    await listener?.close();
  });

  async function connection(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    clients.push(client);
    return client;
  }

  const feed = async (after: number) =>
    (await t.http.get(`/api/events?type=media.*&after=${after}`).set(bearer(t.adminToken)).expect(200)).body as {
      events: EventMessage[];
      next_after: number;
    };

  it('are never skipped by a reader that remembers the last id it saw', async () => {
    const first = await connection();
    const second = await connection();
    await first.query('begin');
    await insertEvent(first, 'inserted-first');
    await second.query('begin');
    await insertEvent(second, 'inserted-second');
    await second.query('commit');

    const before = await feed(0);
    expect(before.events.map((e) => e.subject)).toEqual(['inserted-second']);

    await first.query('commit');
    const after = await feed(before.next_after);
    expect(after.events.map((e) => e.subject)).toEqual(['inserted-first']);
    expect(after.events[0]!.id).toBeGreaterThan(before.next_after);

    if (listener) {
      const received = await listener.waitFor(2);
      expect(received.map((r) => r.body.subject)).toEqual(['inserted-second', 'inserted-first']);
    }
  });

  it('a follower of the feed sees every event of many concurrent writers exactly once', async () => {
    const writers = await Promise.all(Array.from({ length: 6 }, () => connection()));
    const written: string[] = [];
    let writing = true;
    const seen: EventMessage[] = [];
    const start = (await feed(0)).next_after;
    const follow = (async () => {
      let after = start;
      for (let idle = 0; writing || idle < 2; ) {
        const page = await feed(after);
        seen.push(...page.events);
        after = page.next_after;
        idle = page.events.length ? 0 : idle + 1;
      }
    })();
    await Promise.all(
      writers.map(async (client, w) => {
        for (let i = 0; i < 25; i++) {
          const subject = `w${w}-${i}`;
          await client.query('begin');
          await insertEvent(client, subject);
          // Hold some transactions open so that later inserts commit first.
          await new Promise((r) => setTimeout(r, (w * 7 + i * 3) % 11));
          await client.query('commit');
          written.push(subject);
        }
      }),
    );
    writing = false;
    await follow;
    expect(seen.map((e) => e.subject).sort()).toEqual([...written].sort());
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((x, y) => x - y));
    if (listener) {
      const received = await listener.waitFor(2 + written.length);
      expect(received.slice(2).map((r) => r.body)).toEqual(seen);
    }
  });
});
