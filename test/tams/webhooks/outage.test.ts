import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOutbox } from '../../../src/events/outbox.tables.js';
import { tamsWebhookDeliveries } from '../../../src/tams/webhooks/webhooks.tables.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { newId, outboxMark, tamsClient, type TamsClient, videoFlow } from '../../helpers/tams.js';
import { changeFlows, expectSameEvents, receiverAndApp, recordedSince } from '../../helpers/webhook-session.js';

/** A receiver that is down, then failing, then flaky: nothing is lost, nothing overtakes. */

const fast = { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '150' };

describe('a receiver that is down for a while', () => {
  const ctx = receiverAndApp({ WEBHOOK_MAX_ATTEMPTS: '1000', ...fast });

  it('refused connections, then 500s, then every other request failing: every event arrives once, in order per flow', async () => {
    const { receiver, t, api } = ctx;
    await receiver.down();
    const events = ['flows/created', 'flows/updated', 'flows/deleted', 'sources/created'];
    const hook = (await api.post('/service/webhooks', { url: `${receiver.url}/hook`, events })).body;
    const mark = await outboxMark(t);
    const flows = [newId(), newId(), newId()];
    await changeFlows(api, flows, 3, 'while down');
    // Retrying, still on, the failure noted.
    await expect.poll(async () => (await api.get(`/service/webhooks/${hook.id}`)).body.error?.summary ?? '').toMatch(/failed: connect ECONNREFUSED 127\.0\.0\.1:\d+; retrying$/);
    expect((await api.get(`/service/webhooks/${hook.id}`)).body.status).toBe('created');

    receiver.answer = 500;
    await receiver.up();
    await receiver.until((r) => r.filter((d) => d.status === 500).length >= 5);
    await changeFlows(api, flows, 2, 'while failing');
    let n = 0;
    receiver.answer = () => (n++ % 2 ? 503 : 200);
    await changeFlows(api, flows, 2, 'while flaky');
    await api.delete(`/flows/${flows[0]}`);

    const expected = (await recordedSince(t, mark)).filter((e) => events.includes(e.payload.event_type));
    await receiver.until(() => receiver.accepted().length >= expected.length, 20_000);
    receiver.answer = 200;
    await new Promise((r) => setTimeout(r, 300));
    expectSameEvents(receiver.accepted(), expected, 'after the outage');
    expect(receiver.requests.filter((d) => d.status >= 500).length).toBeGreaterThanOrEqual(5);
    const after = (await api.get(`/service/webhooks/${hook.id}`)).body;
    expect(after.status).toBe('started');
    expect(after.error).toBeUndefined();
    expect(await t.db().select().from(tamsWebhookDeliveries)).toEqual([]);
  });
});

describe('a receiver that keeps failing', () => {
  const ctx = receiverAndApp({ WEBHOOK_MAX_ATTEMPTS: '3', ...fast });

  it('puts the webhook in error after the set number of attempts at one event, drops its queue, and delays no other webhook', async () => {
    const { receiver, t, api } = ctx;
    receiver.answer = (d) => (d.path === '/failing' ? 500 : 200);
    const failing = (await api.post('/service/webhooks', { url: `${receiver.url}/failing`, events: ['flows/created', 'flows/updated'] })).body;
    await api.post('/service/webhooks', { url: `${receiver.url}/healthy`, events: ['flows/created', 'flows/updated'] });
    const flow = newId();
    await changeFlows(api, [flow], 4, 'change');
    await receiver.until(() => receiver.accepted('/healthy').length === 5);
    await expect.poll(async () => (await api.get(`/service/webhooks/${failing.id}`)).body.status, { timeout: 10_000 }).toBe('error');
    const { error } = (await api.get(`/service/webhooks/${failing.id}`)).body;
    expect(error).toMatchObject({ type: 'WebhookDeliveryFailed', time: expect.any(String) });
    expect(error.summary).toMatch(/^gave up after 3 failed attempts to deliver flows\/created \(event \d+\) to http:\/\/127\.0\.0\.1:\d+ \(last: HTTP 500\); \d undelivered event\(s\) dropped\. Set status to "created" \(PUT\) to receive events again\.$/);
    // The first event was tried three times; the four after it waited behind it and were dropped with it.
    const tried = receiver.requests.filter((d) => d.path === '/failing');
    expect(tried.map((d) => d.body.event_type)).toEqual(['flows/created', 'flows/created', 'flows/created']);
    expect(await t.db().select().from(tamsWebhookDeliveries).where(eq(tamsWebhookDeliveries.webhookId, failing.id))).toEqual([]);
    const events = await t.db().select().from(eventOutbox).where(eq(eventOutbox.subject, failing.id));
    expect(events.map((e) => [e.type, e.actor, (e.payload as { status: string }).status])).toEqual([
      ['webhook.created', 'admin', 'created'],
      ['webhook.updated', null, 'error'],
    ]);

    // While in error nothing is sent; it cannot be disabled, only turned on again.
    await api.put(`/flows/${flow}/label`, 'while in error');
    expect((await api.put(`/service/webhooks/${failing.id}`, { ...failing, status: 'disabled' })).status).toBe(400);
    receiver.answer = 200;
    const on = await api.put(`/service/webhooks/${failing.id}`, { ...failing, status: 'created' });
    expect(on.body).toMatchObject({ status: 'created' });
    expect(on.body.error).toBeUndefined();
    await api.put(`/flows/${flow}/label`, 'back on');
    await receiver.until(() => receiver.accepted('/failing').length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.accepted('/failing').map((d) => (d.body.event.flow as { label: string }).label)).toEqual(['back on']);
    expect((await api.get(`/service/webhooks/${failing.id}`)).body.status).toBe('started');
  });
});

