import type { NewEvent } from '../../events/outbox.js';
import type { WebhookRow } from './webhooks.repo.js';
import type { WebhookDoc } from './webhooks.schemas.js';

/** webhook-get.json: everything the client set except the api_key_value, plus status and error. */
export function toWebhookDoc(row: WebhookRow): WebhookDoc {
  return {
    id: row.id,
    url: row.url,
    ...(row.apiKeyName !== null ? { api_key_name: row.apiKeyName } : {}),
    events: row.events,
    ...row.filters,
    ...row.segmentOptions,
    tags: row.tags,
    status: row.status,
    ...(row.error ? { error: row.error } : {}),
  };
}

/**
 * `webhook.created|updated|deleted` in the outbox. Not `tams.*`: those are readable by every
 * user in the events feed, and a webhook is its owner's business (administrators see these).
 * No URL and no key in the payload.
 */
export function webhookChanged(change: 'created' | 'updated' | 'deleted', row: WebhookRow, actor: string | null): NewEvent {
  return {
    type: `webhook.${change}`,
    subject: row.id,
    actor,
    payload: { id: row.id, owner: row.owner, owner_kind: row.ownerKind, status: row.status, events: row.events, ...(row.error ? { error: row.error } : {}) },
  };
}
