import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { nonPublicKind, SsrfRefusal, UrlPolicy, type Resolver } from '../../../src/tams/webhooks/url-policy.js';
import { WebhookTransport } from '../../../src/tams/webhooks/webhook-transport.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { openTestDatabase } from '../../helpers/database.js';
import { newId, tamsClient, type TamsClient, videoFlow } from '../../helpers/tams.js';
import { WebhookReceiver } from '../../helpers/webhook-receiver.js';

describe('which addresses webhooks may call', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.20.30.40', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved (documentation)'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['2002:7f00:1::', '6to4 (deprecated)'],
    ['2001:db8::1', 'reserved (documentation)'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '2a00:1450:4009:81f::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'allows the public address %s',
    (address) => {
      expect(nonPublicKind(address)).toBeUndefined();
    },
  );

  it('reads WEBHOOK_ALLOWED_HOSTS as hosts and host:port pairs, and stops the start on anything else', () => {
    const base = { DATA_DIR: '/tmp/ms-ssrf-config', JWT_SECRET: 'x'.repeat(40), SECRETS_KEY: '0'.repeat(64) };
    expect(loadConfig({ ...base, WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.1:9000, Hooks.Internal ,[::1]:8080,[fd00::2]' }).webhooks.allowedHosts).toEqual([
      { hostname: '127.0.0.1', port: 9000 },
      { hostname: 'hooks.internal' },
      { hostname: '[::1]', port: 8080 },
      { hostname: '[fd00::2]' },
    ]);
    expect(loadConfig(base).webhooks.allowedHosts).toEqual([]);
    for (const bad of ['http://a.example', 'a.example:99999', 'a b', '::1', 'a.example/path']) {
      expect(() => loadConfig({ ...base, WEBHOOK_ALLOWED_HOSTS: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, WEBHOOK_ALLOWED_HOSTS: bad }), bad).toThrow(/^invalid configuration: WEBHOOK_ALLOWED_HOSTS must list hosts or host:port pairs/);
    }
    expect(() => loadConfig({ ...base, WEBHOOK_RETRY_BASE_MS: '5000', WEBHOOK_RETRY_MAX_MS: '1000' })).toThrow(/WEBHOOK_RETRY_BASE_MS must not exceed WEBHOOK_RETRY_MAX_MS/);
  });
});

describe('registering a webhook to a non-public address', () => {
  let t: TestApp;
  let api: TamsClient;
  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:9999,allowed.invalid' } });
    api = tamsClient(t);
  });
  afterAll(() => t.close());

  it.each([
    ['http://127.0.0.1:8080/hook', /127\.0\.0\.1 is a loopback address; webhooks may only call public addresses \(an administrator can allow specific hosts with WEBHOOK_ALLOWED_HOSTS\)/],
    ['http://localhost:8000/hook', /localhost resolves to a loopback address/],
    ['http://[::1]/', /::1 is a loopback address/],
    ['http://[::ffff:127.0.0.1]/', /is a loopback address/],
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://10.0.0.8/', /private/],
    ['http://[fd12:3456::1]:8080/', /unique-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://0.0.0.0:8000/', /unspecified/],
    ['http://224.0.0.1/', /multicast/],
    ['http://127.0.0.1:9998/', /loopback/],
    ['ftp://8.8.8.8/', /only http and https URLs can receive webhooks, not ftp:/],
    ['file:///etc/passwd', /only http and https/],
    ['http://user:pass@8.8.8.8/', /must not contain credentials/],
    ['//8.8.8.8/', /is not an absolute URL/],
    ['http://no-such-host.invalid/', /the host no-such-host\.invalid does not resolve/],
  ])('refuses %s with a 400 that says why', async (url, message) => {
    const res = await api.post('/service/webhooks', { url, events: ['flows/created'] });
    expect(res.status).toBe(400);
    expect(res.body.summary).toMatch(/^url: /);
    expect(res.body.summary).toMatch(message);
  });

  it('refuses the same on PUT, and keeps the webhook as it was', async () => {
    const created = await api.post('/service/webhooks', { url: 'http://8.8.8.8/hook', events: ['flows/created'] });
    expect(created.status).toBe(201);
    const res = await api.put(`/service/webhooks/${created.body.id}`, { ...created.body, url: 'http://localhost/' });
    expect(res.status).toBe(400);
    expect((await api.get(`/service/webhooks/${created.body.id}`)).body.url).toBe('http://8.8.8.8/hook');
  });

  it('accepts public addresses and the hosts an administrator allowed (on the port allowed, if one was given)', async () => {
    for (const url of ['http://8.8.8.8/hook', 'https://[2001:4860:4860::8888]/hook', 'http://127.0.0.1:9999/hook', 'https://allowed.invalid/any', 'http://allowed.invalid:81/']) {
      expect((await api.post('/service/webhooks', { url, events: ['flows/created'] })).status, url).toBe(201);
    }
  });
});