describe('what counts as delivered', () => {
  let t: TestApp;
  let api: TamsClient;
  let redirected = 0;
  const elsewhere = createServer((_req, res) => {
    redirected++;
    res.end();
  });
  const receiver = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    if (req.url === '/moved') res.writeHead(307, { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/` }).end();
    else res.writeHead(req.url === '/no-content' ? 204 : 202).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    t = await createTestApp({ startWorkers: true, env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_TIMEOUT_MS: '300', ...fast } });
    api = tamsClient(t);
    for (const path of ['/slow', '/moved', '/no-content', '/accepted']) {
      await api.post('/service/webhooks', { url: `http://127.0.0.1:${port}${path}`, events: ['flows/created'] });
    }
  });
  afterAll(async () => {
    await t.close();
    receiver.closeAllConnections();
    receiver.close();
    elsewhere.close();
  });

  it('any 2xx; not a redirect (never followed), not a receiver that does not answer in time', async () => {
    const flow = newId();
    await api.put(`/flows/${flow}`, videoFlow(flow, newId()));
    const statuses = async () =>
      Object.fromEntries(((await api.get('/service/webhooks')).body as { url: string; status: string; error?: { summary: string } }[]).map((h) => [new URL(h.url).pathname, [h.status, h.error?.summary ?? '']]));
    await expect.poll(async () => Object.values(await statuses()).every(([s]) => s !== 'created'), { timeout: 10_000 }).toBe(true);
    const result = await statuses();
    expect(result['/accepted']).toEqual(['started', '']);
    expect(result['/no-content']).toEqual(['started', '']);
    expect(result['/moved']![0]).toBe('error');
    expect(result['/moved']![1]).toMatch(/last: HTTP 307/);
    expect(result['/slow']![0]).toBe('error');
    expect(result['/slow']![1]).toMatch(/last: no response within 300 ms/);
    expect(redirected).toBe(0);
  });
});

describe('a receiver fixed by its owner', () => {
  // A minute before the first retry.
  const ctx = receiverAndApp({ WEBHOOK_RETRY_BASE_MS: '120000', WEBHOOK_RETRY_MAX_MS: '600000' });

  it('gets what was waiting for a retry at once when the webhook is changed, not at the next retry', async () => {
    const { receiver, api } = ctx;
    receiver.answer = (d) => (d.path === '/right' ? 200 : 404);
    const hook = (await api.post('/service/webhooks', { url: `${receiver.url}/wrong`, events: ['flows/created'] })).body;
    const flow = newId();
    await api.put(`/flows/${flow}`, videoFlow(flow, newId()));
    await receiver.until(() => receiver.requests.length === 1);
    await expect.poll(async () => (await api.get(`/service/webhooks/${hook.id}`)).body.error?.summary ?? '').toMatch(/attempt 1 of 30 .* failed: HTTP 404; retrying/);
    await api.put(`/service/webhooks/${hook.id}`, { ...hook, url: `${receiver.url}/right` });
    await receiver.until(() => receiver.accepted('/right').length === 1, 5_000);
    expect((receiver.accepted('/right')[0]!.body.event.flow as { id: string }).id).toBe(flow);
  });
});
