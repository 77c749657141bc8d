import type { Logger } from 'pino';
import type { Db } from '../../db/client.js';
import { recordEvents } from '../../events/outbox.js';
import type { MediaDeletion } from '../../media/deletion.js';
import { segmentsEvent } from '../events.js';
import { eventFilterOf, touchSegmentsUpdated } from '../segments/segments.repo.js';
import { difference, EMPTY, formatTimerange, hull, parseTimerange, timerange, type TimeRange, toSqlBounds } from '../timerange.js';
import * as repo from './deletion.repo.js';

/** Which segments to delete: of `flowId`, wholly contained in `within`, only of `objectId` when given. */
export interface EraseScope {
  flowId: string;
  within: TimeRange;
  objectId?: string | undefined;
}

export interface ErasedSegments {
  deleted: number;
  /** Segments of the scope remain (call again). */
  more: boolean;
  /** What of `within` may still hold segments of the scope: the part after the last segment deleted (`()` when none remain). */
  remaining: TimeRange;
  /** Media records of objects released by this call, queued for deletion; pass them to `releaseObjects` once the transaction has committed. */
  released: string[];
}

/**
 * The one implementation of deleting segments (DELETE /flows/{id}, DELETE
 * /flows/{id}/segments, the delete-request worker): the scope's oldest `limit` segments go,
 * objects no segment of any flow references any more are released (their tams_objects row
 * deleted, their media record queued for deletion), the flow's `segments_updated` is set, and a
 * `flows/segments_deleted` event records the span of what went (from the first deleted
 * segment's start to the last one's end, as the spec's webhook wants: it starts and ends on
 * deleted segments). `erase` runs inside the caller's transaction, which should hold the flow's
 * row lock; the records and bytes of released objects are deleted after the commit by
 * `releaseObjects` (the media deletion path: a store failure keeps the record, marked, and the
 * media deletion retry worker finishes it; a crash before leaves the queue row, which
 * `releaseLeftovers` finishes).
 */
const RELEASE_REASON = 'TAMS object no longer referenced by any segment';

export class SegmentEraser {
  constructor(
    private readonly db: Db,
    private readonly deletion: MediaDeletion,
    private readonly logger: Logger,
  ) {}

  /** Segments of the scope, counted up to `atMost`. */
  async count(tx: Db, scope: EraseScope, atMost: number): Promise<number> {
    const bounds = toSqlBounds(scope.within, { clamp: true });
    return bounds === null ? 0 : repo.countSegments(tx, { ...scope, within: bounds }, atMost);
  }

  async erase(tx: Db, actor: string, scope: EraseScope, limit: number): Promise<ErasedSegments> {
    const bounds = toSqlBounds(scope.within, { clamp: true });
    if (bounds === null) return { deleted: 0, more: false, remaining: EMPTY, released: [] };
    const batch = await repo.deleteOldestSegments(tx, { ...scope, within: bounds }, limit);
    if (batch.count === 0) return { deleted: 0, more: false, remaining: EMPTY, released: [] };
    const released = await repo.releaseObjects(tx, batch.objectIds, actor);
    await touchSegmentsUpdated(tx, scope.flowId);
    await this.recordEvent(tx, actor, scope.flowId, hull(parseTimerange(batch.first!), parseTimerange(batch.last!)));
    const remaining = batch.more ? (difference(scope.within, timerange(null, batch.lastUpper))[0] ?? EMPTY) : EMPTY;
    return { deleted: batch.count, more: batch.more, remaining, released };
  }

  /** After the commit: deletes the records and bytes of released objects. */
  async releaseObjects(actor: string, pids: string[]): Promise<void> {
    if (!pids.length) return;
    try {
      const handled = await this.deletion.removeMany({ actor, reason: RELEASE_REASON }, pids);
      await repo.forgetReleased(this.db, handled);
    } catch (err) {
      this.logger.warn({ objects: pids.length, err: err instanceof Error ? err.message : String(err) }, 'deleting released TAMS objects failed; retried later');
    }
  }

  /** Releases left over by a process that stopped before deleting them (queued longer than `olderThanMs`); returns how many were looked at. */
  async releaseLeftovers(olderThanMs = 60_000, limit = 1_000): Promise<number> {
    const rows = await repo.leftoverReleases(this.db, olderThanMs, limit);
    // Bulk media deletion deletes bytes before rows: a queued object that segments use must not
    // get there. Registration refuses queued objects, so only an old queue row can be one, and
    // the release made right after its commit (releaseObjects) never meets one.
    const registered = new Set(await repo.withdrawRegistered(this.db, rows.map((r) => r.pid)));
    if (registered.size) this.logger.warn({ objects: [...registered] }, 'released TAMS objects are used by segments again; kept, no longer queued');
    const byActor = new Map<string, string[]>();
    for (const { pid, actor } of rows) if (!registered.has(pid)) byActor.set(actor, [...(byActor.get(actor) ?? []), pid]);
    for (const [actor, pids] of byActor) await this.releaseObjects(actor, pids);
    return rows.length;
  }

  private async recordEvent(tx: Db, actor: string, flowId: string, span: TimeRange): Promise<void> {
    await recordEvents(tx, [segmentsEvent('segments_deleted', await eventFilterOf(tx, flowId), actor, { timerange: formatTimerange(span) })]);
  }

}