describe('checking again at delivery time', () => {
  let receiver: WebhookReceiver;
  let connections = 0;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver.down());

  /** One POST with a transport of its own, closed afterwards. */
  async function post(policy: UrlPolicy, url: string): Promise<number> {
    const transport = new WebhookTransport(policy, 2_000);
    try {
      return await transport.post(new URL(url), Buffer.from('{}'), { 'content-type': 'application/json' });
    } finally {
      transport.close();
    }
  }

  /** A server that counts connection attempts, to show a refused delivery never connected. */
  async function countingServer(): Promise<{ server: Server; port: number }> {
    const server = createServer((_req, res) => res.end('ok'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  it('refuses a name that resolves to a public address at registration and to a private one later (DNS rebinding), before connecting', async () => {
    const { server, port } = await countingServer();
    let calls = 0;
    // Stands in for a DNS server under an attacker's control: a public answer first, then loopback.
    const rebinding: Resolver = async () => [{ address: calls++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
    const policy = new UrlPolicy([], rebinding);
    const url = `http://rebind.example:${port}/hook`;
    await expect(policy.checkRegistration(url)).resolves.toBeInstanceOf(URL);
    const sent = post(policy, url);
    await expect(sent).rejects.toBeInstanceOf(SsrfRefusal);
    await expect(sent).rejects.toThrow(/rebind\.example resolves to a loopback address/);
    expect(connections).toBe(0);
    server.close();
  });

  it('refuses a name with a public and a private address, and a literal address, without connecting', async () => {
    const { server, port } = await countingServer();
    const mixed = new UrlPolicy([], async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    await expect(post(mixed, `http://mixed.example:${port}/`)).rejects.toThrow(/loopback/);
    await expect(post(new UrlPolicy([]), `http://127.0.0.1:${port}/`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    await expect(post(new UrlPolicy([]), `http://localhost:${port}/`)).rejects.toThrow(/localhost resolves to a loopback address/);
    expect(connections).toBe(0);
    expect(await post(new UrlPolicy([{ hostname: 'localhost', port }]), `http://localhost:${port}/`)).toBe(200);
    expect(connections).toBe(1);
    server.close();
  });

  it('refuses to deliver to a webhook registered while its host was allowed, once it no longer is, and says why', async () => {
    const database = await openTestDatabase();
    const allowed = await createTestApp({ database, env: { WEBHOOK_ALLOWED_HOSTS: `localhost:${receiver.port}` } });
    const hook = await tamsClient(allowed).post('/service/webhooks', { url: `http://localhost:${receiver.port}/hook`, events: ['flows/created'] });
    expect(hook.status).toBe(201);
    await allowed.close();
    const restarted = await createTestApp({
      database,
      startWorkers: true,
      env: { WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_RETRY_BASE_MS: '10', WEBHOOK_RETRY_MAX_MS: '20' },
    });
    try {
      const api = tamsClient(restarted);
      const flow = newId();
      expect((await api.put(`/flows/${flow}`, videoFlow(flow, newId()))).status).toBe(201);
      await expect.poll(async () => (await api.get(`/service/webhooks/${hook.body.id}`)).body.status, { timeout: 10_000 }).toBe('error');
      const { error } = (await api.get(`/service/webhooks/${hook.body.id}`)).body;
      expect(error.summary).toMatch(/gave up after 2 failed attempts to deliver flows\/created .* \(last: localhost resolves to a loopback address; webhooks may only call public addresses/);
      expect(receiver.requests).toEqual([]);
      // Its owner can still switch it on and off without the unchanged url being judged again; a new url is.
      const again = await api.put(`/service/webhooks/${hook.body.id}`, { ...hook.body, status: 'created' });
      expect(again.status).toBe(201);
      expect((await api.put(`/service/webhooks/${hook.body.id}`, { ...hook.body, status: 'disabled' })).body.status).toBe('disabled');
      expect((await api.put(`/service/webhooks/${hook.body.id}`, { ...hook.body, url: `http://localhost:${receiver.port}/other`, status: 'disabled' })).status).toBe(400);
    } finally {
      await restarted.close();
      await database.close();
    }
  });
});
