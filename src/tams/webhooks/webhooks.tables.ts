import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, tagsColumn } from '../columns.js';
import type { DeliveryError, EventFilters, SegmentOptions, WebhookEventType, WebhookStatus } from './webhooks.schemas.js';

/**
 * Registered webhooks. `api_key_value` is kept sealed (AES-256-GCM, `src/crypto/secret-box.ts`)
 * and never leaves the service except in the header of a delivery.
 */
export const tamsWebhooks = pgTable(
  'tams_webhooks',
  {
    id: uuid('id').primaryKey(),
    /** Who registered it: only they (and `tams-api/admin`) see and change it. */
    ownerKind: text('owner_kind').$type<'user' | 'client'>().notNull(),
    owner: text('owner').notNull(),
    url: text('url').notNull(),
    apiKeyName: text('api_key_name'),
    apiKeyValueSealed: text('api_key_value_sealed'),
    events: jsonb('events').$type<WebhookEventType[]>().notNull(),
    /** flow_ids, source_ids, flow_collected_by_ids, source_collected_by_ids: those set. */
    filters: jsonb('filters').$type<EventFilters>().notNull().default({}),
    /** accept_get_urls, accept_storage_ids, presigned, verbose_storage, include_object_timerange: those set. */
    segmentOptions: jsonb('segment_options').$type<SegmentOptions>().notNull().default({}),
    tags: tagsColumn(),
    status: text('status').$type<WebhookStatus>().notNull(),
    /** The last delivery failure (while retrying), or why the webhook went to `error`. */
    error: jsonb('error').$type<DeliveryError>(),
    /** Outbox id before which events are not for this webhook: they happened before it was (re-)enabled. */
    eventsAfter: bigint('events_after', { mode: 'number' }).notNull().default(0),
    created: instant('created').notNull().defaultNow(),
    updated: instant('updated').notNull().defaultNow(),
  },
  (t) => [
    check('tams_webhooks_status', sql`${t.status} in ('created', 'started', 'disabled', 'error')`),
    index('tams_webhooks_url_idx').on(t.url, t.id),
    index('tams_webhooks_owner_idx').on(t.ownerKind, t.owner, t.url, t.id),
    index('tams_webhooks_tags_idx').using('gin', t.tags),
  ],
);

/**
 * The durable delivery queue: one row per (event, matching webhook), written by the fan-out in
 * the transaction that moves its outbox cursor, deleted once the receiver accepted it. Rows of
 * one webhook with the same `ordering_key` (a flow, or a source) are sent one at a time in id
 * order: only the oldest, the `head`, is ever due.
 */
export const tamsWebhookDeliveries = pgTable(
  'tams_webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => tamsWebhooks.id, { onDelete: 'cascade' }),
    /** The outbox event's public id (`X-Mediastore-Event-Id`). */
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    /** `flow:<id>` or `source:<id>`: deliveries with the same key keep their order. */
    orderingKey: text('ordering_key').notNull(),
    eventType: text('event_type').$type<WebhookEventType>().notNull(),
    /** The body's `event_timestamp`: when the change happened (the outbox event's time). */
    eventTime: timestamp('event_time', { withTimezone: true }).notNull(),
    /** The body's `event`, as recorded (segment events are shaped per webhook when sent). */
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    /** The oldest row of its (webhook, ordering key) queue: the only one that may be sent. */
    head: boolean('head').notNull(),
    due: timestamp('due', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [
    unique('tams_webhook_deliveries_event_once').on(t.webhookId, t.eventId),
    index('tams_webhook_deliveries_queue_idx').on(t.webhookId, t.orderingKey, t.id),
    // The heads, oldest first: what a delivery worker looks through (a plain index scan, so entries of rows gone are skipped cheaply).
    index('tams_webhook_deliveries_heads_idx').on(t.id).where(sql`${t.head}`),
  ],
);
