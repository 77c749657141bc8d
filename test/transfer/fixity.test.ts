import { writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { Readable } from 'node:stream';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { client } from '../media/helpers.js';
import { bytesOf, md5, sha256, useTransferApp, type TransferTestApp } from './helpers.js';

let x: TransferTestApp;
useTransferApp((m) => (x = m));

async function uploaded(pid: string, store: keyof TransferTestApp['stores'], bytes: Buffer, tags: string[] = []) {
  const res = await x.api.post('/api/upload', { mediadata: { pid, pid_type: 'DEMO', store_config: x.stores[store], tags }, base64: bytes.toString('base64') });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (await x.db.media(pid))!;
}

/** Replaces the stored bytes without telling the record, as bit rot or a stray writer would. */
async function overwriteBehindTheBack(pid: string, bytes: Buffer) {
  const row = (await x.db.media(pid))!;
  const store = await x.t.ctx.stores.resolver.storeFor(String(row.storeConfigId));
  await store!.put(row.storeKey, Readable.from([bytes]));
}

describe('POST /api/media/{pid}/verify', () => {
  it('reports a match and notes the time on the record, without a history row', async () => {
    const bytes = bytesOf(4000, 1);
    await uploaded('fix-ok', 'filesystem', bytes);
    const res = await x.api.post('/api/media/fix-ok/verify');
    expect(res.status).toBe(200);
    const digests = { size: bytes.length, sha256: sha256(bytes), md5: md5(bytes) };
    expect(res.body).toEqual({ pid: 'fix-ok', status: 'match', expected: digests, actual: digests, verified_at: expect.any(String) });
    expect(await x.db.media('fix-ok')).toMatchObject({ fixityStatus: 'match', fixityChecked: expect.any(Date) });
    expect((await x.api.get('/api/media/fix-ok')).body.fixity).toEqual({ checked: expect.any(String), status: 'match' });
    expect((await x.db.history('fix-ok')).length).toBe(2);
  });

  it('finds a file corrupted on disk: mismatch on the record, a history row and a media.fixity_failed event', async () => {
    const bytes = bytesOf(4000, 2);
    const row = await uploaded('fix-disk', 'filesystem', bytes);
    const corrupt = Buffer.from(bytes);
    corrupt[100] = corrupt[100]! ^ 0xff;
    writeFileSync(path.join(x.t.config.filesystemStoreRoot, 'demobucket', row.storeKey), corrupt);

    const res = await x.api.post('/api/media/fix-disk/verify');
    expect(res.body).toMatchObject({ status: 'mismatch', expected: { sha256: sha256(bytes) }, actual: { size: bytes.length, sha256: sha256(corrupt), md5: md5(corrupt) } });
    expect(await x.db.media('fix-disk')).toMatchObject({ fixityStatus: 'mismatch', sha256: sha256(bytes) });
    const events = await x.db.events('fix-disk');
    expect(events.map((e) => e.type)).toEqual(['media.created', 'media.stored', 'media.fixity_failed']);
    expect(events[2]!.payload).toMatchObject({ pid: 'fix-disk', fixity: { status: 'mismatch' }, changed: ['fixity'] });

    // The bytes restored: back to match, and that is a change of the record too.
    writeFileSync(path.join(x.t.config.filesystemStoreRoot, 'demobucket', row.storeKey), bytes);
    expect((await x.api.post('/api/media/fix-disk/verify')).body.status).toBe('match');
    expect((await x.db.events('fix-disk')).map((e) => e.type).at(-1)).toBe('media.updated');
    expect((await x.db.media('fix-disk'))!.fixityStatus).toBe('match');
  });

  it('finds an S3 object overwritten behind the store\'s back, and a missing object', async () => {
    await uploaded('fix-s3', 's3', bytesOf(3000, 3));
    await overwriteBehindTheBack('fix-s3', bytesOf(3000, 4));
    expect((await x.api.post('/api/media/fix-s3/verify')).body).toMatchObject({ status: 'mismatch', actual: { sha256: sha256(bytesOf(3000, 4)) } });

    const row = await uploaded('fix-gone', 's3', bytesOf(10, 5));
    await (await x.t.ctx.stores.resolver.storeFor(String(row.storeConfigId)))!.delete(row.storeKey);
    expect((await x.api.post('/api/media/fix-gone/verify')).body).toMatchObject({ status: 'mismatch', actual: null });
    expect((await x.db.events('fix-gone')).map((e) => e.type)).toContain('media.fixity_failed');
  });

  it('answers 409 for a PENDING record', async () => {
    await x.api.post('/api/upload', { mediadata: { pid: 'fix-pending', pid_type: 'DEMO', store_config: x.stores.ram } });
    expect((await x.api.post('/api/media/fix-pending/verify')).status).toBe(409);
  });
});

describe('fixity audits', () => {
  it('verify a selection in the background and record the outcome per record and on the audit', async () => {
    await uploaded('audit-1', 'filesystem', bytesOf(1000, 1), ['nightly']);
    await uploaded('audit-2', 's3', bytesOf(1000, 2), ['nightly']);
    await uploaded('audit-3', 'ram', bytesOf(1000, 3), ['nightly']);
    await uploaded('audit-other', 'ram', bytesOf(1000, 4), ['weekly']);
    await overwriteBehindTheBack('audit-2', bytesOf(1000, 9));

    const uma = client(x.t, await x.t.createUser('auditor-not-admin'));
    expect((await uma.post('/api/fixity/audit', { tag: 'nightly' })).status).toBe(403);

    const started = await x.api.post('/api/fixity/audit', { tag: 'nightly' });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', total: 3, selection: { tag: 'nightly' }, created_by: 'admin' });
    await x.t.ctx.transfer.fixity.idle();

    const done = await x.api.get(`/api/fixity/audit/${started.body.id}`);
    expect(done.body).toMatchObject({ status: 'done', total: 3, checked: 3, matched: 2, mismatched: 1, errors: 0, mismatches: ['audit-2'], finished: expect.any(String) });
    expect((await x.db.media('audit-2'))!.fixityStatus).toBe('mismatch');
    expect((await x.db.media('audit-1'))!.fixityStatus).toBe('match');
    expect((await x.db.media('audit-other'))!.fixityChecked).toBeNull();
    expect((await x.api.get('/api/fixity/audit/999999')).status).toBe(404);
  });

  it('resumes an audit whose process went away from the last record done', async () => {
    await uploaded('resume-1', 'ram', bytesOf(100, 1), ['resume']);
    await uploaded('resume-2', 'ram', bytesOf(100, 2), ['resume']);
    const fixity = x.t.ctx.transfer.fixity;
    const audit = await fixity.createAudit({ actor: 'admin', reason: null }, { tag: 'resume' });
    const first = (await x.db.media('resume-1'))!;
    // As if a process had verified resume-1, then died ten minutes ago.
    await x.t.db().execute(sql`update fixity_audits set last_media_id = ${first.id}, checked = 1, matched = 1, updated = now() - interval '10 minutes' where id = ${audit.id}`);
    expect(await fixity.resumeStale()).toBe(1);
    await fixity.idle();
    expect((await x.api.get(`/api/fixity/audit/${audit.id}`)).body).toMatchObject({ status: 'done', total: 2, checked: 2, matched: 2 });
    expect((await x.db.media('resume-1'))!.fixityChecked).toBeNull();
    expect((await x.db.media('resume-2'))!.fixityStatus).toBe('match');
  });
});
