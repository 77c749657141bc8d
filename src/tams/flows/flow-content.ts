import type { SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { DeleteRequestDoc } from '../deletion/delete-requests.schemas.js';
import type { Int8Bounds, TimeRange } from '../timerange.js';

/**
 * What a flow's segments contribute to flows. Everything flows need from segments goes through
 * this interface; the segments capability implements the queries (`SegmentsService.content`)
 * and the delete requests capability the deletion (`DeleteRequestsService.deleteFlowContent`),
 * both plugged in in `src/tams/setup.ts`:
 *
 * - `overlaps`/`isEmpty` are SQL conditions on a flow id column, used by `GET /flows?timerange=`
 *   (a non-empty range: flows with a segment overlapping it; an empty one: flows without
 *   segments). With tams_segments(flow_id, range int8range) and a GiST index on
 *   (flow_id, range): `exists (select 1 from tams_segments s where s.flow_id = <id> and
 *   s.range && int8range(lower, upper, '[)'))`, with null bounds unbounded.
 * - `timerange` is the flow's `timerange` (GET /flows/{id}?include_timerange=true): the hull of
 *   its segments that overlap `within` (EMPTY when none), not clipped to `within`.
 * - `deleteAll` runs inside the flow DELETE transaction, after the read-only check and before
 *   the flow row goes: it deletes the segments (releasing objects nobody else references), or,
 *   when there are too many for one request, returns the delete request that will (the flow
 *   row then stays until the request's worker has emptied it).
 * - The segments capability itself sets `tams_flows.segments_updated` (and checks `read_only`)
 *   when it adds or removes segments.
 */
export interface FlowContent {
  /** `flowId`: the outer query's qualified flow id column ("tams_flows"."id"). */
  overlaps(flowId: SQL, bounds: Int8Bounds): SQL;
  isEmpty(flowId: SQL): SQL;
  timerange(db: Db, flowId: string, within: TimeRange): Promise<TimeRange>;
  deleteAll(tx: Db, flowId: string, actor: string): Promise<ContentDeletion>;
}

/** What `deleteAll` did. */
export interface ContentDeletion {
  /** Too much to delete within the request: the delete request finishing it (202). */
  request?: DeleteRequestDoc;
  /** To run once the transaction has committed (deleting the bytes of released objects). */
  afterCommit?: () => Promise<void>;
}
