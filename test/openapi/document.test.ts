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

  it('serves Swagger UI at /api/docs pointing at the document', async () => {
    const page = await t.http.get('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Mediastore API</title>');
    const init = await t.http.get('/api/docs/swagger-ui-init.js');
    expect(init.text).toContain('/api/openapi.json');
  });
});
