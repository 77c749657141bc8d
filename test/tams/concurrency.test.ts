import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tamsFlowCollections, tamsFlows } from '../../src/tams/flows/flows.tables.js';
import { tamsSources } from '../../src/tams/sources/sources.tables.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { audioFlow, multiFlow, newId, outboxMark, tamsClient, type TamsClient, tamsEventsSince } from '../helpers/tams.js';

/**
 * Concurrent writes behave as if they ran one after the other in some order: no lost update,
 * no duplicate, no 500 (on PostgreSQL they really overlap; PGlite serialises them).
 */

let t: TestApp;
let api: TamsClient;

beforeAll(async () => {
  t = await createTestApp();
  api = tamsClient(t);
});
afterAll(() => t.close());

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
