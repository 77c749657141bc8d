import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ZodObject } from 'zod';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { encode, fuzzValue, rawSegment } from './arbitraries.js';
import { sendRaw, type Transport } from './raw-request.js';
import { operations, type Operation } from './routes.js';
import { snapshot } from './snapshot.js';

/**
 * Schema-driven fuzzing of every operation of every route table, as an administrator (so the
 * input reaches validation and the services): path parameters, query parameters and bodies
 * from the zod schemas and hostile values, sent as JSON, with the wrong content type, truncated,
 * or as invalid UTF-8. Every answer is a success or a 4xx JSON error, never a 5xx, and a
 * rejected write leaves every table as it was. FUZZ_RUNS cases per operation (`npm run fuzz`
 * runs many more).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let t: TestApp;
let userToken: string;
beforeAll(async () => {
  t = await createTestApp({ env: { LOGIN_RATE_LIMIT: '1000000', JSON_BODY_LIMIT: '2mb' } });
  userToken = await t.createUser('fuzz-user');
});
afterAll(() => t?.close());

function caseFor(op: Operation) {
  const params = fc.array(rawSegment, { minLength: 4, maxLength: 4 });
  const queryShape = (op.route.query as ZodObject | undefined)?.shape ?? {};
  const queryKeys = Object.keys(queryShape).map((k) => k.replace('{name}', 'x'));
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...(queryKeys.length ? queryKeys : ['q'])), fc.constantFrom('unknown', 'tag.', '__proto__')), rawSegment), { maxLength: 4 });
  const transport = fc.constantFrom<Transport>(...(op.route.bodyTypes?.includes('form') ? ['form', 'json', 'truncated'] as const : ['json', 'json', 'json', 'wrong-type', 'truncated', 'invalid-utf8', 'none'] as const));
  return fc.record({ params, query, transport, body: fuzzValue(op.route.body) });
}

function pathOf(op: Operation, params: string[], query: [string, string][]): string {
  let i = 0;
  const path = op.basePath + op.route.path.replace(/[:*]\w+/g, () => params[i++ % params.length]!);
  return query.length ? `${path}?${query.map(([k, v]) => `${encode(k)}=${v}`).join('&')}` : path;
}

describe('schema-driven fuzzing of every route', () => {
  test('the database snapshot sees a change of a single row', async () => {
    const before = await snapshot(t.db());
    expect(await snapshot(t.db())).toEqual(before);
    await t.ctx.users.create('test', { username: 'snapshot-probe', password: 'probe-password', is_admin: false });
    const after = await snapshot(t.db());
    expect(after.users).not.toEqual(before.users);
    expect(Object.keys(after)).toEqual(Object.keys(before));
  });

  // As an ordinary user too: the authorisation checks and the user's own paths (webhooks, 403s after validation) see the same input.
  test.for(['admin', 'user'] as const)('as %s: every operation answers success or a 4xx JSON error, and rejected writes change nothing', { timeout: 600_000 }, async (caller) => {
    const token = caller === 'admin' ? t.adminToken : userToken;
    const ops = operations(t);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const op of ops) {
      const details = await fc.check(
        fc.asyncProperty(caseFor(op), async ({ params, query, transport, body }) => {
          const path = pathOf(op, params, query);
          const writes = op.method !== 'get' && op.method !== 'head';
          const before = writes ? await snapshot(t.db()) : undefined;
          const hasBody = (op.route.body !== undefined || op.route.rawBody !== undefined) && op.method !== 'get' && op.method !== 'head';
          const res = await sendRaw(t.baseUrl, op.method, path, hasBody ? transport : 'none', body, token);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const where = `${caller} ${op.name} → ${path.slice(0, 200)} [${transport}]: ${res.status} ${res.body.slice(0, 300)}`;
          if (res.status >= 500) throw new Error(`server error: ${where}`);
          if (res.status >= 400 && op.method !== 'head' && !/^application\/json/.test(res.contentType)) throw new Error(`error not JSON: ${where}`);
          if (before && res.status >= 400) {
            const after = await snapshot(t.db());
            if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`rejected request changed the database: ${where}`);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      if (details.failed) failures.push(`${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance)} (seed ${details.seed})`);
    }
    console.log(`fuzz as ${caller} (${RUNS} cases per operation): ${ops.length} operations, answers by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    // Some cases must get through validation, or the fuzzing only tests the validators.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect(failures).toEqual([]);
  });
});
