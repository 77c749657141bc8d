import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/crypto/secret-box.js';
import { API_KEY_PURPOSE, ApiKeys } from '../../../src/tams/webhooks/api-keys.js';
import { tamsWebhooks } from '../../../src/tams/webhooks/webhooks.tables.js';
import { bearer, createTestApp, type TestApp } from '../../helpers/app.js';
import { conformant, newId, tamsClient, type TamsClient } from '../../helpers/tams.js';
import { tamsSpec } from '../../helpers/tams-spec.js';

const SECRET = 'Bearer s3cr3t-webhook-key-0042';
const HOST = 'https://hook.example.com';

let t: TestApp;
let api: TamsClient;

beforeAll(async () => {
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: 'hook.example.com' } });
  api = tamsClient(t);
});
afterAll(() => t.close());

const stored = async (id: string) => (await t.db().select().from(tamsWebhooks).where(eq(tamsWebhooks.id, id)))[0]!;
const keys = () => new ApiKeys(new SecretBox(t.config.secretsKey, API_KEY_PURPOSE));
const register = async (client: TamsClient, body: Record<string, unknown>) => {
  const res = await client.post('/service/webhooks', { events: ['flows/created'], ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string } & Record<string, unknown>;
};

async function clientToken(scopes: string[]): Promise<string> {
  const created = await t.http.post('/api/clients').set(bearer(t.adminToken)).send({ scopes });
  const token = await t.http.post('/oauth2/token').auth(created.body.client_id, created.body.client_secret).type('form').send({ grant_type: 'client_credentials' });
  return token.body.access_token as string;
}

describe('registering a webhook', () => {
  it('accepts the spec example and answers with the webhook, without the api_key_value', async () => {
    const example = tamsSpec().example('webhook-post.json');
    const res = await api.post('/service/webhooks', example);
    expect(res.status).toBe(201);
    const { api_key_value: _secret, ...rest } = example;
    expect(res.body).toEqual({ ...rest, id: expect.any(String), tags: {}, status: 'created' });
    expect(JSON.stringify(res.body)).not.toContain('21238dksdjqwpqscj9');
    expect((await api.get(`/service/webhooks/${res.body.id}`)).body).toEqual(res.body);
    const head = await api.head(`/service/webhooks/${res.body.id}`);
    expect([head.status, head.headers['content-length']]).toEqual([200, String(Buffer.byteLength(JSON.stringify(res.body)))]);
  });

  it('keeps every filter and option as given, and the tags', async () => {
    const body = {
      url: `${HOST}/all`,
      api_key_name: 'X-Api-Key',
      api_key_value: SECRET,
      events: ['flows/created', 'flows/segments_added', 'sources/deleted'],
      flow_ids: [newId()],
      source_ids: [newId(), newId()],
      flow_collected_by_ids: [],
      source_collected_by_ids: [newId()],
      accept_get_urls: [],
      accept_storage_ids: [newId()],
      presigned: false,
      verbose_storage: true,
      include_object_timerange: true,
      tags: { team: 'news', kind: ['archive', 'proxy'] },
      status: 'disabled',
    };
    const created = await register(api, body);
    const { api_key_value: _secret, ...rest } = body;
    expect(created).toEqual({ ...rest, id: created.id });
  });

  it('stores the api_key_value encrypted, bound to its webhook, and never shows or logs it', async () => {
    const created = await register(api, { url: `${HOST}/sealed`, api_key_name: 'Authorization', api_key_value: SECRET });
    const row = await stored(created.id);
    expect(row.apiKeyValueSealed).not.toContain(SECRET);
    expect(row.apiKeyValueSealed).toMatch(/^v1\./);
    expect(keys().open(created.id, row.apiKeyValueSealed!)).toBe(SECRET);
    expect(() => keys().open(newId(), row.apiKeyValueSealed!)).toThrow();
    const everything = [
      await api.get('/service/webhooks'),
      await api.get(`/service/webhooks/${created.id}`),
      await api.put(`/service/webhooks/${created.id}`, { ...created, status: 'created' }),
      await t.http.get('/api/events?type=*&limit=1000').set(bearer(t.adminToken)),
    ];
    for (const res of everything) expect(JSON.stringify(res.body)).not.toContain('s3cr3t');
    expect(JSON.stringify(t.logs)).not.toContain('s3cr3t');
  });

  it('advertises webhooks in the service document', async () => {
    const mechanisms = (await api.get('/service')).body.event_stream_mechanisms as { name: string }[];
    expect(mechanisms.map((m) => m.name)).toContain('webhooks');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no url', { events: ['flows/created'] }, /url/],
    ['no events', { url: HOST }, /events/],
    ['no event types', { url: HOST, events: [] }, /events: list at least one event type/],
    ['an unknown event type', { url: HOST, events: ['flows/renamed'] }, /events\.0/],
    ['a flow id that is not a uuid', { url: HOST, events: ['flows/created'], flow_ids: ['x'] }, /flow_ids\.0/],
    ['a member the store does not support', { url: HOST, events: ['flows/created'], flow_id: newId() }, /not supported by this store: flow_id/],
    ['a key without a header', { url: HOST, events: ['flows/created'], api_key_value: 'k' }, /api_key_name: required with api_key_value/],
    ['a header without a key', { url: HOST, events: ['flows/created'], api_key_name: 'X-Key' }, /api_key_value: required with api_key_name/],
    ['a header the delivery sets itself', { url: HOST, events: ['flows/created'], api_key_name: 'Content-Type', api_key_value: 'k' }, /api_key_name: names a header/],
    ['a header name with a space', { url: HOST, events: ['flows/created'], api_key_name: 'X Key', api_key_value: 'k' }, /api_key_name: must be an HTTP header name/],
    ['a key with a line break', { url: HOST, events: ['flows/created'], api_key_name: 'X-Key', api_key_value: 'a\r\nHost: evil' }, /api_key_value: must be a valid HTTP header value/],
    ['status started', { url: HOST, events: ['flows/created'], status: 'started' }, /status/],
    ['tags that are not tags', { url: HOST, events: ['flows/created'], tags: { a: 1 } }, /tags\.a/],
  ])('refuses %s with 400, naming the member, and stores nothing', async (_what, body, message) => {
    const before = (await api.get('/service/webhooks?limit=1000')).body.length;
    const res = await api.post('/service/webhooks', body);
    expect(res.status).toBe(400);
    expect(['ValidationError', 'BadRequest']).toContain(res.body.type);
    expect(JSON.stringify(res.body.message)).toMatch(message);
    expect((await api.get('/service/webhooks?limit=1000')).body.length).toBe(before);
  });
});

describe('changing a webhook (PUT)', () => {
  it('replaces the registration, keeps the stored key when none is sent, and answers 201 with the webhook', async () => {
    const created = await register(api, { url: `${HOST}/put`, api_key_name: 'X-Api-Key', api_key_value: SECRET, flow_ids: [newId()], tags: { a: 'b' } });
    const sealed = (await stored(created.id)).apiKeyValueSealed;
    const res = await api.put(`/service/webhooks/${created.id}`, { id: created.id, url: `${HOST}/put2`, api_key_name: 'X-Api-Key', events: ['sources/created'], status: 'created' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: created.id, url: `${HOST}/put2`, api_key_name: 'X-Api-Key', events: ['sources/created'], tags: {}, status: 'created' });
    expect((await stored(created.id)).apiKeyValueSealed).toBe(sealed);
    await api.put(`/service/webhooks/${created.id}`, { ...res.body, api_key_value: 'another key' });
    expect(keys().open(created.id, (await stored(created.id)).apiKeyValueSealed!)).toBe('another key');
    const unkeyed = await api.put(`/service/webhooks/${created.id}`, { id: created.id, url: `${HOST}/put2`, events: ['sources/created'], status: 'created' });
    expect(unkeyed.body.api_key_name).toBeUndefined();
    expect((await stored(created.id)).apiKeyValueSealed).toBeNull();
    expect((await api.put(`/service/webhooks/${created.id}`, { ...unkeyed.body, api_key_name: 'X-Api-Key' })).status).toBe(400);
  });

  it('accepts the spec example (with the example id) once a webhook with that id exists', async () => {
    const example = tamsSpec().example('webhook-put.json') as { id: string };
    const missing = await api.put(`/service/webhooks/${example.id}`, example);
    expect(missing.status).toBe(404);
    await t.db().insert(tamsWebhooks).values({ id: example.id, ownerKind: 'user', owner: 'admin', url: HOST, events: ['flows/created'], status: 'started' });
    const res = await api.put(`/service/webhooks/${example.id}`, example);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ...tamsSpec().example('webhook-get-200.json'), tags: {} });
  });

  it('switches it off and on; a webhook in error is turned on again, not disabled', async () => {
    const hook = await register(api, { url: `${HOST}/switch` });
    const put = (status: string) => api.put(`/service/webhooks/${hook.id}`, { id: hook.id, url: hook.url, events: hook.events, status });
    expect((await put('disabled')).body.status).toBe('disabled');
    expect((await put('disabled')).body.status).toBe('disabled');
    expect((await put('created')).body.status).toBe('created');
    await t.db().update(tamsWebhooks).set({ status: 'started' }).where(eq(tamsWebhooks.id, hook.id));
    expect((await put('created')).body.status).toBe('started');
    const failure = { type: 'WebhookDeliveryFailed', summary: 'gave up', time: new Date().toISOString() };
    await t.db().update(tamsWebhooks).set({ status: 'error', error: failure }).where(eq(tamsWebhooks.id, hook.id));
    expect((await api.get(`/service/webhooks/${hook.id}`)).body).toMatchObject({ status: 'error', error: failure });
    const refused = await put('disabled');
    expect(refused.status).toBe(400);
    expect(refused.body.summary).toMatch(/a webhook in error cannot be disabled/);
    const again = await api.put(`/service/webhooks/${hook.id}`, { ...(await api.get(`/service/webhooks/${hook.id}`)).body, status: 'created' });
    expect(again.status).toBe(201);
    expect(again.body.status).toBe('created');
    expect(again.body.error).toBeUndefined();
  });

  it('refuses a body whose id differs from the path, and unknown webhooks', async () => {
    const hook = await register(api, { url: `${HOST}/ids` });
    const other = newId();
    const res = await api.put(`/service/webhooks/${hook.id}`, { id: other, url: HOST, events: ['flows/created'], status: 'created' });
    expect(res.status).toBe(400);
    expect(res.body.summary).toMatch(/differs from the path/);
    expect((await api.put(`/service/webhooks/${other}`, { id: other, url: HOST, events: ['flows/created'], status: 'created' })).status).toBe(404);
    expect((await api.put(`/service/webhooks/${hook.id}`, { id: hook.id, url: HOST, events: ['flows/created'] })).status).toBe(400);
    expect((await api.get('/service/webhooks/NOT-A-UUID')).status).toBe(400);
  });
});

