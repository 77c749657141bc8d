import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { RABBITMQ_URL, requireRabbitmq } from '../helpers/services.js';
import { listenToExchange, uniqueExchange, type ExchangeListener, type Received } from './broker.js';

const rabbit = await requireRabbitmq();

describe.runIf(rabbit)('events published to RabbitMQ', () => {
  const exchange = uniqueExchange('dispatch');
  let t: TestApp;
  let listener: ExchangeListener;
  beforeAll(async () => {
    // Bound before the app starts, as a downstream system would be: it must see every event.
    listener = await listenToExchange(exchange);
    t = await createTestApp({ env: { AMQP_URL: RABBITMQ_URL, AMQP_EXCHANGE: exchange }, startWorkers: true });
  });
  afterAll(async () => {
    await t?.close();
    await listener?.close();
  });

  const admin = () => bearer(t.adminToken);

  it('delivers exactly the events of a scripted sequence of calls, in order, with the documented shape', async () => {
    const bob = await t.http.post('/api/users').set(admin()).send({ username: 'bob', password: 'bob-password-1' }).expect(201);
    const promoted = await t.http.patch('/api/users/bob').set(admin()).send({ is_admin: true, password: 'bob-password-2' }).expect(200);
    const client = await t.http.post('/api/clients').set(admin()).send({ client_id: 'transcoder', scopes: ['tams-api/read'], description: 'ffmpeg farm' }).expect(201);
    const widened = await t.http.patch('/api/clients/transcoder').set(admin()).send({ scopes: ['tams-api/read', 'tams-api/write'] }).expect(200);
    await t.http.delete('/api/clients/transcoder').set(admin()).expect(204);
    await t.http.delete('/api/users/bob').set(admin()).expect(204);
    const { client_secret: _shownOnce, ...clientView } = client.body;

    const received = await listener.waitFor(7);
    const adminView = (await t.http.get(`/api/users/${ADMIN.username}`).set(admin())).body;
    const expected = [
      ['user.created', 'admin', null, adminView],
      ['user.created', 'bob', 'admin', bob.body],
      ['user.updated', 'bob', 'admin', { ...promoted.body, changed: ['is_admin', 'password'] }],
      ['client.created', 'transcoder', 'admin', clientView],
      ['client.updated', 'transcoder', 'admin', widened.body],
      ['client.deleted', 'transcoder', 'admin', widened.body],
      ['user.deleted', 'bob', 'admin', promoted.body],
    ] as const;
    expect(received.map((r) => r.body)).toEqual(
      expected.map(([type, subject, actor, payload], i) => ({ id: i + 1, type, subject, time: expect.any(String), actor, payload })),
    );
    for (const r of received) expectEnvelope(r);
    expect(received[1]!.body.time).toBe(bob.body.created);

    // Nothing secret travels: not the client secret, not a password, not a hash.
    const wire = JSON.stringify(received);
    for (const secret of [client.body.client_secret, 'bob-password-1', 'bob-password-2', ADMIN.password, '$argon2']) {
      expect(wire).not.toContain(secret);
    }

    // The feed tells the same story in the same shape.
    const feed = await t.http.get('/api/events').set(admin()).expect(200);
    expect(feed.body).toEqual({ events: received.map((r) => r.body), next_after: 7 });
  });

  it('emits nothing for a request whose transaction rolls back, even at commit time', async () => {
    // A deferred trigger fails the commit of any transaction that recorded an event about "doomed":
    // the user row and its event were both written, then rolled back together.
    await t.db().execute(sql.raw(`create function doom() returns trigger language plpgsql as $$ begin raise exception 'doomed at commit'; end $$`));
    await t.db().execute(sql.raw(`create constraint trigger doom after insert on event_outbox deferrable initially deferred
      for each row when (new.subject = 'doomed') execute function doom()`));
    const failed = await t.http.post('/api/users').set(admin()).send({ username: 'doomed', password: 'doomed-password' });
    expect(failed.status).toBe(500);
    await t.http.get('/api/users/doomed').set(admin()).expect(404);
    await t.http.post('/api/users').set(admin()).send({ username: 'sentinel', password: 'sentinel-password' }).expect(201);

    const received = await listener.waitFor(8);
    expect(received.slice(7).map((r) => [r.body.id, r.body.type, r.body.subject])).toEqual([[8, 'user.created', 'sentinel']]);
    await new Promise((r) => setTimeout(r, 500));
    expect(listener.received).toHaveLength(8);
    const feed = await t.http.get('/api/events?after=7').set(admin()).expect(200);
    expect(feed.body.events.map((e: { subject: string }) => e.subject)).toEqual(['sentinel']);
  });

  it('reports the broker in /readyz', async () => {
    const res = await t.http.get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok', broker: 'ok' } });
  });
});

/** AMQP properties: messageId = id, type, timestamp, JSON, persistent, appId; routing key = type. */
function expectEnvelope(r: Received): void {
  expect(r.routingKey).toBe(r.body.type);
  expect(r.properties).toMatchObject({
    messageId: String(r.body.id),
    type: r.body.type,
    timestamp: Math.floor(Date.parse(r.body.time) / 1000),
    contentType: 'application/json',
    deliveryMode: 2,
    appId: 'mediastore',
  });
}
