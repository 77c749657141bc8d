import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('probes', () => {
  it('GET /api/hello answers the AMPLIfy greeting without a token', async () => {
    const res = await t.http.get('/api/hello');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ msg: 'Hello, world!' });
  });

  it('GET /healthz reports the process alive', async () => {
    expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports the database, and 503 once it is gone', async () => {
    const ok = await t.http.get('/readyz');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ok', checks: { database: 'ok' } });
    t.ctx.readiness.push({ name: 'broker', required: false, check: () => Promise.reject(new Error('down')) });
    const degraded = await t.http.get('/readyz');
    expect(degraded.status).toBe(200);
    expect(degraded.body).toEqual({ status: 'degraded', checks: { database: 'ok', broker: 'degraded' } });
    t.ctx.readiness.pop();
    await t.database.close();
    const down = await t.http.get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', checks: { database: 'down' } });
  });

  it('security headers are set and no framework banner leaks', async () => {
    const res = await t.http.get('/api/hello');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
