import type { Logger } from 'pino';
import type { BackgroundWorker } from '../../context.js';
import type { Db } from '../../db/client.js';
import { Backoff } from '../../events/backoff.js';
import { LoopWorker } from '../../events/loop-worker.js';
import type { MediaDeletion } from '../../media/deletion.js';
import * as repo from './instances.repo.js';
import type { InstancesService } from './instances.service.js';

export interface HousekeepingOptions {
  db: Db;
  deletion: MediaDeletion;
  instances: InstancesService;
  logger: Logger;
  /** Allocated objects not registered within this are deleted. */
  reclaimSeconds: number;
  pollMs: number;
  /** A copy unfinished after this is taken for dead (its process stopped) and its bytes deleted. */
  staleCopyMs?: number;
  /** Records per transaction. */
  batchSize?: number;
  /**
   * Measures the bytes of a PENDING record and marks it READY (transfer's `complete`); false
   * when nothing was uploaded yet. Without it, PENDING objects are left alone.
   */
  finishUpload?: (pid: string) => Promise<boolean>;
}

const ACTOR = 'tams-housekeeping';

/**
 * TAMS storage housekeeping, on every replica (rows are claimed with SKIP LOCKED, so replicas
 * share the work without doing it twice):
 *
 * - objects allocated by `POST /flows/{id}/storage` that no segment registered within
 *   `reclaimSeconds` (the advertised `min_object_timeout` plus a grace period, as the spec asks)
 *   are deleted through the media deletion path (bytes, record, `-` history row and
 *   `media.deleted` event; a store that fails leaves the record marked for the media deletion
 *   worker);
 * - bytes of object copies detached from their object (the object went, or the instance was
 *   deleted and the request's own attempt failed) or left unfinished by a dead process are
 *   deleted with their rows;
 * - registered objects still PENDING are looked for in their store (a PUT to a presigned S3
 *   URL goes to S3, which tells nobody): found ones are measured (size, SHA-256, MD5) and
 *   marked READY, as `POST /api/upload/{pid}/complete` does. A pass looks at `batchSize` of
 *   them, continuing where the last one stopped, so objects never uploaded do not crowd out the
 *   others.
 */
export class TamsHousekeeping extends LoopWorker implements BackgroundWorker {
  readonly name = 'tams housekeeping';
  private readonly backoff = new Backoff(1_000, 60_000);
  /** Record id after which the next pass looks for PENDING objects (0: from the start). */
  private pendingCursor = 0;

  constructor(private readonly options: HousekeepingOptions) {
    super();
  }

  protected async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.runOnce();
        this.backoff.reset();
        await this.sleep(this.options.pollMs);
      } catch (err) {
        this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'tams housekeeping failed; retrying');
        await this.sleep(this.backoff.next());
      }
    }
  }

  /** One pass: what was reclaimed, swept and found uploaded. */
  async runOnce(): Promise<{ reclaimed: number; swept: number; finished: number }> {
    const { db, deletion, instances, reclaimSeconds } = this.options;
    const batch = this.options.batchSize ?? 500;
    const reason = `TAMS object allocated and not registered by a segment within ${reclaimSeconds} s`;
    let reclaimed = 0;
    for (;;) {
      const pids = await db.transaction((tx) => repo.markExpiredAllocations(tx, reclaimSeconds, batch, ACTOR, reason));
      if (!pids.length) break;
      reclaimed += (await deletion.removeMany({ actor: ACTOR, reason }, pids)).length;
      if (pids.length < batch || this.stopping) break;
    }
    let swept = 0;
    for (;;) {
      const n = await instances.sweep(this.options.staleCopyMs ?? 6 * 3600_000, batch);
      swept += n;
      if (n < batch || this.stopping) break;
    }
    const finished = await this.finishUploads(batch);
    if (reclaimed || swept || finished) this.options.logger.info({ reclaimed, swept, finished }, 'tams housekeeping');
    return { reclaimed, swept, finished };
  }

  private async finishUploads(batch: number): Promise<number> {
    const { finishUpload, db, logger } = this.options;
    if (!finishUpload) return 0;
    const pending = await repo.pendingRegistered(db, this.pendingCursor, batch);
    this.pendingCursor = pending.length < batch ? 0 : pending[pending.length - 1]!.id;
    let finished = 0;
    for (const { pid } of pending) {
      try {
        if (await finishUpload(pid)) finished++;
      } catch (err) {
        logger.warn({ pid, err: err instanceof Error ? err.message : String(err) }, 'could not measure an uploaded TAMS object');
      }
      if (this.stopping) break;
    }
    return finished;
  }
}
