import { and, eq } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { eventOutbox } from '../../src/events/outbox.tables.js';
import { mediaHistory } from '../../src/media/history.tables.js';
import { media } from '../../src/media/media.tables.js';
import type { TestApp } from '../helpers/app.js';
import { client, RAM_STORE, useMediaApp, type Client } from '../media/helpers.js';

/**
 * Concurrent clients get what some serial order of their requests would give: one winner for
 * one pid, no lost update on one record, one history row and one event per change.
 */

let t: TestApp;
let api: Client;
useMediaApp({ types: { DEMO: '' } }, (m) => ({ t, admin: api } = m));

const N = 12;

describe('concurrent writes to one media record', () => {
  test('parallel creates of the same pid: exactly one wins, the others get 409, one row, one history entry, one event', async () => {
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => api.post('/api/media', { pid: 'race-1', pid_type: 'DEMO', store_config: RAM_STORE, metadata: { writer: i } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(N - 1).fill(409)]);
    const winner = answers.find((a) => a.status === 200)!.body as { metadata: { writer: number } };
    const rows = await t.db().select().from(media).where(eq(media.pid, 'race-1'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.metadata).toEqual(winner.metadata);
    expect(await t.db().select().from(mediaHistory).where(eq(mediaHistory.pid, 'race-1'))).toHaveLength(1);
    expect(await t.db().select().from(eventOutbox).where(and(eq(eventOutbox.subject, 'race-1'), eq(eventOutbox.type, 'media.created')))).toHaveLength(1);
  });

  test('parallel metadata patches of distinct keys: none is lost, one history row each', async () => {
    expect((await api.post('/api/media', { pid: 'race-2', pid_type: 'DEMO', store_config: RAM_STORE, metadata: { base: true } })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => api.patch('/api/media/update/metadata', [{ pid: 'race-2', data: { [`k${i}`]: i } }])));
    expect(answers.map((a) => a.status)).toEqual(Array<number>(N).fill(200));
    const [row] = await t.db().select().from(media).where(eq(media.pid, 'race-2'));
    expect(row!.metadata).toEqual({ base: true, ...Object.fromEntries(Array.from({ length: N }, (_, i) => [`k${i}`, i])) });
    const history = await t.db().select().from(mediaHistory).where(eq(mediaHistory.pid, 'race-2'));
    expect(history).toHaveLength(N + 1);
    // Each snapshot holds one more key than the one before: the changes were applied one after another.
    const sizes = history.map((h) => Object.keys((h.snapshot as { metadata: object }).metadata).length).sort((a, b) => a - b);
    expect(sizes).toEqual(Array.from({ length: N + 1 }, (_, i) => i + 1));
  });

  test('a delete racing metadata patches: the record is gone and every patch either applied before it or answered as a failure', async () => {
    expect((await api.post('/api/media', { pid: 'race-3', pid_type: 'DEMO', store_config: RAM_STORE })).status).toBe(200);
    const user = client(t);
    const [deleted, ...patches] = await Promise.all([
      user.delete('/api/media/race-3'),
      ...Array.from({ length: N }, (_, i) => user.patch('/api/media/update/metadata', [{ pid: 'race-3', data: { [`k${i}`]: i } }])),
    ]);
    expect(deleted!.status).toBeLessThan(300);
    for (const p of patches) {
      expect(p.status).toBe(200);
      const body = p.body as { successes: string[]; failures: unknown[] };
      expect(body.successes.length + body.failures.length).toBe(1);
    }
    expect(await t.db().select().from(media).where(eq(media.pid, 'race-3'))).toHaveLength(0);
    const applied = patches.filter((p) => (p.body as { successes: string[] }).successes.length).length;
    // +, one ~ per applied patch, -
    expect(await t.db().select().from(mediaHistory).where(eq(mediaHistory.pid, 'race-3'))).toHaveLength(applied + 2);
  });
});
