import { existsSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { count, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { deletionRetryWorker } from '../../src/media/deletion.js';
import { media } from '../../src/media/media.tables.js';
import type { TestApp } from '../helpers/app.js';
import { useMediaApp, type Client, type Stored } from './helpers.js';

let t: TestApp;
let api: Client;
let db: Stored;
useMediaApp({ types: { DEMO: '' } }, (m) => ({ t, uma: api, db } = m));

const change = { actor: 'uma', reason: 'rights expired' };
const dirOf = (bucket: string) => path.join(t.config.filesystemStoreRoot, bucket);

/**
 * Makes a FilesystemStore's bucket fail for real (the tests run as root, so a read-only
 * directory would not stop them): the directory moves aside and a symlink to itself takes its
 * place, so every path in it fails with ELOOP. Returns what puts the directory back.
 */
function breakBucket(bucket: string): () => void {
  const dir = dirOf(bucket);
  renameSync(dir, `${dir}.away`);
  symlinkSync(dir, dir);
  return () => {
    unlinkSync(dir);
    renameSync(`${dir}.away`, dir);
  };
}

/** `n` READY records with bytes in the FilesystemStore `bucket`. */
async function readyRecords(prefix: string, n: number, bucket: string): Promise<string[]> {
  const pids = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const res = await api.post('/api/media/create', pids.map((pid) => ({ pid, pid_type: 'DEMO', store_config: { type: 'FilesystemStore', bucket, s3_url: '' } })));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  for (const pid of pids) {
    const record = (await t.ctx.media.media.find(pid))!;
    const store = (await t.ctx.stores.resolver.storeFor(String(record.storeConfigId)))!;
    const put = await store.put(record.storeKey, Readable.from([Buffer.from(pid)]), { contentType: 'text/plain' });
    await t.ctx.media.media.markStored({ actor: 'transfer', reason: null }, pid, put);
  }
  return pids;
}

/** Requests the deletion of `pids` while their bucket fails: they stay, marked for the retry worker. */
async function markedForDeletion(pids: string[], bucket: string): Promise<void> {
  const restore = breakBucket(bucket);
  try {
    expect(await t.ctx.media.deletion.removeMany(change, pids)).toHaveLength(pids.length);
  } finally {
    restore();
  }
  const rows = await t.ctx.db.select({ n: count() }).from(media).where(inArray(media.pid, pids));
  expect(rows[0]!.n).toBe(pids.length);
}

const attemptsOf = async (pids: string[]) =>
  (await t.ctx.db.select({ attempts: media.deleteAttempts }).from(media).where(inArray(media.pid, pids))).map((r) => r.attempts);

describe('the deletion retry worker walks the whole queue', () => {
  it('finishes more than a page of the old worker (100) in one pass', async () => {
    const pids = await readyRecords('many', 150, '/many');
    await markedForDeletion(pids, '/many');
    expect(await t.ctx.media.deletion.retryDue(0)).toBe(150);
    for (const pid of [pids[0]!, pids[99]!, pids[100]!, pids[149]!]) {
      expect(await db.media(pid)).toBeUndefined();
      expect((await db.history(pid)).at(-1)).toMatchObject({ historyType: '-', historyUser: 'uma', reason: 'rights expired' });
    }
    expect(existsSync(dirOf('many'))).toBe(true);
    expect(await t.ctx.media.deletion.retryDue(0)).toBe(0);
  });

  let failing: string[];
  let restoreFailing: () => void;

  it('reaches the records of a working store behind more than a page of a failing store', async () => {
    failing = await readyRecords('failing', 120, '/failing');
    await markedForDeletion(failing, '/failing'); // first in the queue
    const healthy = await readyRecords('healthy', 10, '/healthy');
    await markedForDeletion(healthy, '/healthy');
    restoreFailing = breakBucket('/failing');

    const finished = await t.ctx.media.deletion.retryDue(0);
    for (const pid of healthy) expect(await db.media(pid)).toBeUndefined();
    expect(finished).toBe(10);
    // each failing record was tried once in the pass (it did not come back within it), and is kept
    expect(await attemptsOf(failing)).toEqual(Array(120).fill(2));
    expect((await db.media(failing[0]!))!.deleteError).toEqual(expect.stringMatching(/ELOOP|the store failed/));
  });

  it('stop() ends a long pass after the record in hand, and waits for it', async () => {
    const worker = deletionRetryWorker(t.ctx.media.deletion, t.ctx.logger, { firstAfterMs: 0, waitedMs: 0 });
    worker.start();
    // the pass has begun once a failing record counts a third attempt
    const deadline = Date.now() + 10_000;
    while (!(await attemptsOf(failing)).includes(3)) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 5));
    }
    const asked = Date.now();
    await worker.stop();
    expect(Date.now() - asked).toBeLessThan(1_000);
    const attempts = await attemptsOf(failing);
    const tried = attempts.filter((a) => a === 3).length;
    expect(tried).toBeGreaterThan(0);
    expect(tried).toBeLessThan(120); // the walk stopped before the end of the queue
    // nothing is left running: no further attempts after stop() returned
    await new Promise((r) => setTimeout(r, 200));
    expect(await attemptsOf(failing)).toEqual(attempts);
  });

  it('leaves the failing records to a later pass that finishes them once the store is back', async () => {
    restoreFailing();
    expect(await t.ctx.media.deletion.retryDue(0)).toBe(120);
    for (const pid of [failing[0]!, failing[119]!]) expect(await db.media(pid)).toBeUndefined();
  });
});
