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
 *   deleted with their rows.
 */
export class TamsHousekeeping extends LoopWorker implements BackgroundWorker {
  readonly name = 'tams housekeeping';
  private readonly backoff = new Backoff(1_000, 60_000);

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

  /** One pass: what was reclaimed and swept. */
  async runOnce(): Promise<{ reclaimed: number; swept: number }> {
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
    if (reclaimed || swept) this.options.logger.info({ reclaimed, swept }, 'tams housekeeping');
    return { reclaimed, swept };
  }
}
