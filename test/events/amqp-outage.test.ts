import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/process.js';
import { RABBITMQ_URL, requireRabbitmq } from '../helpers/services.js';
import { BrokerRelay, listenToExchange, uniqueExchange, type ExchangeListener, type Received } from './broker.js';

const rabbit = await requireRabbitmq();

/** Cheap writes: each toggles a flag of an existing user and records one `user.updated`. */
async function toggleUser(t: TestApp, username: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await t.http.patch(`/api/users/${username}`).set(bearer(t.adminToken)).send({ disabled: i % 2 === 0 });
    expect(res.status).toBe(200);
  }
}

/** Every id from 1 to `last` arrived, first deliveries in order, and any repeat is identical. */
function expectCompleteInOrder(received: Received[], last: number): void {
  const firsts = new Map<number, Received>();
  for (const r of received) {
    const seen = firsts.get(r.body.id);
    if (seen) expect(r.body).toEqual(seen.body);
    else firsts.set(r.body.id, r);
  }
  expect([...firsts.keys()]).toEqual(Array.from({ length: last }, (_, i) => i + 1));
}

describe.runIf(rabbit)('broker unreachable, then back, then restarted', () => {
  const exchange = uniqueExchange('outage');
  let relay: BrokerRelay;
  let listener: ExchangeListener;
  let t: TestApp;
  beforeAll(async () => {
    relay = new BrokerRelay(await freePort());
    listener = await listenToExchange(exchange);
    t = await createTestApp({ env: { AMQP_URL: relay.url, AMQP_EXCHANGE: exchange }, startWorkers: true });
  });
  afterAll(async () => {
    await t?.close();
    await relay?.down();
    await listener?.close();
  });

  it('keeps the API working and reports the broker degraded while it is down', async () => {
    await t.http.post('/api/users').set(bearer(t.adminToken)).send({ username: 'alice', password: 'alice-password' }).expect(201);
    await toggleUser(t, 'alice', 20);
    const ready = await t.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'degraded', checks: { database: 'ok', broker: 'degraded' } });
    expect(listener.received).toEqual([]);
    const feed = await t.http.get('/api/events?limit=1000').set(bearer(t.adminToken)).expect(200);
    expect(feed.body.next_after).toBe(22);
  });

  it('delivers the whole backlog in order once the broker is reachable', async () => {
    await relay.up();
    const received = await listener.waitFor(22, 20_000);
    expectCompleteInOrder(received, 22);
    expect(received.map((r) => r.body.type)).toEqual(['user.created', 'user.created', ...Array<string>(20).fill('user.updated')]);
    expect((await t.http.get('/readyz')).body.checks.broker).toBe('ok');
  });

  it('survives a broker restart: reconnects and delivers what was written meanwhile', async () => {
    await relay.down();
    await toggleUser(t, 'alice', 10);
    await relay.up();
    await toggleUser(t, 'alice', 5);
    await listener.waitFor(37, 20_000);
    // Retried batches may repeat messages (at-least-once); waiting a moment more lets any arrive.
    await new Promise((r) => setTimeout(r, 300));
    expectCompleteInOrder(listener.received, 37);
    expect(t.logs.filter((l) => l.msg === 'connected to the broker')).toHaveLength(2);
  });
});

describe('broker credentials', () => {
  it('never reach the log or /readyz while the broker is unreachable', async () => {
    const secret = 's3cret-never-logged';
    const t = await createTestApp({
      env: { AMQP_URL: `amqp://mediastore:${secret}@127.0.0.1:${await freePort()}/prod`, AMQP_EXCHANGE: uniqueExchange('creds') },
      startWorkers: true,
    });
    try {
      await expect.poll(() => t.logs.some((l) => l.msg === 'event delivery failed; retrying'), { timeout: 5_000 }).toBe(true);
      const ready = await t.http.get('/readyz');
      expect(ready.body.checks.broker).toBe('degraded');
      expect(JSON.stringify(t.logs) + JSON.stringify(ready.body)).not.toContain(secret);
    } finally {
      await t.close();
    }
  });
});

describe.runIf(rabbit)('a broker that refuses the exchange', () => {
  it('is reported and retried without taking the process down', async () => {
    const exchange = uniqueExchange('clash');
    const connection = await connect(RABBITMQ_URL);
    const channel = await connection.createChannel();
    // Someone declared the name with another type: every declaration by the app fails (406).
    await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
    const t = await createTestApp({ env: { AMQP_URL: RABBITMQ_URL, AMQP_EXCHANGE: exchange }, startWorkers: true });
    try {
      await expect
        .poll(() => t.logs.filter((l) => l.msg === 'event delivery failed; retrying' && String(l.err).includes('PRECONDITION_FAILED')).length, { timeout: 5_000 })
        .toBeGreaterThanOrEqual(2);
      expect((await t.http.get('/readyz')).body.checks.broker).toBe('degraded');
      await t.http.get('/api/users').set(bearer(t.adminToken)).expect(200);
    } finally {
      await t.close();
      await channel.deleteExchange(exchange);
      await connection.close();
    }
  });
});
