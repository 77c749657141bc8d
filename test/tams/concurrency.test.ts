import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tamsFlowCollections, tamsFlows } from '../../src/tams/flows/flows.tables.js';
import { tamsSegments } from '../../src/tams/segments/segments.tables.js';
import { tamsSources } from '../../src/tams/sources/sources.tables.js';
import type { TestApp } from '../helpers/app.js';
import { audioFlow, multiFlow, newId, outboxMark, type TamsClient, tamsEventsSince, withTamsApp } from '../helpers/tams.js';
import { allocate } from '../helpers/tams-segments.js';
import { parseTimerange, toSqlBounds } from '../../src/tams/timerange.js';

/**
 * Concurrent writes behave as if they ran one after the other in some order: no lost update,
 * no duplicate, no 500 (on PostgreSQL they really overlap; PGlite serialises them).
 */

let t: TestApp;
let api: TamsClient;

withTamsApp((app, client) => ([t, api] = [app, client]));

const N = 10;
const noServerErrors = () => expect(t.logs.filter((l) => (l.level as number) >= 50).map((l) => (l.err as { message?: string })?.message)).toEqual([]);

describe('concurrent writes', () => {
  it('PUTs creating the same flow: one creates it (201), the others replace it in turn (204)', async () => {
    const [id, sourceId] = [newId(), newId()];
    const mark = await outboxMark(t);
    const labels = Array.from({ length: N }, (_, i) => `take ${i}`);
    const results = await Promise.all(labels.map((label) => api.put(`/flows/${id}`, audioFlow(id, sourceId, { label }))));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array<number>(N - 1).fill(204)]);
    const rows = await t.db().select().from(tamsFlows).where(eq(tamsFlows.id, id));
    expect(rows).toHaveLength(1);
    expect(labels).toContain(rows[0]!.label);
    const events = await tamsEventsSince(t, mark);
    expect(events.filter((e) => e.type === 'tams.flows.created')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'tams.sources.created')).toHaveLength(1);
    // every PUT after the first changed the label: one update each, the last one's label is the flow's
    const updates = events.filter((e) => e.type === 'tams.flows.updated');
    expect(updates).toHaveLength(N - 1);
    expect((updates.at(-1)!.payload.event.flow as { label: string }).label).toBe(rows[0]!.label);
    noServerErrors();
  });

  it('tag PUTs on one flow: none is lost', async () => {
    const id = newId();
    await api.put(`/flows/${id}`, audioFlow(id, newId()));
    const results = await Promise.all(Array.from({ length: N }, (_, i) => api.put(`/flows/${id}/tags/t${i}`, `v${i}`)));
    expect(results.every((r) => r.status === 204)).toBe(true);
    const tags = (await api.get(`/flows/${id}/tags`)).body as Record<string, string>;
    expect(Object.keys(tags).sort()).toEqual(Array.from({ length: N }, (_, i) => `t${i}`).sort());
    noServerErrors();
  });

  it('new flows naming one new source: one source, created once', async () => {
    const sourceId = newId();
    const mark = await outboxMark(t);
    const flows = Array.from({ length: N }, () => newId());
    const results = await Promise.all(flows.map((id) => api.put(`/flows/${id}`, audioFlow(id, sourceId))));
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(await t.db().select().from(tamsSources).where(eq(tamsSources.id, sourceId))).toHaveLength(1);
    expect((await tamsEventsSince(t, mark)).filter((e) => e.type === 'tams.sources.created')).toHaveLength(1);
    noServerErrors();
  });

  it('deleting the last flow of a source while another flow joins it: the source stays with the new flow', async () => {
    for (let round = 0; round < 5; round++) {
      const [old, joining, sourceId] = [newId(), newId(), newId()];
      await api.put(`/flows/${old}`, audioFlow(old, sourceId));
      const [deleted, created] = await Promise.all([api.delete(`/flows/${old}`), api.put(`/flows/${joining}`, audioFlow(joining, sourceId))]);
      expect([deleted.status, created.status]).toEqual([204, 201]);
      expect(await t.db().select().from(tamsSources).where(eq(tamsSources.id, sourceId))).toHaveLength(1);
      expect((await api.get(`/flows/${joining}`)).body.source_id).toBe(sourceId);
    }
    noServerErrors();
  });

  it('a collection written while its members are deleted lists only flows that exist', async () => {
    for (let round = 0; round < 5; round++) {
      const members = [newId(), newId()];
      for (const m of members) await api.put(`/flows/${m}`, audioFlow(m, newId()));
      const multi = newId();
      const [put, ...deletes] = await Promise.all([api.put(`/flows/${multi}`, multiFlow(multi, newId(), members)), ...members.map((m) => api.delete(`/flows/${m}`))]);
      expect([201, 400]).toContain(put.status);
      expect(deletes.map((d) => d.status)).toEqual([204, 204]);
      const listed = await t.db().select().from(tamsFlowCollections).where(eq(tamsFlowCollections.collectorId, multi));
      expect(listed).toEqual([]);
    }
    noServerErrors();
  });
});

