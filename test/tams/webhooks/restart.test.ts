import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDue } from '../../../src/tams/webhooks/deliveries.repo.js';
import { tamsWebhookDeliveries } from '../../../src/tams/webhooks/webhooks.tables.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { openTestDatabase, secondInstanceDatabase, type TestDatabase } from '../../helpers/database.js';
import { newId, outboxMark, tamsClient } from '../../helpers/tams.js';
import { WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { changeFlows, expectSameEvents, recordedSince } from '../../helpers/webhook-session.js';

/** Nothing held in memory matters: a new process, or two at once, on the same database. */

const EVENTS = ['flows/created', 'flows/updated', 'flows/deleted'];

let receiver: WebhookReceiver;
let env: Record<string, string>;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  env = { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${receiver.port}`, WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '150', WEBHOOK_MAX_ATTEMPTS: '1000' };
});
afterAll(() => receiver.down());

const onlyHookEvents = <T extends { payload: { event_type: string } }>(events: T[]) => events.filter((e) => EVENTS.includes(e.payload.event_type));

describe('a restart', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('resumes where the last process stopped: queued deliveries and events not yet fanned out all arrive, once, in order', async () => {
    const first = await createTestApp({ database, startWorkers: true, env });
    const api = tamsClient(first);
    expect((await api.post('/service/webhooks', { url: `${receiver.url}/restart`, events: EVENTS })).status).toBe(201);
    const mark = await outboxMark(first);
    const flows = [newId(), newId(), newId()];
    await changeFlows(api, flows, 2, 'before');
    await receiver.until(() => receiver.accepted('/restart').length === 9);

    // The receiver goes away; these are queued and retried until the process stops.
    await receiver.down();
    await changeFlows(api, flows, 2, 'queued');
    await expect.poll(async () => (await database.db.select({ n: count() }).from(tamsWebhookDeliveries))[0]!.n).toBe(6);
    await expect.poll(async () => (await api.get('/service/webhooks')).body[0].error?.summary ?? '').toMatch(/ECONNREFUSED/);
    await first.close();

    // Changes while no process delivers: only in the outbox.
    const writer = await createTestApp({ database });
    await changeFlows(tamsClient(writer), flows, 1, 'unsent');
    await tamsClient(writer).delete(`/flows/${flows[2]}`);
    await writer.close();

    await receiver.up();
    const second = await createTestApp({ database, startWorkers: true, env });
    try {
      const expected = onlyHookEvents(await recordedSince(second, mark));
      expect(expected).toHaveLength(9 + 6 + 4);
      await receiver.until(() => receiver.accepted('/restart').length >= expected.length);
      await new Promise((r) => setTimeout(r, 300));
      expectSameEvents(receiver.accepted('/restart'), expected, 'across the restart');
    } finally {
      await second.close();
    }
  });

  it('sends again a delivery whose sender died mid-way, once its lease has expired', async () => {
    const app = await createTestApp({ database, startWorkers: true, env });
    try {
      const api = tamsClient(app);
      for (const old of (await api.get('/service/webhooks')).body as { id: string }[]) await api.delete(`/service/webhooks/${old.id}`);
      await api.post('/service/webhooks', { url: `${receiver.url}/orphaned`, events: ['flows/created'] });
      const sender = app.ctx.workers.find((w) => w.name === 'webhook delivery')!;
      await sender.stop();
      const flow = newId();
      await changeFlows(api, [flow], 0, '');
      await expect.poll(async () => (await database.db.select({ n: count() }).from(tamsWebhookDeliveries))[0]!.n).toBe(1);
      // Another process takes it, then is killed before it could say how it went.
      expect(await claimDue(database.db, 'a-replica-that-died', 10, 1_500)).toHaveLength(1);
      sender.start();
      await new Promise((r) => setTimeout(r, 700));
      expect(receiver.requests.filter((d) => d.path === '/orphaned')).toEqual([]);
      await receiver.until(() => receiver.accepted('/orphaned').length === 1, 5_000);
      expect((receiver.accepted('/orphaned')[0]!.body.event.flow as { id: string }).id).toBe(flow);
    } finally {
      await app.close();
    }
  });
});

describe('two instances on one database', () => {
  let database: TestDatabase;
  let second: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await openTestDatabase();
    second = secondInstanceDatabase(database);
    a = await createTestApp({ database, startWorkers: true, env });
    b = await createTestApp({ database: second, startWorkers: true, env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    if (second !== database) await second.close();
    await database.close();
  });

  it('deliver each event once, in order per flow, whichever instance recorded it', async () => {
    expect((await tamsClient(a).post('/service/webhooks', { url: `${receiver.url}/replicas`, events: EVENTS })).status).toBe(201);
    const mark = await outboxMark(a);
    const flows = Array.from({ length: 8 }, newId);
    await Promise.all([changeFlows(tamsClient(a), flows.slice(0, 4), 4, 'a'), changeFlows(tamsClient(b), flows.slice(4), 4, 'b')]);
    await Promise.all([changeFlows(tamsClient(b), flows.slice(0, 4), 2, 'b'), changeFlows(tamsClient(a), flows.slice(4), 2, 'a')]);
    const expected = onlyHookEvents(await recordedSince(a, mark));
    expect(expected).toHaveLength(8 * 7);
    await receiver.until(() => receiver.accepted('/replicas').length >= expected.length);
    await new Promise((r) => setTimeout(r, 500));
    expectSameEvents(receiver.accepted('/replicas'), expected, 'two instances');
    const fanningOut = [a, b].map((t) => t.logs.filter((l) => l.consumer === 'tams-webhooks' && l.msg === 'delivering events from this replica').length);
    expect(fanningOut.sort()).toEqual([0, 1]);
  });
});
