import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY, formatTimerange, hull, NS_PER_SECOND, overlaps, parseTimerange, timerange, type TimeRange } from '../../src/tams/timerange.js';
import { allocate } from '../helpers/tams-segments.js';
import { newId, type TamsClient, videoFlow, withTamsApp } from '../helpers/tams.js';

/**
 * Overlaps are found with the btree on (flow_id, lower(range)) (segments.repo `overlapsSql`, the
 * registration probe), which is right only because a flow's segments never overlap. These
 * properties compare the store with `overlaps` of the timerange module on small timestamps, where
 * clusivity decides (`[0:0_1:0]` and `[1:0_2:0)` share 1:0).
 */

let api: TamsClient;

withTamsApp((_, client) => (api = client));

const second = (n: number) => BigInt(n) * NS_PER_SECOND;

/** A bounded, non-empty range on whole seconds in [0, 30], either clusivity at each end. */
const segmentRange = fc
  .record({ start: fc.integer({ min: 0, max: 27 }), length: fc.integer({ min: 1, max: 3 }), si: fc.boolean(), ei: fc.boolean() })
  .map(({ start, length, si, ei }) => timerange(second(start), second(start + length), si, ei));

/** Any query range: either side unbounded or not, either clusivity, possibly empty. */
const queryRange = fc
  .record({ start: fc.option(fc.integer({ min: -2, max: 32 })), end: fc.option(fc.integer({ min: -2, max: 32 })), si: fc.boolean(), ei: fc.boolean() })
  .map(({ start, end, si, ei }) => timerange(start === null ? null : second(start), end === null ? null : second(end), si, ei));

async function newFlow(): Promise<string> {
  const id = newId();
  expect((await api.put(`/flows/${id}`, videoFlow(id, newId()))).status).toBe(201);
  return id;
}

/** Registers each range in turn, one POST each; returns the ranges registered (201), in order. */
async function register(flowId: string, ranges: TimeRange[]): Promise<TimeRange[]> {
  const objects = await allocate(api, flowId, { limit: ranges.length });
  const registered: TimeRange[] = [];
  for (const [i, r] of ranges.entries()) {
    const res = await api.post(`/flows/${flowId}/segments`, { object_id: objects[i]!.object_id, timerange: formatTimerange(r) });
    const clashes = registered.filter((e) => overlaps(e, r)).map(formatTimerange);
    expect(res.status, `${formatTimerange(r)} after ${registered.map(formatTimerange).join(' ')}`).toBe(clashes.length ? 400 : 201);
    if (clashes.length) expect(clashes).toContain(/overlaps the flow's segment (\S+)$/.exec((res.body as { summary: string }).summary)?.[1]);
    else registered.push(r);
  }
  return registered;
}

const byStart = (a: TimeRange, b: TimeRange) => (a.start! < b.start! ? -1 : 1);

describe('overlaps on the ordered start index', () => {
  it('registration refuses exactly the segments overlapping one registered before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segmentRange, { minLength: 2, maxLength: 12 }), async (ranges) => {
        const flowId = await newFlow();
        const registered = await register(flowId, ranges);
        const res = await api.get(`/flows/${flowId}/segments`);
        expect((res.body as { timerange: string }[]).map((s) => s.timerange)).toEqual([...registered].sort(byStart).map(formatTimerange));
      }),
      { numRuns: 12 },
    );
  });

  it('GET segments, GET /flows?timerange= and include_timerange find exactly the overlapping segments', async () => {
    const flowId = await newFlow();
    const registered = (await register(flowId, fc.sample(segmentRange, { numRuns: 40, seed: 7 }))).sort(byStart);
    expect(registered.length).toBeGreaterThan(8);
    await fc.assert(
      fc.asyncProperty(queryRange, fc.boolean(), async (q, reverse) => {
        const expected = registered.filter((r) => overlaps(r, q));
        const query = `timerange=${encodeURIComponent(formatTimerange(q))}`;
        const segments = await api.get(`/flows/${flowId}/segments?${query}&reverse_order=${reverse}`);
        expect(segments.status).toBe(200);
        const inOrder = expected.map(formatTimerange);
        expect((segments.body as { timerange: string }[]).map((s) => s.timerange)).toEqual(reverse ? inOrder.reverse() : inOrder);

        const flows = await api.get(`/flows?${query}&source_id=${(await api.get(`/flows/${flowId}`)).body.source_id}`);
        expect((flows.body as { id: string }[]).map((f) => f.id)).toEqual(expected.length ? [flowId] : []);

        const flow = await api.get(`/flows/${flowId}?include_timerange=true&${query}`);
        expect(flow.body.timerange).toBe(formatTimerange(expected.reduce(hull, EMPTY)));
      }),
      { numRuns: 60 },
    );
    // The limit of one page: a range starting inside a segment still finds that segment first.
    const inside = registered.find((r) => r.end! - r.start! > 1n)!;
    const from = formatTimerange(timerange(inside.start! + 1n, null));
    const first = await api.get(`/flows/${flowId}/segments?timerange=${encodeURIComponent(from)}&limit=1`);
    expect(parseTimerange((first.body as { timerange: string }[])[0]!.timerange)).toEqual(inside);
  });
});
