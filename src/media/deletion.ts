import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { BackgroundWorker } from '../context.js';
import type { Db } from '../db/client.js';
import { ApiError, conflict, notFound } from '../http/errors.js';
import type { Store, StoreResolver } from '../stores/store.js';
import type { Change } from './change.js';
import { recordMediaChanges } from './history.service.js';
import { toMediaView } from './media-view.js';
import * as repo from './media.repo.js';
import { toStoreView } from './store-configs.service.js';

/** A deletion is retried once it has waited this long (so the request's own attempt is not raced). */
const RETRY_AFTER_MS = 60_000;
/** Records one query of a retry pass reads; the pass walks on, page after page, to the end of the queue. */
const RETRY_PAGE = 500;
/** Records whose bytes one transaction of `removeMany` deletes (its row locks are held meanwhile). */
const MANY_CHUNK = 500;
/**
 * Failures in a row after which a retry pass gives up on a store until the next pass: a store
 * that is down (an S3 endpoint refusing, or timing out after minutes) then costs a pass this
 * many calls, not one per waiting record, and the records of other stores are not held up.
 */
const STORE_FAILURES_TO_SKIP = 3;

/** The 502 of a failed deletion, keeping the store's own error for the retry worker's log. */
class DeletionFailed extends ApiError {
  constructor(
    message: string,
    readonly underlying: unknown,
  ) {
    super(502, message);
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Per-store state of one retry pass: failures in a row, then the records skipped once it gave up. */
interface StoreInPass {
  failuresInARow: number;
  skipped: number;
  lastError: string;
}

/**
 * Deleting media. A PENDING record has no bytes and goes in one transaction. A READY record
 * goes in steps that a crash or a failing store can interrupt at any point without losing
 * the record or orphaning its bytes:
 *
 *   1. mark it (`delete_requested`) and commit: from now on it cannot change;
 *   2. lock it, delete the bytes from the store, delete the row with its `-` history row and
 *      `media.deleted` event, commit;
 *   3. if the store fails, the record stays, marked, with the error (a `~` history row and a
 *      `media.deletion_failed` event the first time); the request answers 502 and a
 *      background worker retries (a pass over the whole queue a minute after the previous
 *      pass ended) until the store deletes the bytes.
 *
 * Deleting bytes that are already gone succeeds (stores' delete is idempotent), so a retry
 * after a crash between the store's delete and the commit simply finishes the job.
 */
/**
 * Another capability's reason why a record must not be deleted now (TAMS: segments still use
 * it as an object), or undefined. Runs in the deletion's transaction with the record locked.
 */
export type DeletionGuard = (tx: Db, pid: string) => Promise<string | undefined>;

export class MediaDeletion {
  private readonly guards: DeletionGuard[] = [];

  constructor(
    private readonly db: Db,
    private readonly resolver: StoreResolver,
    private readonly logger: Logger,
  ) {}

  /** Deletions that a guard objects to are refused with 409 and change nothing. */
  guardWith(guard: DeletionGuard): void {
    this.guards.push(guard);
  }

  async remove(change: Change, pid: string): Promise<void> {
    const marked = await this.db.transaction(async (tx) => {
      const current = await repo.findByPid(tx, pid, 'update');
      if (!current) throw notFound(`media ${pid} not found`);
      for (const guard of this.guards) {
        const objection = await guard(tx, pid);
        if (objection) throw conflict(objection);
      }
      const { media: m } = current;
      if (m.storeStatus !== 'READY') {
        await repo.deleteMedia(tx, m.id);
        await recordMediaChanges(tx, change, [{ type: '-', view: toMediaView(m, toStoreView(current.store)) }]);
        return undefined;
      }
      if (!m.deleteRequested) {
        await repo.updateMedia(tx, m.id, { deleteRequested: sql`now()` as unknown as Date, deleteRequestedBy: change.actor, deleteReason: change.reason });
      }
      return m.id;
    });
    if (marked !== undefined) await this.complete(marked, { skipLocked: false });
  }

  /**
   * One pass of the retry worker over every deletion waiting longer than `waitedMs`; returns how
   * many finished. The pass walks the queue in (delete_requested, id) pages with a keyset cursor,
   * so a record that fails is tried once per pass and the records behind it (a failing store's
   * at the head, a healthy store's after) are reached in the same pass. Records marked after the
   * pass began wait for the next. Once a store has failed `STORE_FAILURES_TO_SKIP` times in a
   * row in the pass (a deletion it did resets the count), the pass skips its other records: no
   * store call, no failure recorded, no log line each; they stay due for the next pass, and one
   * line per skipped store ends the pass. `stopping` is asked before each record: a shutdown
   * ends the walk after the record in hand.
   */
  async retryDue(waitedMs = RETRY_AFTER_MS, stopping: () => boolean = () => false): Promise<number> {
    const before = new Date(Date.now() - waitedMs);
    const stores = new Map<number, StoreInPass>();
    try {
      return await this.walkDue(before, stopping, stores);
    } finally {
      for (const [storeConfigId, store] of stores) {
        if (store.skipped) {
          this.logger.warn(
            { storeConfigId, skipped: store.skipped, lastError: store.lastError },
            `media deletion retry: store config ${storeConfigId} failed ${STORE_FAILURES_TO_SKIP} times in a row, its other due deletions wait for the next pass`,
          );
        }
      }
    }
  }

  private async walkDue(before: Date, stopping: () => boolean, stores: Map<number, StoreInPass>): Promise<number> {
    let finished = 0;
    let after: repo.DueCursor | undefined;
    for (;;) {
      if (stopping()) return finished;
      const page = await repo.deletionsDue(this.db, before, RETRY_PAGE, after);
      for (const { id, storeConfigId } of page) {
        if (stopping()) return finished;
        let store = stores.get(storeConfigId);
        if (!store) stores.set(storeConfigId, (store = { failuresInARow: 0, skipped: 0, lastError: '' }));
        if (store.failuresInARow >= STORE_FAILURES_TO_SKIP) {
          store.skipped++;
          continue;
        }
        try {
          // False (gone, or taken by another replica) tells nothing about the store.
          if (await this.complete(id, { skipLocked: true })) {
            finished++;
            store.failuresInARow = 0;
          }
        } catch (err) {
          store.failuresInARow++;
          store.lastError = messageOf(err instanceof DeletionFailed ? err.underlying : err);
          this.logger.warn({ mediaId: id, err: messageOf(err) }, 'media deletion retry failed');
        }
      }
      if (page.length < RETRY_PAGE) return finished;
      after = page.at(-1);
    }
  }

  /**
   * Deletes many records and their bytes (TAMS objects released in bulk), in chunks: per chunk
   * one transaction locks the records (skipping those another transaction holds), deletes the
   * bytes of each, then the rows whose bytes went with their `-` history rows and events. A
   * record whose store fails is kept, marked for deletion with the error (steps 1 and 3), for
   * the retry worker. Returns the pids dealt with (deleted or marked); the others are left.
   */
  async removeMany(change: Change, pids: string[]): Promise<string[]> {
    const handled: string[] = [];
    for (let i = 0; i < pids.length; i += MANY_CHUNK) handled.push(...(await this.removeChunk(change, pids.slice(i, i + MANY_CHUNK))));
    return handled;
  }

  private async removeChunk(change: Change, pids: string[]): Promise<string[]> {
    // Stores are opened before the transaction (opening reads the database too).
    const stores = new Map<number, Store | undefined>();
    for (const id of await repo.storeConfigsOf(this.db, pids)) stores.set(id, await this.resolver.storeFor(String(id)));
    const failed: { id: number; reason: string }[] = [];
    const handled = await this.db.transaction(async (tx) => {
      const locked = await repo.lockByPids(tx, pids);
      const done: repo.MediaWithStore[] = [];
      for (const current of locked) {
        const store = stores.get(current.media.storeConfigId);
        try {
          if (!store) throw new ApiError(500, `store config ${current.media.storeConfigId} cannot be opened`);
          if (current.media.storeStatus === 'READY') await store.delete(current.media.storeKey);
          done.push(current);
        } catch (err) {
          if (!(err instanceof ApiError)) this.logger.error({ err, mediaId: current.media.id }, 'deleting stored bytes failed');
          failed.push({ id: current.media.id, reason: err instanceof ApiError ? err.message : 'the store failed' });
          if (!current.media.deleteRequested) {
            await repo.updateMedia(tx, current.media.id, { deleteRequested: sql`now()` as unknown as Date, deleteRequestedBy: change.actor, deleteReason: change.reason });
          }
        }
      }
      await repo.deleteMediaIds(tx, done.map((r) => r.media.id));
      await recordMediaChanges(tx, change, done.map((r) => ({ type: '-' as const, view: toMediaView(r.media, toStoreView(r.store)) })));
      return locked.map((r) => r.media.pid);
    });
    for (const f of failed) await this.recordFailure(f.id, f.reason).catch((e: unknown) => this.logger.error({ err: e, mediaId: f.id }, 'could not record a failed deletion'));
    return handled;
  }

  /** Step 2 (and 3 on failure). False when the record is gone, not marked, or locked by another worker. */
  private async complete(id: number, options: { skipLocked: boolean }): Promise<boolean> {
    let described = `media record ${id}`;
    try {
      // The store is opened before the transaction (opening reads the database too); a marked
      // record cannot change, so its store config is still this one under the lock.
      const marked = await repo.findById(this.db, id);
      if (!marked?.media.deleteRequested) return false;
      described = `the bytes of ${marked.media.pid}`;
      const store = await this.resolver.storeFor(String(marked.media.storeConfigId));
      if (!store) throw new ApiError(500, `store config ${marked.media.storeConfigId} cannot be opened`);
      described = `the bytes of ${marked.media.pid} (key "${marked.media.storeKey}" in ${store.describe()})`;
      return await this.db.transaction(async (tx) => {
        const current = await repo.findById(tx, id, options);
        if (!current?.media.deleteRequested) return false;
        const { media: m } = current;
        await store.delete(m.storeKey);
        await repo.deleteMedia(tx, m.id);
        const requester: Change = { actor: m.deleteRequestedBy ?? 'system', reason: m.deleteReason };
        await recordMediaChanges(tx, requester, [{ type: '-', view: toMediaView(m, toStoreView(current.store)) }]);
        return true;
      });
    } catch (err) {
      const reason = err instanceof ApiError ? err.message : 'the store failed';
      if (!(err instanceof ApiError)) this.logger.error({ err, mediaId: id }, 'deleting stored bytes failed');
      await this.recordFailure(id, reason).catch((e: unknown) => this.logger.error({ err: e, mediaId: id }, 'could not record a failed deletion'));
      throw new DeletionFailed(
        `${described} could not be deleted: ${reason}. The record is kept, marked for deletion, and the deletion is retried in the background`,
        err,
      );
    }
  }

  private async recordFailure(id: number, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await repo.findById(tx, id, { skipLocked: false });
      if (!current?.media.deleteRequested) return;
      const row = await repo.updateMedia(tx, id, { deleteAttempts: current.media.deleteAttempts + 1, deleteError: reason });
      // Announced once; later attempts only count, so a long store outage does not flood the history.
      if (current.media.deleteAttempts === 0) {
        const change: Change = { actor: current.media.deleteRequestedBy ?? 'system', reason: current.media.deleteReason };
        await recordMediaChanges(tx, change, [
          { type: '~', view: toMediaView(row, toStoreView(current.store)), changed: ['deletion'], event: 'media.deletion_failed' },
        ]);
      }
    });
  }
}

