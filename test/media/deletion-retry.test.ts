import { existsSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { asc, count, inArray } from 'drizzle-orm';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { deletionRetryWorker, MediaDeletion } from '../../src/media/deletion.js';
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

/** Attempts of each of `pids` still there, in queue order (pid order here), gone ones left out. */
const attemptsInOrder = async (pids: string[]) =>
  (await t.ctx.db.select({ pid: media.pid, attempts: media.deleteAttempts }).from(media).where(inArray(media.pid, pids)).orderBy(asc(media.pid))).map(
    (r) => [r.pid, r.attempts] as const,
  );

const present = async (pids: string[]) => (await t.ctx.db.select({ n: count() }).from(media).where(inArray(media.pid, pids)))[0]!.n;

/** A MediaDeletion of the app's database and stores whose log lines (pino JSON) land in `lines`. */
function deletionLogging(): { deletion: MediaDeletion; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { deletion: new MediaDeletion(t.ctx.db, t.ctx.stores.resolver, pino({ level: 'info' }, sink)), lines };
}

/** Makes the bytes of one record fail for real: its file becomes a symlink to itself (ELOOP). */
async function breakObject(pid: string, bucket: string): Promise<() => void> {
  const file = path.join(dirOf(bucket), ...(await t.ctx.media.media.find(pid))!.storeKey.split('/'));
  unlinkSync(file);
  symlinkSync(file, file);
  return () => unlinkSync(file); // deleting bytes already gone succeeds
}

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

  it('gives up on a failing store after 3 failures in a row: the working store behind it finishes, the rest wait', async () => {
    failing = await readyRecords('failing', 50, '/failing');
    await markedForDeletion(failing, '/failing'); // first in the queue, one attempt each
    const healthy = await readyRecords('healthy', 10, '/healthy');
    await markedForDeletion(healthy, '/healthy');
    restoreFailing = breakBucket('/failing');
    const { deletion, lines } = deletionLogging();

    const finished = await deletion.retryDue(0);
    expect(finished).toBe(10);
    expect(await present(healthy)).toBe(0);
    // 3 store calls on the failing store (the first three in the queue), the other 47 untouched
    const attempts = await attemptsInOrder(failing);
    expect(attempts.reduce((sum, [, a]) => sum + a, 0) - 50).toBe(3);
    expect(attempts.map(([, a]) => a)).toEqual([...Array(3).fill(2), ...Array(47).fill(1)]);
    expect((await db.media(failing[0]!))!.deleteError).toEqual(expect.stringMatching(/ELOOP|the store failed/));
    expect((await db.media(failing[49]!))!.deleteAttempts).toBe(1);

    // a warning for each attempt made, one line for the records skipped
    expect(lines.filter((l) => l.msg === 'media deletion retry failed')).toHaveLength(3);
    const failingStore = (await t.ctx.media.media.find(failing[0]!))!.storeConfigId;
    const summaries = lines.filter((l) => l.skipped !== undefined);
    expect(summaries).toEqual([expect.objectContaining({ level: 40, storeConfigId: failingStore, skipped: 47, lastError: expect.stringMatching(/ELOOP/) })]);

    // the next pass does the same, no more
    expect(await deletion.retryDue(0)).toBe(0);
    expect((await attemptsInOrder(failing)).map(([, a]) => a)).toEqual([...Array(3).fill(3), ...Array(47).fill(1)]);
  });

  it('counts failures in a row: a deletion the store does resets the count', async () => {
    // in queue order: fail fail ok fail fail ok fail fail fail, then 3 the pass skips
    const pids = await readyRecords('flaky', 12, '/flaky');
    await markedForDeletion(pids, '/flaky');
    const failingAt = [0, 1, 3, 4, 6, 7, 8];
    const repairs = await Promise.all(failingAt.map((i) => breakObject(pids[i]!, '/flaky')));
    const { deletion, lines } = deletionLogging();

    expect(await deletion.retryDue(0)).toBe(2);
    expect(await attemptsInOrder(pids)).toEqual(
      [0, 1, 3, 4, 6, 7, 8, 9, 10, 11].map((i) => [pids[i], failingAt.includes(i) ? 2 : 1]),
    );
    // (the failing store of the test before, at the head of the queue, is skipped as well)
    const flakyStore = (await t.ctx.media.media.find(pids[0]!))!.storeConfigId;
    const skippedOf = (storeConfigId: number) => lines.filter((l) => l.skipped !== undefined && l.storeConfigId === storeConfigId);
    expect(skippedOf(flakyStore)).toEqual([expect.objectContaining({ skipped: 3, lastError: expect.stringMatching(/ELOOP/) })]);

    for (const repair of repairs) repair();
    expect(await deletion.retryDue(0)).toBe(10);
    expect(await present(pids)).toBe(0);
    expect(skippedOf(flakyStore)).toHaveLength(1); // nothing of it skipped in the second pass
  });

  let slow: string[];

  it('stop() ends a long pass after the record in hand, and waits for it', async () => {
    // behind the failing store's records, a long walk of a working store's
    slow = await readyRecords('slow', 300, '/slow');
    await markedForDeletion(slow, '/slow');
    const worker = deletionRetryWorker(t.ctx.media.deletion, t.ctx.logger, { firstAfterMs: 0, waitedMs: 0 });
    worker.start();
    // the pass is under way once a record of the working store has gone
    const deadline = Date.now() + 10_000;
    while ((await present(slow)) === slow.length) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 5));
    }
    const asked = Date.now();
    await worker.stop();
    expect(Date.now() - asked).toBeLessThan(1_000);
    const left = await present(slow);
    expect(left).toBeLessThan(slow.length);
    expect(left).toBeGreaterThan(0); // the walk stopped before the end of the queue
    // nothing is left running: nothing goes after stop() returned
    await new Promise((r) => setTimeout(r, 200));
    expect(await present(slow)).toBe(left);
  });

  it('leaves the failing records to a later pass that finishes them once the store is back', async () => {
    restoreFailing();
    const left = await present(slow);
    expect(await t.ctx.media.deletion.retryDue(0)).toBe(50 + left);
    expect(await present(failing)).toBe(0);
    expect(await present(slow)).toBe(0);
  });
});
