import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let doc: {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security?: unknown[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};
beforeAll(async () => {
  t = await createTestApp();
  doc = (await t.http.get('/api/openapi.json')).body;
});
afterAll(() => t.close());

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document with a bearer security scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents the endpoints with the schemas that validate them', () => {
    const login = doc.paths['/api/login']!.post!;
    expect(login.operationId).toBe('login');
    expect(login.security).toBeUndefined();
    expect(Object.keys(login.requestBody!.content)).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    expect(doc.components.schemas.Login).toMatchObject({ type: 'object', required: ['username', 'password'] });
    const createUser = doc.paths['/api/users']!.post!;
    expect(createUser.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(createUser.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '422']));
    expect(doc.components.schemas.CreateUser).toMatchObject({ additionalProperties: false });
    expect(doc.paths['/api/users/{username}']!.patch!.operationId).toBe('updateUser');
    expect(doc.paths['/oauth2/token']!.post!.requestBody!.content).toHaveProperty('application/x-www-form-urlencoded');
  });

  it('gives every operation a unique operation id', () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('serves Swagger UI at /api/docs with a select of the two views, token kept across them', async () => {
    const page = await t.http.get('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Mediastore API</title>');
    const init = await t.http.get('/api/docs/swagger-ui-init.js');
    expect(init.text).toMatch(/"urls":\s*\[\s*\{\s*"url":\s*"\/api\/openapi\/api.json",\s*"name":\s*"Mediastore API"\s*\},\s*\{\s*"url":\s*"\/api\/openapi\/tams.json",\s*"name":\s*"TAMS 8.2"/);
    expect(init.text).toMatch(/"persistAuthorization":\s*true/);
  });
});

describe('GET /api/openapi/{api,tams}.json', () => {
  const operations = (d: typeof doc) => Object.entries(d.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));

  it('split the document: together every operation, each once, with the components whole', async () => {
    const api = (await t.http.get('/api/openapi/api.json').expect(200)).body as typeof doc;
    const tams = (await t.http.get('/api/openapi/tams.json').expect(200)).body as typeof doc;
    expect(Object.keys(api.paths).every((path) => !path.startsWith('/tams'))).toBe(true);
    expect(Object.keys(api.paths)).toEqual(expect.arrayContaining(['/api/login', '/oauth2/token']));
    expect(Object.keys(tams.paths).length).toBeGreaterThan(0);
    expect(Object.keys(tams.paths).every((path) => path === '/tams' || path.startsWith('/tams/'))).toBe(true);
    expect([...operations(api), ...operations(tams)].sort()).toEqual(operations(doc).sort());
    expect(api.components).toEqual(doc.components);
    expect(tams.components).toEqual(doc.components);
  });

  it('keep each view below the 150 rows (tags plus operations) from which Swagger UI virtualises', async () => {
    for (const name of ['api', 'tams']) {
      const view = (await t.http.get(`/api/openapi/${name}.json`)).body as typeof doc;
      const tags = new Set(Object.values(view.paths).flatMap((ops) => Object.values(ops).flatMap((op) => (op as { tags?: string[] }).tags ?? [])));
      expect(operations(view).length + tags.size, name).toBeLessThan(150);
    }
  });
});