describe('concurrent segment registration on one flow', () => {
  /** A new flow with `n` objects allocated for it. */
  async function flowWithObjects(n: number): Promise<{ id: string; objects: string[] }> {
    const id = newId();
    expect((await api.put(`/flows/${id}`, audioFlow(id, newId()))).status).toBe(201);
    return { id, objects: (await allocate(api, id, { limit: n })).map((o) => o.object_id) };
  }

  /** The flow's stored segments as [lo, hi) nanoseconds, checked pairwise for overlaps. */
  async function storedRanges(flowId: string): Promise<[bigint, bigint][]> {
    const rows = await t.db().select({ timerange: tamsSegments.timerange }).from(tamsSegments).where(eq(tamsSegments.flowId, flowId));
    const ranges = rows.map((r) => {
      const b = toSqlBounds(parseTimerange(r.timerange))!;
      return [b.lower!, b.upper!] as [bigint, bigint];
    }).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0] >= ranges[i - 1]![1], `stored segments overlap: ${rows.map((r) => r.timerange).join(' ')}`).toBe(true);
    return ranges;
  }

  const addedEvents = async (mark: number, flowId: string) =>
    (await tamsEventsSince(t, mark)).filter((e) => e.type === 'tams.flows.segments_added' && e.subject === flowId).flatMap((e) => e.payload.event.segments as { timerange: string }[]);

  it('single POSTs in overlapping sets: exactly one wins per set, the others get 400 naming the overlap', async () => {
    const SETS = 3;
    const flow = await flowWithObjects(SETS * N);
    const mark = await outboxMark(t);
    // Set g: N segments all overlapping each other ([100g+i, 100g+i+N) for i < N), the sets disjoint; posted interleaved.
    const posts = Array.from({ length: SETS * N }, (_, k) => {
      const [g, i] = [k % SETS, Math.floor(k / SETS)];
      return { set: g, body: { object_id: flow.objects[k]!, timerange: `[${100 * g + i}:0_${100 * g + i + N}:0)` } };
    });
    const answers = await Promise.all(posts.map((p) => api.post(`/flows/${flow.id}/segments`, p.body)));
    for (let g = 0; g < SETS; g++) {
      const mine = answers.filter((_, k) => posts[k]!.set === g);
      expect(mine.map((a) => a.status).sort()).toEqual([201, ...Array<number>(N - 1).fill(400)]);
      for (const refused of mine.filter((a) => a.status === 400)) expect((refused.body as { summary: string }).summary).toMatch(/overlaps/);
    }
    const winners = posts.filter((_, k) => answers[k]!.status === 201).map((p) => p.body.timerange).sort();
    expect((await storedRanges(flow.id)).length).toBe(SETS);
    const stored = (await t.db().select({ timerange: tamsSegments.timerange }).from(tamsSegments).where(eq(tamsSegments.flowId, flow.id))).map((r) => r.timerange).sort();
    expect(stored).toEqual(winners);
    expect((await addedEvents(mark, flow.id)).map((s) => s.timerange).sort()).toEqual(winners);
    noServerErrors();
  });

  it('bulk POSTs of shifted runs: every second is registered once, each refusal listed in failed_segments', async () => {
    const RUN = 6;
    const flow = await flowWithObjects(N * RUN);
    const mark = await outboxMark(t);
    // Client c posts one-second segments [c+j, c+j+1) for j < RUN: neighbouring clients share RUN-1 seconds.
    const bodies = Array.from({ length: N }, (_, c) =>
      Array.from({ length: RUN }, (_, j) => ({ object_id: flow.objects[c * RUN + j]!, timerange: `[${c + j}:0_${c + j + 1}:0)` })),
    );
    const answers = await Promise.all(bodies.map((b) => api.post(`/flows/${flow.id}/segments`, b)));
    let created = 0;
    for (const [c, a] of answers.entries()) {
      expect([200, 201]).toContain(a.status);
      const failed = a.status === 200 ? (a.body as { failed_segments: { object_id: string; error: { summary: string } }[] }).failed_segments : [];
      for (const f of failed) expect(f.error.summary).toMatch(/overlaps/);
      expect(failed.every((f) => bodies[c]!.some((s) => s.object_id === f.object_id))).toBe(true);
      created += RUN - failed.length;
    }
    const seconds = N + RUN - 1;
    const ranges = await storedRanges(flow.id);
    expect(ranges.map(([lo]) => Number(lo / 1_000_000_000n))).toEqual(Array.from({ length: seconds }, (_, s) => s));
    expect(created).toBe(seconds);
    expect((await addedEvents(mark, flow.id)).length).toBe(seconds);
    noServerErrors();
  });
});
