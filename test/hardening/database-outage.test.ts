import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { postgresBin, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';

/**
 * PostgreSQL stopped in the middle of a run (a private server: the shared one is never
 * stopped): requests answer 503 JSON promptly, /readyz says why, and the service recovers on
 * its own once the database is back, with what was stored before intact.
 */

const bin = postgresBin();
const required = process.env.REQUIRE_SERVICES === '1';
if (!bin) {
  if (required) throw new Error('REQUIRE_SERVICES=1 but initdb was not found under /usr/lib/postgresql/*/bin');
  console.warn('SKIPPED database-outage tests: initdb not found under /usr/lib/postgresql/*/bin');
}

let pg: PrivatePostgres;
let t: TestApp;

beforeAll(async () => {
  if (!bin) return;
  pg = await startPrivatePostgres(bin);
  const database = openDatabase({ url: pg.url, poolSize: 4 });
  await database.migrate();
  t = await createTestApp({ database: { ...database, url: pg.url } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await t?.database.close();
  pg?.remove();
});

const timed = async <T>(fn: () => Promise<T>) => {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
};

describe.skipIf(!bin)('PostgreSQL down mid-run', () => {
  test('503 JSON quickly on both faces, /readyz reports it, recovery on its own, data intact', { timeout: 120_000 }, async () => {
    const created = await t.http.post('/api/identifier').set(bearer(t.adminToken)).send({ name: 'before_outage', pattern: '^x-.*$' });
    expect(created.status).toBeLessThan(300);
    expect((await t.http.get('/readyz')).status).toBe(200);

    pg.stop();

    const api = await timed(() => t.http.get('/api/identifier/list').set(bearer(t.adminToken)));
    expect(api.value.status).toBe(503);
    expect(api.value.headers['content-type']).toMatch(/^application\/json/);
    expect(api.value.body).toMatchObject({ error: 'database unavailable, try again shortly' });
    expect(api.ms).toBeLessThan(6_000);

    const tams = await timed(() => t.http.get('/tams/flows').set(bearer(t.adminToken)));
    expect(tams.value.status).toBe(503);
    expect(tams.value.headers['content-type']).toBe('application/json');
    expect(tams.value.body).toMatchObject({ type: 'ServiceUnavailable' });

    const write = await t.http.post('/api/identifier').set(bearer(t.adminToken)).send({ name: 'during_outage', pattern: '^y-.*$' });
    expect(write.status).toBe(503);

    const ready = await timed(() => t.http.get('/readyz'));
    expect(ready.value.status).toBe(503);
    expect(ready.value.body).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });
    expect(ready.ms).toBeLessThan(6_000);
    expect((await t.http.get('/healthz')).status).toBe(200);

    pg.start();

    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await t.http.get('/readyz')).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(200);
    const list = await t.http.get('/api/identifier/list').set(bearer(t.adminToken));
    expect(list.status).toBe(200);
    const names = JSON.stringify(list.body);
    expect(names).toContain('before_outage');
    expect(names).not.toContain('during_outage');
    expect((await t.http.post('/api/identifier').set(bearer(t.adminToken)).send({ name: 'after_outage', pattern: '^z-.*$' })).status).toBeLessThan(300);
  });
});
