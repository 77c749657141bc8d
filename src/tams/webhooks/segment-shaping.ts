import type { SegmentOptions } from './webhooks.schemas.js';

/** The `event` of a `flows/segments_added` webhook body (flow-segment.json items). */
export interface SegmentsAddedEvent {
  flow_id: string;
  segments: Record<string, unknown>[];
}

/**
 * Shapes the `event` of a `flows/segments_added` delivery for one webhook: each segment (and
 * its `init_object`) as GET /flows/{id}/segments would return it with the webhook's options as
 * query parameters: `get_urls` filtered by `accept_get_urls` (empty: none), `accept_storage_ids`
 * and `presigned`, storage metadata only with `verbose_storage`, `object_timerange` only with
 * `include_object_timerange`. It gets the event as the segments capability recorded it in the
 * outbox and is called at every delivery attempt, so URLs it presigns are fresh when sent. It
 * must not throw for a segment whose object has gone (leave its URLs out); a rejection counts
 * as a failed attempt and is retried.
 */
export type SegmentEventShaper = (event: SegmentsAddedEvent, options: SegmentOptions) => Promise<SegmentsAddedEvent>;
