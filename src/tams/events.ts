import type { NewEvent } from '../events/outbox.js';
import type { FlowDoc } from './flows/flow-document.js';
import type { SourceDoc } from './sources/sources.schemas.js';

/**
 * TAMS events in the outbox. The payload carries what the spec's webhook body needs, so part 2
 * can deliver without reading state that may be gone by then:
 *
 *   { event_type: 'flows/updated', event: { flow: <flow-get> }, filter: {...} }
 *
 * The webhook body is `{event_timestamp: <the outbox message's time>, event_type, event}`;
 * `filter` is what webhook filters match on (flow_ids, source_ids, flow_collected_by_ids,
 * source_collected_by_ids, tags), as the resource was when the event happened, deleted ones
 * included.
 */
export type TamsEventType =
  | 'flows/created'
  | 'flows/updated'
  | 'flows/deleted'
  | 'flows/segments_added'
  | 'flows/segments_deleted'
  | 'sources/created'
  | 'sources/updated'
  | 'sources/deleted';

export interface TamsEventFilter {
  flow_id?: string;
  source_id: string;
  tags: Record<string, string | string[]>;
  flow_collected_by?: string[];
  source_collected_by: string[];
}

export interface TamsEventPayload {
  event_type: TamsEventType;
  event: Record<string, unknown>;
  filter: TamsEventFilter;
}

type Change = 'created' | 'updated' | 'deleted';

function tamsEvent(resource: 'flows' | 'sources', change: Change | 'segments_added' | 'segments_deleted', subject: string, actor: string, payload: TamsEventPayload): NewEvent {
  return { type: `tams.${resource}.${change}`, subject, actor, payload };
}

/** What webhook filters match a flow's events on, as the flow and its source are now. */
function flowFilter(flow: FlowDoc, source: SourceDoc | undefined): TamsEventFilter {
  return {
    flow_id: flow.id,
    source_id: flow.source_id,
    tags: flow.tags,
    flow_collected_by: flow.collected_by ?? [],
    source_collected_by: source?.collected_by ?? [],
  };
}

/** `source` is the flow's source at the time (for the source filters). */
export function flowEvent(change: Change, flow: FlowDoc, source: SourceDoc | undefined, actor: string): NewEvent {
  return tamsEvent('flows', change, flow.id, actor, {
    event_type: `flows/${change}`,
    event: change === 'deleted' ? { flow_id: flow.id } : { flow },
    filter: flowFilter(flow, source),
  });
}

/**
 * `flows/segments_added` (`event`: `{flow_id, segments}`, the segments without get_urls, which
 * each webhook's delivery shapes and presigns) or `flows/segments_deleted` (`{flow_id,
 * timerange}`).
 */
export function segmentsEvent(
  change: 'segments_added' | 'segments_deleted',
  flow: FlowDoc,
  source: SourceDoc | undefined,
  actor: string,
  event: Record<string, unknown>,
): NewEvent {
  return tamsEvent('flows', change, flow.id, actor, { event_type: `flows/${change}`, event: { flow_id: flow.id, ...event }, filter: flowFilter(flow, source) });
}

export function sourceEvent(change: Change, source: SourceDoc, actor: string): NewEvent {
  return tamsEvent('sources', change, source.id, actor, {
    event_type: `sources/${change}`,
    event: change === 'deleted' ? { source_id: source.id } : { source },
    filter: { source_id: source.id, tags: source.tags, source_collected_by: source.collected_by ?? [] },
  });
}
