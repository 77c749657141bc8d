import type { Db } from '../../db/client.js';
import { ApiError } from '../../http/errors.js';
import { overlaps, parseTimerange, type TimeRange } from '../timerange.js';
import { type DeleteRequestRow, pendingRequests } from './deletion.repo.js';

/**
 * Writes to a flow that a delete request is emptying are refused with a 403 (the status the
 * spec gives writes to a flow that cannot change; it has no 409). Call these in the write's
 * transaction after locking the flow row: delete requests are created under that lock, so none
 * can appear between the check and the write.
 */
async function refuse(tx: Db, flowId: string, blocks: (request: PendingRequest) => boolean): Promise<void> {
  const refusal = refusalOf(flowId, (await pendingRequests(tx, flowId)).find(blocks));
  if (refusal) throw refusal;
}

/** What the guards need of a pending request (a DeleteRequestRow, or the same read in bulk). */
export type PendingRequest = Pick<DeleteRequestRow, 'id' | 'deleteFlow' | 'timerangeRemaining'>;

function refusalOf(flowId: string, request: PendingRequest | undefined): ApiError | undefined {
  if (!request) return undefined;
  const what = request.deleteFlow ? 'the flow is being deleted' : `its segments in ${request.timerangeRemaining} are being deleted`;
  return new ApiError(403, `flow ${flowId} cannot take this change now: ${what} (delete request ${request.id}, /flow-delete-requests/${request.id})`, {
    delete_request: request.id,
  });
}

const blocksSegments = (segments: TimeRange) => (r: PendingRequest) => r.deleteFlow || overlaps(parseTimerange(r.timerangeRemaining), segments);

/**
 * New segments covering `segments` are refused while the flow is being deleted, or while a
 * pending request's remaining range overlaps them (they would be deleted, or not, depending on
 * timing). For a caller that read the flow's pending requests (oldest first) under the flow's
 * lock: the 403 to answer, or undefined.
 */
export function segmentsRefusal(flowId: string, pending: PendingRequest[], segments: TimeRange): ApiError | undefined {
  return refusalOf(flowId, pending.find(blocksSegments(segments)));
}

/** Changes of the flow's metadata (PUT, property endpoints) are refused while the flow is being deleted. */
export function assertFlowNotBeingDeleted(tx: Db, flowId: string): Promise<void> {
  return refuse(tx, flowId, (r) => r.deleteFlow);
}
