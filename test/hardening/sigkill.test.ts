import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { freePort, startServerProcess, waitForOk, type ServerProcess } from '../helpers/process.js';

/**
 * The server process killed with SIGKILL in the middle of bulk writes and metadata patches,
 * with event sequencing (and RabbitMQ dispatch when AMQP_URL is set) running: after a restart
 * every acknowledged write is there, each bulk request is all or nothing, every record has its
 * history row and its event, no event reports a change that was not committed, and the events
 * left unsequenced at the kill are sequenced by the restarted process. On a private PostgreSQL.
 */

const bin = postgresBin();
if (!bin) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 but initdb was not found under /usr/lib/postgresql/*/bin');
  console.warn('SKIPPED SIGKILL tests: initdb not found under /usr/lib/postgresql/*/bin');
}

let db: PrivatePostgres;
let dataDir: string;
const servers: ServerProcess[] = [];
/** The exchange the servers published to (one of the test's own), deleted after the test. */
let exchange: string | undefined;
beforeAll(async () => {
  if (!bin) return;
  db = await startPrivatePostgres(bin);
  dataDir = mkdtempSync(path.join(tmpdir(), 'ms-kill-'));
}, 120_000);
afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  db?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (exchange && process.env.AMQP_URL) {
    const connection = await connect(process.env.AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteExchange(exchange);
    await connection.close();
  }
});

const BATCH = 20;

describe.skipIf(!bin)('SIGKILL during bulk writes and event dispatch', () => {
  test('after a restart the data and the events are consistent', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    exchange = `ms-kill-${port}`;
    const env = {
      PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: db.url, LOG_LEVEL: 'warn',
      SUPERUSER_USERNAME: 'admin', SUPERUSER_PASSWORD: 'admin-password-kill', ...(process.env.AMQP_URL ? { AMQP_URL: process.env.AMQP_URL, AMQP_EXCHANGE: exchange } : {}),
    };
    const start = async () => {
      const server = startServerProcess(env);
      servers.push(server);
      await waitForOk(`${base}/api/hello`);
      return server;
    };
    const first = await start();
    const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'admin-password-kill' }) });
    const { token } = (await login.json()) as { token: string };
    const call = (method: string, p: string, body: unknown) =>
      fetch(`${base}${p}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect((await call('POST', '/api/identifier', { name: 'DEMO', pattern: '' })).status).toBe(200);

    const acknowledged = new Set<string>();
    let stop = false;
    const worker = async (w: number) => {
      for (let b = 0; !stop; b++) {
        const batch = `w${w}-b${b}`;
        const items = Array.from({ length: BATCH }, (_, i) => ({ pid: `${batch}-${i}`, pid_type: 'DEMO', store_config: { type: 'DictStore', bucket: 'kill', s3_url: '' }, metadata: { batch } }));
        try {
          const res = await call('POST', '/api/media/create', items);
          if (res.status === 200) items.forEach((i) => acknowledged.add(i.pid));
          await call('PATCH', '/api/media/update/metadata', [{ pid: items[0]!.pid, data: { patched: true } }]);
        } catch {
          return; // the server is gone
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    while (acknowledged.size < 200) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    stop = true;
    await load;
    await first.exited;

    await start();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const q = async <T>(text: string) => (await client.query(text)).rows as T[];
      const pids = new Set((await q<{ pid: string }>("select pid from media where pid like 'w%'")).map((r) => r.pid));
      for (const pid of acknowledged) expect(pids.has(pid), `acknowledged ${pid} lost`).toBe(true);
      // All or nothing per bulk request.
      const partial = await q<{ batch: string; n: string }>(`select metadata->>'batch' as batch, count(*) as n from media where pid like 'w%' group by 1 having count(*) <> ${BATCH}`);
      expect(partial).toEqual([]);
      // One creation history row and one media.created event per record, none for anything else.
      const history = await q<{ pid: string }>("select pid from media_history where history_type = '+' and pid like 'w%'");
      expect(history.map((h) => h.pid).sort()).toEqual([...pids].sort());
      const created = await q<{ subject: string }>("select subject from event_outbox where type = 'media.created' and subject like 'w%'");
      expect(created.map((e) => e.subject).sort()).toEqual([...pids].sort());
      // A patch's history row and event exist exactly when the patch is in the record.
      const patched = await q<{ pid: string }>("select pid from media where metadata ? 'patched'");
      const patchEvents = await q<{ subject: string }>("select subject from event_outbox where type = 'media.updated' and subject like 'w%'");
      expect(patchEvents.map((e) => e.subject).sort()).toEqual(patched.map((p) => p.pid).sort());
      // Events committed but not yet sequenced when the process died are sequenced after the restart.
      let unsequenced = -1;
      for (let i = 0; i < 50 && unsequenced !== 0; i++) {
        unsequenced = Number((await q<{ n: string }>('select count(*) as n from event_outbox where id is null'))[0]!.n);
        if (unsequenced) await new Promise((r) => setTimeout(r, 200));
      }
      expect(unsequenced).toBe(0);
    } finally {
      await client.end();
    }
  });
});