export interface RetryWorkerOptions {
  /** Pause between the end of a pass and the start of the next (default a minute). */
  everyMs?: number;
  /** Pause before the first pass (default `everyMs`). */
  firstAfterMs?: number;
  /** Deletions that have waited this long are retried (default a minute). */
  waitedMs?: number;
}

/**
 * Retries waiting deletions, a pass a minute after the previous one ended: passes of one
 * process never overlap, and replicas share the queue record by record (rows are skip-locked).
 * `stop()` ends the running pass after the record in hand and waits for it.
 */
export function deletionRetryWorker(deletion: MediaDeletion, logger: Logger, options: RetryWorkerOptions = {}): BackgroundWorker {
  const everyMs = options.everyMs ?? RETRY_AFTER_MS;
  const waitedMs = options.waitedMs ?? RETRY_AFTER_MS;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  let stopping = false;
  const schedule = (ms: number) => {
    if (stopping) return;
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    pass = deletion
      .retryDue(waitedMs, () => stopping)
      .then(
        (finished) => {
          if (finished) logger.info({ finished }, 'finished waiting media deletions');
        },
        (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'media deletion retry pass failed'),
      )
      .finally(() => {
        pass = undefined;
        schedule(everyMs);
      });
  };
  return {
    name: 'media deletion retry',
    start() {
      stopping = false;
      clearTimeout(timer);
      // A pass still ending (a stop() then start()) schedules the next itself.
      if (!pass) schedule(options.firstAfterMs ?? everyMs);
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
