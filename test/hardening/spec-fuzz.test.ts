import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { newId, videoFlow } from '../helpers/tams.js';
import { encode, rawSegment, withHostile } from './arbitraries.js';
import { sendRaw, type Transport } from './raw-request.js';
import { snapshot, storeFiles } from './snapshot.js';
import { specWrites, type SpecWrite } from './spec-arbitraries.js';

/**
 * Fuzzing of the TAMS write operations from the spec's own JSON schemas (read from the spec
 * directory at test time): every POST and PUT of the spec with a JSON body (flows, segments,
 * storage, webhooks, service, profiles, instances, the source and flow property PUTs) gets
 * bodies a spec-conformant client would send, the same with one member made hostile, and
 * hostile values outright, on path ids that exist, ids that do not and broken path segments;
 * as an administrator and as an ordinary user. Every answer is a success or a 4xx JSON error,
 * and a rejected request leaves the database and the store's files as they were. FUZZ_RUNS
 * cases per operation and caller (`npm run fuzz` runs many more).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let t: TestApp;
let userToken: string;
const known = { flow: newId(), source: newId(), objects: [] as string[], webhooks: [] as string[] };

beforeAll(async () => {
  t = await createTestApp({ env: { JSON_BODY_LIMIT: '2mb', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
  userToken = await t.createUser('spec-fuzzer');
  const auth = { Authorization: `Bearer ${t.adminToken}` };
  expect((await t.http.put(`/tams/flows/${known.flow}`).set(auth).send(videoFlow(known.flow, known.source))).status).toBe(201);
  const alloc = await t.http.post(`/tams/flows/${known.flow}/storage`).set(auth).send({ limit: 3 });
  expect(alloc.status).toBe(201);
  known.objects = (alloc.body as { media_objects: { object_id: string }[] }).media_objects.map((o) => o.object_id);
  for (const token of [t.adminToken, userToken]) {
    const hook = await t.http.post('/tams/service/webhooks').set({ Authorization: `Bearer ${token}` }).send({ url: 'http://127.0.0.1:9/hook', events: ['flows/created'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    known.webhooks.push((hook.body as { id: string }).id);
  }
});
afterAll(() => t?.close());

/** Path parameter values: ids that exist (so the body reaches the services), fresh ids, and broken segments. */
function paramValue(name: string): fc.Arbitrary<string> {
  const fresh = fc.uuid({ version: 4 });
  const existing: Record<string, string[]> = {
    flowId: [known.flow], sourceId: [known.source], objectId: known.objects, webhookId: known.webhooks,
  };
  const ids = existing[name];
  const named = name === 'name' ? fc.string({ minLength: 1, maxLength: 12 }).map(encode) : fresh;
  return fc.oneof({ weight: 4, arbitrary: ids?.length ? fc.constantFrom(...ids) : named }, { weight: 2, arbitrary: named }, { weight: 1, arbitrary: rawSegment });
}

/** Steers some bodies at what exists: a flow PUT naming the flow of its path, segments of allocated objects. */
function steer(op: SpecWrite, params: Record<string, string>, value: unknown, pick: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Copies of the outer levels only: hostile values nest 3000 deep.
  const body: unknown = Array.isArray(value) ? [...(value as unknown[])] : { ...value };
  const list = Array.isArray(body) ? (body as unknown[]) : undefined;
  if (list && (list[0] === null || typeof list[0] !== 'object' || Array.isArray(list[0]))) return body;
  if (list) list[0] = { ...(list[0] as object) };
  const first = (list ? list[0] : body) as Record<string, unknown>;
  if (op.template === '/flows/{flowId}') first.id = params.flowId;
  if (op.template === '/flows/{flowId}/segments') first.object_id = known.objects[pick % known.objects.length];
  if (op.template === '/service/webhooks' || op.template === '/service/webhooks/{webhookId}') first.url = 'http://127.0.0.1:9/hook';
  return body;
}

function caseFor(op: SpecWrite) {
  const names = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = fc.record(Object.fromEntries(names.map((n) => [n, paramValue(n)])) as Record<string, fc.Arbitrary<string>>);
  const transport = fc.constantFrom<Transport>('json', 'json', 'json', 'json', 'truncated');
  return fc.record({ params, body: withHostile(op.body), steered: fc.boolean(), pick: fc.nat(), transport });
}

describe('fuzzing of the TAMS writes from the spec schemas', () => {
  for (const caller of ['admin', 'user'] as const) {
    test(`as ${caller}: success or a 4xx JSON error, and rejected writes change nothing (${RUNS} cases per operation)`, { timeout: Math.max(300_000, RUNS * 10_000) }, async () => {
      const token = caller === 'admin' ? t.adminToken : userToken;
      const ops = specWrites();
      expect(ops.map((o) => `${o.method} ${o.template}`)).toEqual(expect.arrayContaining(['put /flows/{flowId}', 'post /flows/{flowId}/segments', 'post /service/webhooks', 'post /flows/{flowId}/storage', 'put /sources/{sourceId}/label', 'put /flows/{flowId}/tags/{name}']));
      const failures: string[] = [];
      const tally = new Map<string, Record<string, number>>();
      for (const op of ops) {
        const counts: Record<string, number> = {};
        tally.set(op.operationId, counts);
        const details = await fc.check(
          fc.asyncProperty(caseFor(op), async ({ params, body: raw, steered, pick, transport }) => {
            const body = steered ? steer(op, params, raw, pick) : raw;
            const path = `/tams${op.template.replace(/\{(\w+)\}/g, (_m, n: string) => params[n]!)}`;
            const before = await Promise.all([snapshot(t.db()), storeFiles(t.config.filesystemStoreRoot)]);
            const res = await sendRaw(t.baseUrl, op.method, path, transport, body, token);
            const kind = `${res.status}${transport === 'json' && op.isValid(body) ? ' valid' : ''}`;
            counts[kind] = (counts[kind] ?? 0) + 1;
            const where = `${caller} ${op.method.toUpperCase()} ${path.slice(0, 160)} [${transport}] ${JSON.stringify(body)?.slice(0, 300)}: ${res.status} ${res.body.slice(0, 300)}`;
            if (res.status >= 500) throw new Error(`server error: ${where}`);
            if (res.status >= 400 && !/^application\/json/.test(res.contentType)) throw new Error(`error not JSON: ${where}`);
            // A flow made read-only refuses everything else: set it back, or the rest of the run only meets 403s.
            if (res.status < 300 && op.template === '/flows/{flowId}/read_only' && body === true) {
              await t.http.put(path).set({ Authorization: `Bearer ${t.adminToken}`, 'Content-Type': 'application/json' }).send('false');
            }
            if (res.status >= 400) {
              const after = await Promise.all([snapshot(t.db()), storeFiles(t.config.filesystemStoreRoot)]);
              if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`rejected request changed the database or the store: ${where}`);
            }
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        if (details.failed) failures.push(`${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance)} (seed ${details.seed})`);
      }
      console.log(`spec fuzz as ${caller}: answers per operation: ${JSON.stringify(Object.fromEntries(tally))}`);
      const all = [...tally.values()].flatMap((c) => Object.entries(c));
      // Spec-shaped bodies must get through, or only the validators were tested.
      expect(all.some(([k]) => k.startsWith('2'))).toBe(true);
      expect(failures).toEqual([]);
    });
  }
});
