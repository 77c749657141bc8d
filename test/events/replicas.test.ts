import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { openTestDatabase, secondInstanceDatabase, type TestDatabase } from '../helpers/database.js';
import { RABBITMQ_URL, requireRabbitmq } from '../helpers/services.js';
import { listenToExchange, uniqueExchange, type ExchangeListener } from './broker.js';

const rabbit = await requireRabbitmq();

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const delivering = (t: TestApp) => t.logs.filter((l) => l.msg === 'delivering events from this replica' && String(l.consumer).startsWith('amqp:')).length;

describe.runIf(rabbit)('two replicas on one database', () => {
  const exchange = uniqueExchange('replicas');
  let database: TestDatabase;
  let second: TestDatabase;
  let listener: ExchangeListener;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await openTestDatabase();
    second = secondInstanceDatabase(database);
    listener = await listenToExchange(exchange);
    const env = { AMQP_URL: RABBITMQ_URL, AMQP_EXCHANGE: exchange };
    a = await createTestApp({ database, env, startWorkers: true });
    b = await createTestApp({ database: second, env, startWorkers: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (second !== database) await second?.close();
    await database?.close();
    await listener?.close();
  });

  const toggle = (t: TestApp, i: number) =>
    t.http.patch('/api/users/alice').set(bearer(t.adminToken)).send({ disabled: i % 2 === 0 }).expect(200);

  it('publishes each event once, in order, whichever replica wrote it', async () => {
    await a.http.post('/api/users').set(bearer(a.adminToken)).send({ username: 'alice', password: 'alice-password' }).expect(201);
    await Promise.all(ids(30).map((i) => toggle(i % 2 ? a : b, i)));
    await listener.waitFor(32);
    await new Promise((r) => setTimeout(r, 500));
    expect(listener.received.map((r) => r.body.id)).toEqual(ids(32));
    expect(delivering(a) + delivering(b)).toBe(1);
  });

  it('hands over to the other replica when the delivering one stops', async () => {
    const [holder, other] = delivering(a) ? [a, b] : [b, a];
    await holder.close();
    await Promise.all(ids(10).map((i) => toggle(other, i)));
    await listener.waitFor(42);
    await new Promise((r) => setTimeout(r, 500));
    expect(listener.received.map((r) => r.body.id)).toEqual(ids(42));
    expect(delivering(other)).toBe(1);
  });
});
