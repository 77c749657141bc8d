import type { EventRecord } from '../../events/event-message.js';
import type { TamsEventFilter } from '../events.js';
import { type EventFilters, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhooks.schemas.js';

/** A TAMS event from the outbox as the fan-out sees it. */
export interface WebhookEvent {
  id: number;
  time: Date;
  type: WebhookEventType;
  /** The body's `event`. */
  event: Record<string, unknown>;
  /** What the filters match on, as the resource was when the event happened. */
  filter: TamsEventFilter;
  /** Events with the same key reach a webhook in the order they happened: a flow's (segments included), or a source's. */
  orderingKey: string;
}

const isWebhookEventType = (t: unknown): t is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(t);

/**
 * The webhook event an outbox event carries (payload `{event_type, event, filter}`, see
 * docs/events.md#tams-events); undefined for other events, and for TAMS events without what a
 * delivery needs.
 */
export function webhookEventOf(record: EventRecord): WebhookEvent | undefined {
  if (!record.type.startsWith('tams.flows.') && !record.type.startsWith('tams.sources.')) return undefined;
  const { event_type: type, event, filter } = (record.payload ?? {}) as { event_type?: unknown; event?: unknown; filter?: Partial<TamsEventFilter> };
  if (!isWebhookEventType(type) || typeof event !== 'object' || event === null || typeof filter?.source_id !== 'string') return undefined;
  const flowEvent = type.startsWith('flows/');
  if (flowEvent && typeof filter.flow_id !== 'string') return undefined;
  return {
    id: record.id,
    time: record.created,
    type,
    event: event as Record<string, unknown>,
    filter: { ...filter, tags: filter.tags ?? {}, source_collected_by: filter.source_collected_by ?? [] } as TamsEventFilter,
    orderingKey: flowEvent ? `flow:${filter.flow_id}` : `source:${filter.source_id}`,
  };
}

/** A `*_collected_by_ids` filter: one of the collections, or (empty) none at all. */
const collectedBy = (wanted: string[], actual: string[] | undefined) =>
  wanted.length === 0 ? (actual ?? []).length === 0 : (actual ?? []).some((id) => wanted.includes(id));

/**
 * Whether a webhook receives an event (the filter guidelines of the TAMS ADR "Updated Webhook
 * Events and Filters"): its type is
 * among `events`; `flow_ids` and `flow_collected_by_ids` restrict flow and segment events;
 * `source_ids` and `source_collected_by_ids` restrict every event by its source (a flow's:
 * the flow's source). Filters left out restrict nothing; an empty `flow_ids` or `source_ids`
 * lets nothing of that kind through.
 */
export function matches(webhook: { events: WebhookEventType[]; filters: EventFilters }, e: WebhookEvent): boolean {
  const f = webhook.filters;
  if (!webhook.events.includes(e.type)) return false;
  if (e.type.startsWith('flows/')) {
    if (f.flow_ids && !f.flow_ids.includes(e.filter.flow_id!)) return false;
    if (f.flow_collected_by_ids && !collectedBy(f.flow_collected_by_ids, e.filter.flow_collected_by)) return false;
  }
  if (f.source_ids && !f.source_ids.includes(e.filter.source_id)) return false;
  if (f.source_collected_by_ids && !collectedBy(f.source_collected_by_ids, e.filter.source_collected_by)) return false;
  return true;
}
