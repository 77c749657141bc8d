import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  parameters?: { name: string; in: string; schema: { type?: string } }[];
}

let t: TestApp;
let paths: Record<string, Record<string, Operation>>;
beforeAll(async () => {
  t = await createTestApp();
  paths = (await t.http.get('/api/openapi.json')).body.paths;
});
afterAll(() => t.close());

describe('the media endpoints in /api/openapi.json', () => {
  it('documents every AMPLIfy path and method, tagged and summarised', () => {
    const expected: [string, string][] = [
      ['/api/identifier/list', 'get'], ['/api/identifier/{name}', 'get'], ['/api/identifier', 'post'], ['/api/identifier', 'put'],
      ['/api/identifier/{name}', 'delete'], ['/api/s3cfgs', 'get'], ['/api/s3cfg', 'post'], ['/api/s3cfg/{pk}', 'get'],
      ['/api/s3cfg/{pk}', 'put'], ['/api/s3cfg/{pk}', 'delete'], ['/api/stores', 'get'], ['/api/store', 'post'],
      ['/api/store/{pk}', 'get'], ['/api/store/{pk}', 'delete'], ['/api/media', 'post'], ['/api/media/{pid}', 'get'],
      ['/api/media/{pid}', 'patch'], ['/api/media/{pid}', 'delete'], ['/api/media/dump', 'get'], ['/api/media/create', 'post'],
      ['/api/media/read', 'post'], ['/api/media/delete', 'post'], ['/api/media/update', 'patch'], ['/api/media/update/tags', 'patch'],
      ['/api/media/update/tags', 'put'], ['/api/media/update/storekeys', 'put'], ['/api/media/update/identifiers', 'put'],
      ['/api/media/update/metadata', 'put'], ['/api/media/update/metadata', 'patch'], ['/api/media/update/metadata', 'delete'],
      ['/api/media/search', 'post'], ['/api/media/{pid}/history', 'get'],
    ];
    for (const [path, method] of expected) {
      const op = paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op!.tags.length).toBe(1);
      expect(op!.summary.length).toBeGreaterThan(10);
    }
  });

  it('describes the pid as one string parameter, and the paging of /api/media/dump', () => {
    const pid = paths['/api/media/{pid}']!.get!.parameters!.find((p) => p.name === 'pid')!;
    expect(pid).toMatchObject({ in: 'path', schema: { type: 'string' } });
    const dump = paths['/api/media/dump']!.get! as Operation & { description: string };
    expect(dump.description).toMatch(/X-Paging-NextKey/);
    expect(dump.parameters!.map((p) => p.name)).toEqual(['limit', 'cursor']);
  });
});
