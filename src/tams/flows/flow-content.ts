import type { SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { Int8Bounds, TimeRange } from '../timerange.js';

/**
 * What a flow's segments contribute to flows. Everything flows need from segments goes through
 * this interface; the segments capability implements it (`SegmentsService.content`, plugged in
 * in `src/tams/setup.ts`):
 *
 * - `overlaps`/`isEmpty` are SQL conditions on a flow id column, used by `GET /flows?timerange=`
 *   (a non-empty range: flows with a segment overlapping it; an empty one: flows without
 *   segments). With tams_segments(flow_id, range int8range) and a GiST index on
 *   (flow_id, range): `exists (select 1 from tams_segments s where s.flow_id = <id> and
 *   s.range && int8range(lower, upper, '[)'))`, with null bounds unbounded.
 * - `timerange` is the flow's `timerange` (GET /flows/{id}?include_timerange=true): the hull of
 *   its segments that overlap `within` (EMPTY when none), not clipped to `within`.
 * - `deleteAll` runs inside the flow DELETE transaction, after the read-only check and before
 *   the flow row goes: delete the segments and release objects nobody else references. A
 *   deletion too large for one request is part 2 (202 and a delete request); this hook is where
 *   that decision belongs.
 * - The segments capability itself sets `tams_flows.segments_updated` (and checks `read_only`)
 *   when it adds or removes segments.
 */
export interface FlowContent {
  /** `flowId`: the outer query's qualified flow id column ("tams_flows"."id"). */
  overlaps(flowId: SQL, bounds: Int8Bounds): SQL;
  isEmpty(flowId: SQL): SQL;
  timerange(db: Db, flowId: string, within: TimeRange): Promise<TimeRange>;
  deleteAll(tx: Db, flowId: string): Promise<void>;
}