describe('deleting a webhook', () => {
  it('answers 204, then 404', async () => {
    const hook = await register(api, { url: `${HOST}/gone` });
    expect((await api.delete(`/service/webhooks/${hook.id}`)).status).toBe(204);
    expect((await api.get(`/service/webhooks/${hook.id}`)).status).toBe(404);
    expect((await api.head(`/service/webhooks/${hook.id}`)).status).toBe(404);
    expect((await api.delete(`/service/webhooks/${hook.id}`)).status).toBe(404);
  });
});

describe('who sees and changes which webhooks', () => {
  it('users see and change only their own; another\'s answers 404 as if it did not exist', async () => {
    const alice = tamsClient(t, { token: await t.createUser('alice') });
    const bob = tamsClient(t, { token: await t.createUser('bob') });
    const mine = await register(alice, { url: `${HOST}/alice` });
    const theirs = await register(bob, { url: `${HOST}/bob` });
    expect(((await alice.get('/service/webhooks')).body as { id: string }[]).map((w) => w.id)).toEqual([mine.id]);
    expect(((await bob.get('/service/webhooks')).body as { id: string }[]).map((w) => w.id)).toEqual([theirs.id]);
    expect((await bob.get(`/service/webhooks/${mine.id}`)).status).toBe(404);
    expect((await bob.head(`/service/webhooks/${mine.id}`)).status).toBe(404);
    expect((await bob.put(`/service/webhooks/${mine.id}`, { ...mine, url: `${HOST}/stolen`, status: 'created' })).status).toBe(404);
    expect((await bob.delete(`/service/webhooks/${mine.id}`)).status).toBe(404);
    expect((await alice.get(`/service/webhooks/${mine.id}`)).body.url).toBe(`${HOST}/alice`);
  });

  it('tams-api/admin sees and changes everyone\'s; the owner keeps it', async () => {
    const carol = tamsClient(t, { token: await t.createUser('carol') });
    const hook = await register(carol, { url: `${HOST}/carol` });
    const all = ((await api.get('/service/webhooks?limit=1000')).body as { id: string }[]).map((w) => w.id);
    expect(all).toContain(hook.id);
    const admin = tamsClient(t, { token: await clientToken(['tams-api/read', 'tams-api/write', 'tams-api/admin']) });
    expect((await admin.put(`/service/webhooks/${hook.id}`, { ...hook, status: 'disabled' })).body.status).toBe('disabled');
    expect((await carol.get(`/service/webhooks/${hook.id}`)).body.status).toBe('disabled');
    expect((await stored(hook.id)).owner).toBe('carol');
    expect((await api.delete(`/service/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('an OAuth2 client is an owner too, and needs write to register and delete to delete', async () => {
    const reader = tamsClient(t, { token: await clientToken(['tams-api/read']) });
    expect((await reader.post('/service/webhooks', { url: HOST, events: ['flows/created'] })).status).toBe(403);
    expect((await reader.get('/service/webhooks')).body).toEqual([]);
    const writer = tamsClient(t, { token: await clientToken(['tams-api/read', 'tams-api/write']) });
    const hook = await register(writer, { url: `${HOST}/client` });
    expect(((await writer.get('/service/webhooks')).body as { id: string }[]).map((w) => w.id)).toEqual([hook.id]);
    expect((await writer.delete(`/service/webhooks/${hook.id}`)).status).toBe(403);
  });

  it('records webhook.* events that only administrators read in the feed, without url or key', async () => {
    const dave = await t.createUser('dave');
    const hook = await register(tamsClient(t, { token: dave }), { url: `${HOST}/dave`, api_key_name: 'X-Key', api_key_value: SECRET });
    await tamsClient(t, { token: dave }).delete(`/service/webhooks/${hook.id}`);
    const feed = (token: string) => t.http.get('/api/events?type=webhook.*&limit=1000').set(bearer(token));
    const events = ((await feed(t.adminToken)).body.events as { type: string; subject: string; payload: unknown }[]).filter((e) => e.subject === hook.id);
    expect(events.map((e) => e.type)).toEqual(['webhook.created', 'webhook.deleted']);
    expect(events[0]!.payload).toEqual({ id: hook.id, owner: 'dave', owner_kind: 'user', status: 'created', events: ['flows/created'] });
    expect((await feed(dave)).body.events).toEqual([]);
  });
});

describe('GET /tams/service/webhooks', () => {
  it('lists alphabetically by url, reversed on request, paged with the spec headers, filtered by tags', async () => {
    const eve = tamsClient(t, { token: await t.createUser('eve') });
    const urls = ['c', 'a', 'e', 'b', 'd'].map((p) => `${HOST}/list/${p}`);
    for (const [i, url] of urls.entries()) await register(eve, { url, tags: { n: String(i), ...(i % 2 ? { odd: 'yes' } : {}) } });
    const listed = async (query: string) => ((await eve.get(`/service/webhooks?${query}`)).body as { url: string }[]).map((w) => w.url.slice(-1));
    expect(await listed('')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await listed('reverse_order=true')).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(await listed('tag_exists.odd=true')).toEqual(['a', 'b']);
    expect(await listed('tag.n=0,4')).toEqual(['c', 'd']);
    const first = await eve.get('/service/webhooks?limit=2');
    expect(first.headers).toMatchObject({ 'x-paging-limit': '2', 'x-paging-count': '2', 'x-paging-reverse-order': 'false' });
    const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.link as string)![1]!;
    const second = conformant(await t.http.get(next.slice(t.baseUrl.length)).set(bearer((await t.login('eve', 'eve-password')))));
    expect((second.body as { url: string }[]).map((w) => w.url.slice(-1))).toEqual(['c', 'd']);
    const head = await eve.head('/service/webhooks?limit=2');
    expect(head.headers['x-paging-nextkey']).toBe(first.headers['x-paging-nextkey']);
    expect((await eve.get('/service/webhooks?sort_by=url')).status).toBe(400);
    expect((await eve.get(`/service/webhooks?limit=2&reverse_order=true&page=${first.headers['x-paging-nextkey']}`)).status).toBe(400);
  });
});
