import { z } from 'zod';
import type { QueryOutput } from '../../http/routes.js';
import { IdParams, Tags, Uuid } from '../common.schemas.js';
import { PageQuery } from '../http/paging.js';
import { QueryBoolean, TagQuery } from '../http/query.js';

/** The spec's webhook event types (its `webhooks` section). */
export const WEBHOOK_EVENT_TYPES = [
  'flows/created',
  'flows/updated',
  'flows/deleted',
  'flows/segments_added',
  'flows/segments_deleted',
  'sources/created',
  'sources/updated',
  'sources/deleted',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** `created` and `started` webhooks receive events; `disabled` (by a client) and `error` (by the server) do not. */
export const WEBHOOK_STATUSES = ['created', 'started', 'disabled', 'error'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];
/** What a client may ask for: on (`created`) or off. */
const RequestedStatus = z.enum(['created', 'disabled']);

const UuidList = z.array(Uuid);

/** Which events reach the webhook (docs/tams.md#webhooks: how each filter matches). */
const filterShape = {
  flow_ids: UuidList.optional().meta({ description: 'Flow and segment events of these flows only (source events are not filtered)' }),
  source_ids: UuidList.optional().meta({ description: 'Flow, segment and source events of these sources (a flow: its source) only' }),
  flow_collected_by_ids: UuidList.optional().meta({
    description: 'Flow and segment events of flows collected by one of these flows only; empty: of flows collected by none',
  }),
  source_collected_by_ids: UuidList.optional().meta({
    description: 'Events of sources (a flow: its source) collected by one of these sources only; empty: of sources collected by none',
  }),
};
export const EventFilters = z.object(filterShape);
export type EventFilters = z.infer<typeof EventFilters>;

/** How `flows/segments_added` events are shaped, as the query parameters of GET /flows/{id}/segments do. */
const segmentOptionsShape = {
  accept_get_urls: z.array(z.string()).optional().meta({ description: 'Labels of the get_urls to include; empty: none' }),
  accept_storage_ids: UuidList.optional().meta({ description: 'Storage ids of the get_urls to include' }),
  presigned: z.boolean().optional().meta({ description: 'Only presigned (true) or only non-presigned (false) get_urls' }),
  verbose_storage: z.boolean().optional().meta({ description: 'Include storage metadata in get_urls' }),
  include_object_timerange: z.boolean().optional().meta({ description: "Include each segment's object_timerange" }),
};
export const SegmentOptions = z.object(segmentOptionsShape);
export type SegmentOptions = z.infer<typeof SegmentOptions>;

export const FILTER_KEYS = Object.keys(filterShape) as (keyof EventFilters)[];
export const SEGMENT_OPTION_KEYS = Object.keys(segmentOptionsShape) as (keyof SegmentOptions)[];

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Headers the delivery itself sets or that would change how the request is framed. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'x-mediastore-event-id']);

const ApiKeyName = z
  .string()
  .max(256)
  .regex(HEADER_NAME, 'must be an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)')
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), 'names a header the delivery sets itself; choose another, such as Authorization or X-Api-Key')
  .meta({ description: 'The HTTP header each delivery carries, with api_key_value as its value', example: 'Authorization' });

const ApiKeyValue = z
  .string()
  .max(8192)
  .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must be a valid HTTP header value (no line breaks or control characters)')
  .meta({ description: 'Write-only: stored encrypted, never returned. Left out of a PUT, the stored value is kept.', writeOnly: true });

const unsupported = (iss: { code?: string; keys?: string[] }) =>
  iss.code === 'unrecognized_keys'
    ? `not supported by this store: ${iss.keys?.join(', ')} (the spec asks for a 400 rather than ignoring a filter or transformation)`
    : undefined;

const registration = {
  url: z.string().min(1).max(4096).meta({ description: 'http or https URL of a public address (or a host the administrator allowed)', example: 'https://hook.example.com/tams' }),
  api_key_name: ApiKeyName.optional(),
  api_key_value: ApiKeyValue.optional(),
  events: z
    .array(WebhookEventType)
    .min(1, 'list at least one event type (DELETE /service/webhooks/{id} removes a webhook)'),
  ...filterShape,
  ...segmentOptionsShape,
  tags: Tags.optional().meta({ description: 'About the webhook itself (GET /service/webhooks?tag.{name}=); replaced as a whole' }),
  error: z.unknown().optional().meta({ description: 'Server-managed: ignored' }),
};

/** webhook-post.json. Members this store does not know are refused: they might be filters it would silently not apply. */
export const WebhookPost = z
  .strictObject({ ...registration, id: z.unknown().optional().meta({ description: 'Ignored: the store picks the id' }), status: RequestedStatus.optional() }, { error: unsupported })
  .meta({ id: 'TamsWebhookPost' });
export type WebhookPost = z.infer<typeof WebhookPost>;

/** webhook-put.json: everything but `api_key_value` is replaced; `status` switches the webhook on (`created`) or off. */
export const WebhookPut = z.strictObject({ ...registration, id: Uuid, status: RequestedStatus }, { error: unsupported }).meta({ id: 'TamsWebhookPut' });
export type WebhookPut = z.infer<typeof WebhookPut>;

/** error.json */
export const DeliveryError = z.object({ type: z.string(), summary: z.string(), time: z.iso.datetime() }).meta({ id: 'TamsWebhookError' });
export type DeliveryError = z.infer<typeof DeliveryError>;

/** webhook-get.json: never the api_key_value. */
export const WebhookDoc = z
  .object({
    id: Uuid,
    url: z.string(),
    api_key_name: z.string().optional(),
    events: z.array(WebhookEventType),
    ...filterShape,
    ...segmentOptionsShape,
    tags: Tags,
    status: z.enum(WEBHOOK_STATUSES).meta({ description: '`created` until the first delivery succeeds, then `started`; `disabled` by a client; `error` by the store after repeated failures' }),
    error: DeliveryError.optional().meta({ description: 'The last failed delivery while retrying, or why the webhook is in error' }),
  })
  .meta({ id: 'TamsWebhook' });
export type WebhookDoc = z.infer<typeof WebhookDoc>;

export const WebhookParams = IdParams('webhookId');

export const WebhookListQuery = z.strictObject({
  reverse_order: QueryBoolean.optional().meta({ description: 'Reverse-alphabetical order of url' }),
  ...TagQuery,
  ...PageQuery,
});
export type WebhookListQuery = QueryOutput<typeof WebhookListQuery>;
