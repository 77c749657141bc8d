import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { client, createMedia, expectError, useMediaApp, type Client, type Stored } from './helpers.js';

let t: TestApp;
let api: Client;
let other: Client;
let db: Stored;
useMediaApp({ types: { DEMO: '' } }, (m) => ({ t, uma: api, db } = m));
beforeAll(async () => {
  other = client(t, await t.createUser('otto'));
});

interface Entry {
  history_id: number;
  history_type: string;
  history_date: string;
  history_user: string;
  history_change_reason: string | null;
  pid: string;
  snapshot: Record<string, unknown>;
}

describe('GET /api/media/{pid}/history', () => {
  it('lists every change newest first: type, time, user, reason and the whole record', async () => {
    const created = await createMedia(t, { pid: 'hist', tags: ['a'] });
    await api.patch('/api/media/update/tags', [{ pid: 'hist', tags: ['b'] }]).set('X-Change-Reason', 'tagging');
    await other.put('/api/media/update/metadata', [{ pid: 'hist', keys: ['title'], data: 'Evening news' }]).set('X-Change-Reason', 'cataloguing');
    const res = await api.get('/api/media/hist/history');
    expect(res.status).toBe(200);
    const entries = res.body.history as Entry[];
    expect(entries.map((e) => [e.history_type, e.history_user, e.history_change_reason])).toEqual([
      ['~', 'otto', 'cataloguing'],
      ['~', 'uma', 'tagging'],
      ['+', 'admin', null],
    ]);
    expect(entries[2]!.snapshot).toEqual(created);
    expect(entries[1]!.snapshot).toMatchObject({ tags: ['a', 'b'], metadata: {} });
    expect(entries[0]!.snapshot).toEqual((await api.get('/api/media/hist')).body);
    expect(entries[0]!.snapshot).toMatchObject({ updated_by: 'otto', metadata: { title: 'Evening news' } });
    expect(Date.parse(entries[0]!.history_date)).toBeGreaterThanOrEqual(Date.parse(entries[1]!.history_date));
    expect(res.body.next_cursor).toBeNull();
  });

  it('pages with limit and next_cursor', async () => {
    const first = await api.get('/api/media/hist/history?limit=2');
    expect(first.body.history.map((e: Entry) => e.history_type)).toEqual(['~', '~']);
    const rest = await api.get(`/api/media/hist/history?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body.history.map((e: Entry) => e.history_type)).toEqual(['+']);
    expect(rest.body.next_cursor).toBeNull();
    expectError(await api.get('/api/media/hist/history?limit=0'), 422, /limit/);
    expectError(await api.get('/api/media/hist/history?cursor=%00'), 422, /cursor/);
  });

  it('still answers after deletion, ending with the "-" entry', async () => {
    expect((await api.delete('/api/media/hist').set('X-Change-Reason', 'withdrawn')).status).toBe(204);
    const res = await api.get('/api/media/hist/history');
    expect(res.body.history[0]).toMatchObject({ history_type: '-', history_change_reason: 'withdrawn', snapshot: { pid: 'hist', metadata: { title: 'Evening news' } } });
    expect(res.body.history).toHaveLength(4);
  });

  it('follows a record across renames, and covers every record that had the pid', async () => {
    const first = await createMedia(t, { pid: 'alpha' });
    await api.patch('/api/media/alpha', { new_pid: 'beta' });
    const second = await createMedia(t, { pid: 'alpha' });
    const alpha = (await api.get('/api/media/alpha/history')).body.history as Entry[];
    expect(alpha.map((e) => [e.snapshot.pk, e.history_type, e.pid])).toEqual([
      [second.pk, '+', 'alpha'],
      [first.pk, '~', 'beta'],
      [first.pk, '+', 'alpha'],
    ]);
    const beta = (await api.get('/api/media/beta/history')).body.history as Entry[];
    expect(beta.map((e) => [e.history_type, e.pid])).toEqual([['~', 'beta'], ['+', 'alpha']]);
  });

  it('answers 404 for a pid no record ever had', async () => {
    expectError(await api.get('/api/media/never/history'), 404, 'media never not found (and never existed)');
  });

  it('writes history only for changes that happened: a refused request leaves none', async () => {
    const before = (await db.history('beta')).length;
    expectError(await api.patch('/api/media/beta', { pid_type: 'NOPE' }), 422);
    await api.patch('/api/media/update/tags', [{ pid: 'beta', tags: [] }]);
    expect((await db.history('beta')).length).toBe(before);
  });
});
