import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { transactionWithRetry } from '../../db/transaction.js';
import { forbidden, notFound } from '../../http/errors.js';
import type { ContentDeletion } from '../flows/flow-content.js';
import { fetchPage, type Page } from '../http/paging.js';
import { ETERNITY, formatTimerange, type TimeRange } from '../timerange.js';
import { lockFlowForSegments } from '../segments/segments.repo.js';
import * as repo from './deletion.repo.js';
import type { DeleteRequestDoc, DeleteRequestListQuery } from './delete-requests.schemas.js';
import type { EraseScope, SegmentEraser } from './segment-eraser.js';

export interface DeleteRequestSettings {
  /** Deletions of at most this many segments finish within the request (204); larger ones become delete requests (202). */
  inlineLimit: number;
}

export function toDeleteRequestDoc(row: repo.DeleteRequestRow): DeleteRequestDoc {
  return {
    id: row.id,
    flow_id: row.flowId,
    timerange_to_delete: row.timerangeToDelete,
    timerange_remaining: row.timerangeRemaining,
    delete_flow: row.deleteFlow,
    status: row.status,
    created: row.created.toISOString(),
    created_by: row.createdBy,
    updated: row.updated.toISOString(),
    ...(row.expiry ? { expiry: row.expiry.toISOString() } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

/**
 * Deleting segments, now or in the background: a deletion of at most `inlineLimit` segments
 * runs in the request's transaction; a larger one becomes a delete request (202) that the
 * delete-request worker carries out in batches. The listing and reading of requests.
 */
export class DeleteRequestsService {
  constructor(
    private readonly db: Db,
    private readonly eraser: SegmentEraser,
    private readonly settings: DeleteRequestSettings,
    /** Tells the local worker there is work (other replicas find it at their next poll). */
    private readonly onCreated: () => void = () => {},
  ) {}

  async list(query: DeleteRequestListQuery): Promise<Page<DeleteRequestDoc>> {
    const page = await fetchPage(repo.requestOrders[query.sort_by ?? 'created'], { ...query, reverse: query.reverse_order }, (after, orderBy, limit) =>
      repo.selectRequests(this.db, after, orderBy, limit),
    );
    return { ...page, items: page.items.map(toDeleteRequestDoc) };
  }

  async get(id: string): Promise<DeleteRequestDoc> {
    const row = await repo.findRequest(this.db, id);
    if (!row) throw notFound(`flow delete request ${id} does not exist`);
    return toDeleteRequestDoc(row);
  }

  /**
   * `FlowContent.deleteAll` (inside the flow DELETE transaction, the flow locked and found
   * writable): the segments go now, or a delete request with `delete_flow` takes over (a
   * pending one is answered again rather than doubled).
   */
  readonly deleteFlowContent = async (tx: Db, flowId: string, actor: string): Promise<ContentDeletion> => {
    const pending = (await repo.pendingRequests(tx, flowId)).find((r) => r.deleteFlow);
    if (pending) return { request: toDeleteRequestDoc(pending) };
    return this.deleteOrDefer(tx, actor, { flowId, within: ETERNITY }, true);
  };

  /**
   * DELETE /flows/{id}/segments: the segments wholly inside `timerange` (default all), only of
   * `object_id` when given. Undefined when done (204); the delete request otherwise (202).
   */
  async deleteSegments(actor: string, flowId: string, query: { timerange?: TimeRange | undefined; object_id?: string | undefined }): Promise<DeleteRequestDoc | undefined> {
    const outcome = await transactionWithRetry(this.db, async (tx) => {
      const flow = await lockFlowForSegments(tx, flowId);
      if (!flow) throw notFound(`flow ${flowId} does not exist`);
      if (flow.readOnly) throw forbidden(`flow ${flowId} is read-only; its segments cannot change`);
      return this.deleteOrDefer(tx, actor, { flowId, within: query.timerange ?? ETERNITY, objectId: query.object_id }, false);
    });
    await outcome.afterCommit?.();
    return outcome.request;
  }

  /** The decision: count up to the limit + 1; erase inline, or register the request. */
  private async deleteOrDefer(tx: Db, actor: string, scope: EraseScope, deleteFlow: boolean): Promise<ContentDeletion> {
    const { inlineLimit } = this.settings;
    if ((await this.eraser.count(tx, scope, inlineLimit + 1)) <= inlineLimit) {
      const erased = await this.eraser.erase(tx, actor, scope, inlineLimit);
      return { afterCommit: () => this.eraser.releaseObjects(actor, erased.released) };
    }
    const range = formatTimerange(scope.within);
    const row = await repo.insertRequest(tx, {
      id: randomUUID(),
      flowId: scope.flowId,
      timerangeToDelete: range,
      timerangeRemaining: range,
      objectId: scope.objectId ?? null,
      deleteFlow,
      createdBy: actor,
    });
    return { request: toDeleteRequestDoc(row), afterCommit: async () => this.onCreated() };
  }
}
