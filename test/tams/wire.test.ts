import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { audioFlow, conformant, newId, tamsClient, type TamsClient } from '../helpers/tams.js';
import { tamsSpec } from '../helpers/tams-spec.js';

/** TAMS wire conventions: JSON errors everywhere, exact content type, 404/405/413/415, and the OpenAPI document. */

let t: TestApp;
let api: TamsClient;

beforeAll(async () => {
  t = await createTestApp({ env: { JSON_BODY_LIMIT: '16kb' } });
  api = tamsClient(t);
});
afterAll(() => t.close());

describe('TAMS wire conventions', () => {
  it('answers unknown paths with a JSON 404 and known paths with the wrong method with 405 and Allow', async () => {
    const unknown = await api.get('/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'NotFound', summary: 'no such endpoint: GET /tams/nothing/here' });
    const post = await api.post('/flows', {});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const patch = conformant(await t.http.patch(`/tams/flows/${newId()}`).set('Authorization', `Bearer ${t.adminToken}`).send({}));
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, HEAD, PUT, DELETE');
    expect(patch.headers['content-type']).toBe('application/json');
  });

  it('answers 415 for a body that is not JSON and 413 for one over the limit, writing nothing', async () => {
    const id = newId();
    const text = conformant(await t.http.put(`/tams/flows/${id}`).set('Authorization', `Bearer ${t.adminToken}`).set('Content-Type', 'text/plain').send('hello'));
    expect(text.status).toBe(415);
    expect(text.headers['content-type']).toBe('application/json');
    const huge = await api.put(`/flows/${id}`, audioFlow(id, newId(), { description: 'x'.repeat(20_000) }));
    expect(huge.status).toBe(413);
    expect((await api.get(`/flows/${id}`)).status).toBe(404);
  });

  it('puts the exact JSON content type on 201, 204, HEAD and error replies (checked on every reply by the test client)', async () => {
    const id = newId();
    const created = await api.put(`/flows/${id}`, audioFlow(id, newId()));
    const replaced = await api.put(`/flows/${id}`, audioFlow(id, created.body.source_id, { label: 'x' }));
    const head = await api.head(`/flows/${id}`);
    for (const res of [created, replaced, head]) expect(res.headers['content-type']).toBe('application/json');
    expect(replaced.status).toBe(204);
    expect(replaced.text).toBe('');
  });
});

describe('the OpenAPI document at /api/openapi.json', () => {
  // Express cannot name a path parameter `request-id`: ours is `requestId`.
  const ourPath = (specPath: string) => specPath.replace('{request-id}', '{requestId}');

  it("has every operation of the spec under the spec's operation ids, with Bearer or Basic", async () => {
    const doc = (await t.http.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string; security?: unknown; responses: Record<string, { content?: unknown }> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    const spec = tamsSpec().document.paths;
    let operations = 0;
    for (const [path, methods] of Object.entries(spec)) {
      for (const [method, op] of Object.entries(methods as Record<string, { operationId?: string }>)) {
        if (!op.operationId) continue; // shared path parameters
        const ours = doc.paths[`/tams${path === '/' ? '/' : ourPath(path)}`]?.[method];
        expect(ours?.operationId, `${method.toUpperCase()} ${path}`).toBe(op.operationId);
        expect(ours!.security).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
        if (method === 'head') for (const r of Object.values(ours!.responses)) expect(r.content).toBeUndefined();
        operations++;
      }
    }
    expect(operations).toBe(85);
    const ours = Object.keys(doc.paths).filter((p) => p.startsWith('/tams'));
    expect(ours.map((p) => p.slice('/tams'.length) || '/').filter((p) => !spec[p] && !spec[p.replace('{requestId}', '{request-id}')])).toEqual([]);
  });
});
