import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { type Client, createMedia, expectError, seedTypes, type Stored, useMediaApp } from './helpers.js';

let t: TestApp;
let api: Client;
let user: Client;
let db: Stored;
useMediaApp({}, (m) => ({ t, admin: api, uma: user, db } = m));

describe('identifier types', () => {
  it('creates a type with a pattern, answers 200 with {name, pattern}, and records history and an event', async () => {
    const res = await api.post('/api/identifier', { name: 'ISAN', pattern: '[0-9A-F]{4}(-[0-9A-F]{4}){3}' }).set('X-Change-Reason', 'catalogue migration');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'ISAN', pattern: '[0-9A-F]{4}(-[0-9A-F]{4}){3}' });
    expect(await db.type('ISAN')).toMatchObject({ pattern: '[0-9A-F]{4}(-[0-9A-F]{4}){3}', createdBy: 'admin' });
    const history = await db.configHistory('identifier_type', 'ISAN');
    expect(history).toMatchObject([{ historyType: '+', historyUser: 'admin', reason: 'catalogue migration', snapshot: res.body }]);
    const events = await db.events('ISAN');
    expect(events).toMatchObject([{ type: 'identifier_type.created', actor: 'admin', payload: res.body }]);
  });

  it('treats a missing or null pattern as "accept anything", as the Python client sends it', async () => {
    expect((await api.post('/api/identifier', { name: 'FILENAME' })).body).toEqual({ name: 'FILENAME', pattern: '' });
    expect((await api.post('/api/identifier', { name: 'NULLPAT', pattern: null })).body).toEqual({ name: 'NULLPAT', pattern: '' });
  });

  it('lists, and gets one by name (404 for an unknown name)', async () => {
    const list = await user.get('/api/identifier/list');
    expect(list.status).toBe(200);
    expect(list.body.map((t: { name: string }) => t.name)).toEqual(['FILENAME', 'ISAN', 'NULLPAT']);
    expect((await user.get('/api/identifier/ISAN')).body.pattern).toBe('[0-9A-F]{4}(-[0-9A-F]{4}){3}');
    expectError(await user.get('/api/identifier/NOPE'), 404, 'identifier type NOPE not found');
  });

  it('refuses a bad regular expression, a taken name and bad names, writing nothing', async () => {
    const before = await db.counts();
    const bad = await api.post('/api/identifier', { name: 'BROKEN', pattern: '([a-z' });
    expectError(bad, 422, /pattern: not a valid regular expression/);
    expect(bad.body.detail[0].loc).toEqual(['body', 'pattern']);
    // A pattern that only compiles once wrapped would change meaning: refused too.
    expectError(await api.post('/api/identifier', { name: 'SNEAKY', pattern: 'a)|(b' }), 422);
    expectError(await api.post('/api/identifier', { name: 'ISAN', pattern: '' }), 409, /already exists/);
    for (const name of ['', 'list', 'has space', 'x'.repeat(65), '../etc', 'nul\u0000']) {
      const res = await api.post('/api/identifier', { name, pattern: '' });
      expectError(res, 422);
      expect(res.body.detail[0].loc).toEqual(['body', 'name']);
    }
    expectError(await api.post('/api/identifier', { name: 'EXTRA', pattern: '', display: 'x' }), 422, /display/);
    expect(await db.counts()).toEqual(before);
  });

  it('changes a pattern with PUT (204) unless values in use would stop matching (409)', async () => {
    await seedTypes(t, { DEMO: '' });
    await createMedia(t, { pid: 'clip-1', identifiers: { FILENAME: 'clip-1.mxf' } });
    const narrowing = await api.put('/api/identifier', { name: 'FILENAME', pattern: '.*\\.ts' });
    expectError(narrowing, 409, 'the new pattern of FILENAME does not match identifiers.FILENAME of clip-1 ("clip-1.mxf"); change those values first');
    expect((await db.type('FILENAME'))?.pattern).toBe('');
    const pidNarrowing = await api.put('/api/identifier', { name: 'DEMO', pattern: 'x-\\d+' });
    expectError(pidNarrowing, 409, /does not match the pid of clip-1/);

    const ok = await api.put('/api/identifier', { name: 'FILENAME', pattern: '.*\\.(mxf|ts)' }).set('X-Change-Reason', 'containers');
    expect(ok.status).toBe(204);
    expect((await db.type('FILENAME'))?.pattern).toBe('.*\\.(mxf|ts)');
    const history = await db.configHistory('identifier_type', 'FILENAME');
    expect(history.map((h) => h.historyType)).toEqual(['+', '~']);
    expect(history[1]).toMatchObject({ reason: 'containers', snapshot: { name: 'FILENAME', pattern: '.*\\.(mxf|ts)' } });
    expect((await db.events('FILENAME')).map((e) => e.type)).toEqual(['identifier_type.created', 'identifier_type.updated']);
    expectError(await api.put('/api/identifier', { name: 'GHOST', pattern: '' }), 404);
  });

  it('refuses to delete a type that media use as pid_type or identifier (409), deletes an unused one (204)', async () => {
    expectError(await api.delete('/api/identifier/DEMO'), 409, 'identifier type DEMO is used by media (e.g. clip-1); it cannot be deleted');
    expectError(await api.delete('/api/identifier/FILENAME'), 409, /used by media \(e\.g\. clip-1\)/);
    expect(await db.type('FILENAME')).toBeDefined();

    expect((await api.delete('/api/identifier/NULLPAT')).status).toBe(204);
    expect(await db.type('NULLPAT')).toBeUndefined();
    expect((await db.configHistory('identifier_type', 'NULLPAT')).map((h) => h.historyType)).toEqual(['+', '-']);
    expect((await db.events('NULLPAT')).at(-1)).toMatchObject({ type: 'identifier_type.deleted', payload: { name: 'NULLPAT', pattern: '' } });
    expectError(await api.delete('/api/identifier/NULLPAT'), 404);
  });

  it("also deletes by body, as AMPLIfy's server does (DELETE /api/identifier {name, pattern})", async () => {
    await api.post('/api/identifier', { name: 'TEMP' });
    expect((await api.delete('/api/identifier', { name: 'TEMP', pattern: '' })).status).toBe(204);
    expect(await db.type('TEMP')).toBeUndefined();
  });

  it('serves the history of a type, newest first', async () => {
    const res = await user.get('/api/identifier/FILENAME/history');
    expect(res.status).toBe(200);
    expect(res.body.history.map((h: { history_type: string }) => h.history_type)).toEqual(['~', '+']);
    expect(res.body.history[0]).toMatchObject({ history_user: 'admin', history_change_reason: 'containers', snapshot: { pattern: '.*\\.(mxf|ts)' } });
    expectError(await user.get('/api/identifier/NEVER/history'), 404);
  });

  it('leaves writes to administrators (403) but lets users read', async () => {
    expectError(await user.post('/api/identifier', { name: 'MINE' }), 403, 'administrator role required');
    expectError(await user.put('/api/identifier', { name: 'ISAN', pattern: '' }), 403);
    expectError(await user.delete('/api/identifier/ISAN'), 403);
    expect((await user.get('/api/identifier/list')).status).toBe(200);
    expectError(await t.http.get('/api/identifier/list'), 401);
  });
});
