import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNED_URL_ACTOR } from '../../src/transfer/signed-upload.js';
import type { TestApp } from '../helpers/app.js';
import { createMedia, type Stored, useMediaApp } from '../media/helpers.js';

let t: TestApp;
let db: Stored;
useMediaApp({ types: { DEMO: '' } }, (m) => ({ t, db } = m));

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const VIDEO = readFileSync(new URL('../../../shared/media/bbb_video_001.ts', import.meta.url));

async function putUrlFor(storeConfigPk: number, key: string) {
  const store = await t.ctx.stores.resolver.storeFor(String(storeConfigPk));
  return (await store!.presignPut(key, { expiresInSeconds: 300, contentType: 'video/mp2t' })).url;
}
const put = (url: string, body: Buffer) => fetch(url, { method: 'PUT', body, headers: { 'Content-Type': 'video/mp2t' } });
const fsPath = (key: string) => path.join(t.config.filesystemStoreRoot, 'demobucket', key);

describe('a PUT to a signed local URL', () => {
  it('makes the waiting media record READY with size, checksums, history and a media.stored event', async () => {
    const created = await createMedia(t, { pid: 'signed-1' });
    const res = await put(await putUrlFor(created.store_config.pk, created.store_key), VIDEO);
    expect(res.status).toBe(200);

    const row = await db.media('signed-1');
    expect(row).toMatchObject({ storeStatus: 'READY', size: VIDEO.length, sha256: sha256(VIDEO), md5: md5(VIDEO), contentType: 'video/mp2t', updatedBy: SIGNED_URL_ACTOR });
    expect(row!.stored).toBeInstanceOf(Date);
    expect(readFileSync(fsPath(created.store_key)).equals(VIDEO)).toBe(true);
    expect((await db.history('signed-1')).map((h) => h.historyType)).toEqual(['+', '~']);
    const events = await db.events('signed-1');
    expect(events.map((e) => [e.type, e.actor])).toEqual([['media.created', 'admin'], ['media.stored', SIGNED_URL_ACTOR]]);
  });

  it('refuses a second upload to a READY record (409) before reading it, keeping the first bytes', async () => {
    const created = await createMedia(t, { pid: 'signed-2' });
    const url = await putUrlFor(created.store_config.pk, created.store_key);
    expect((await put(url, VIDEO)).status).toBe(200);

    const other = await put(url, Buffer.from('not the video'));
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: string }).error).toBe('media signed-2 already has its bytes; delete it or upload under a new record');
    expect(readFileSync(fsPath(created.store_key)).equals(VIDEO)).toBe(true);
    expect(await db.media('signed-2')).toMatchObject({ size: VIDEO.length, sha256: sha256(VIDEO) });
    expect((await db.events('signed-2')).map((e) => e.type)).toEqual(['media.created', 'media.stored']);
  });

  it('stores nothing where no media record expects bytes (404)', async () => {
    const created = await createMedia(t, { pid: 'signed-3' });
    const res = await put(await putUrlFor(created.store_config.pk, 'nobody-waits-here'), VIDEO);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe(`no media record expects bytes at key "nobody-waits-here" of store config ${created.store_config.pk}`);
    expect(existsSync(fsPath('nobody-waits-here'))).toBe(false);
    expect((await db.media('signed-3'))!.storeStatus).toBe('PENDING');
  });
});
