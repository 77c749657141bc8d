import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import { recordEvent } from '../../events/outbox.js';
import type { EventSequencer } from '../../events/sequencer.js';
import { badRequest, notFound } from '../../http/errors.js';
import { fetchPage, type Page } from '../http/paging.js';
import type { ApiKeys } from './api-keys.js';
import { discardAll, retryNow } from './deliveries.repo.js';
import type { UrlPolicy } from './url-policy.js';
import { toWebhookDoc, webhookChanged } from './webhook-document.js';
import * as repo from './webhooks.repo.js';
import {
  type EventFilters,
  FILTER_KEYS,
  SEGMENT_OPTION_KEYS,
  type SegmentOptions,
  type WebhookDoc,
  type WebhookListQuery,
  type WebhookPost,
  type WebhookPut,
  type WebhookStatus,
} from './webhooks.schemas.js';

/** Whose webhooks a caller sees and changes: their own, or with `tams-api/admin` everyone's. */
const scopeOf = (principal: Principal): repo.Owner | undefined => (principal.scopes.has('tams-api/admin') ? undefined : { kind: principal.kind, name: principal.name });

const isOn = (status: WebhookStatus) => repo.ACTIVE_STATUSES.includes(status);

function pick<T extends object, K extends keyof T>(body: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]])) as Pick<T, K>;
}

/** The parts of a POST or PUT body stored as given (`api_key_value` and `status` are handled apart). */
function registration(body: WebhookPost | WebhookPut) {
  return {
    url: body.url,
    apiKeyName: body.api_key_name ?? null,
    events: [...new Set(body.events)],
    filters: pick(body, FILTER_KEYS) as EventFilters,
    segmentOptions: pick(body, SEGMENT_OPTION_KEYS) as SegmentOptions,
    tags: body.tags ?? {},
  };
}

/**
 * TAMS webhooks (`/service/webhooks`): registration, ownership and the switch between on
 * (`created`/`started`) and off (`disabled`/`error`). Delivery is the fan-out's and the
 * delivery worker's (`fan-out.ts`, `delivery-worker.ts`). A caller without `tams-api/admin`
 * sees only their own webhooks; another's answers 404, as if it did not exist.
 */
export class WebhooksService {
  constructor(
    private readonly db: Db,
    private readonly policy: UrlPolicy,
    private readonly keys: ApiKeys,
    private readonly sequencer: EventSequencer,
  ) {}

  async list(principal: Principal, query: WebhookListQuery): Promise<Page<WebhookDoc>> {
    const conditions = repo.listConditions(query);
    const page = await fetchPage(repo.webhookOrder, { ...query, reverse: query.reverse_order }, (after, orderBy, limit) =>
      repo.listWebhooks(this.db, scopeOf(principal), conditions, after, orderBy, limit),
    );
    return { ...page, items: page.items.map(toWebhookDoc) };
  }

  async get(principal: Principal, id: string): Promise<WebhookDoc> {
    const row = await repo.findWebhook(this.db, id, scopeOf(principal));
    if (!row) throw notFound(`webhook ${id} does not exist`);
    return toWebhookDoc(row);
  }

  async create(principal: Principal, body: WebhookPost): Promise<WebhookDoc> {
    checkApiKey(body, false);
    await this.policy.checkRegistration(body.url);
    const id = randomUUID();
    // Numbers what committed before: those events happened before the webhook existed.
    await this.sequencer.sequenceAll();
    return this.db.transaction(async (tx) => {
      const row = await repo.insertWebhook(tx, id, {
        ...registration(body),
        ownerKind: principal.kind,
        owner: principal.name,
        apiKeyValueSealed: body.api_key_value === undefined ? null : this.keys.seal(id, body.api_key_value),
        status: body.status ?? 'created',
        eventsAfter: await repo.latestEventId(tx),
      });
      await recordEvent(tx, webhookChanged('created', row, principal.name));
      return toWebhookDoc(row);
    });
  }

  /**
   * Replaces the registration. `status: created` keeps a webhook that is on as it is and turns
   * one that is off back on (from then on: events in between are not sent); `disabled` turns
   * it off and drops what was waiting. A webhook in `error` cannot go straight to `disabled`
   * (the spec: SHOULD be rejected). Without `api_key_value` the stored one is kept. A new url
   * is checked like a registration's.
   */
  async replace(principal: Principal, id: string, body: WebhookPut): Promise<WebhookDoc> {
    if (body.id !== id) throw badRequest(`id: the body's id ${body.id} differs from the path's ${id}`);
    checkApiKey(body, true);
    const before = await repo.findWebhook(this.db, id, scopeOf(principal));
    if (!before) throw notFound(`webhook ${id} does not exist`);
    // A url stored before passed then; switching a webhook off must not depend on DNS answering now
    // (each delivery checks its url anyway).
    if (body.url !== before.url) await this.policy.checkRegistration(body.url);
    await this.sequencer.sequenceAll();
    return this.db.transaction(async (tx) => {
      const current = await repo.lockWebhook(tx, id, scopeOf(principal));
      if (!current) throw notFound(`webhook ${id} does not exist`);
      if (body.status === 'disabled' && current.status === 'error') {
        throw badRequest('status: a webhook in error cannot be disabled; set status to "created" to receive events again, or DELETE it');
      }
      const turnedOn = body.status === 'created' && !isOn(current.status);
      const turnedOff = body.status === 'disabled' && isOn(current.status);
      const apiKeyValueSealed =
        body.api_key_value !== undefined ? this.keys.seal(id, body.api_key_value) : body.api_key_name !== undefined ? current.apiKeyValueSealed : null;
      if (body.api_key_name !== undefined && apiKeyValueSealed === null) throw badRequest('api_key_value: required with api_key_name (none is stored yet)');
      if (turnedOn || turnedOff) await discardAll(tx, id);
      const next = {
        ...registration(body),
        apiKeyValueSealed,
        status: turnedOn ? 'created' : turnedOff ? 'disabled' : current.status,
        error: turnedOn || turnedOff ? null : current.error,
        eventsAfter: turnedOn ? await repo.latestEventId(tx) : current.eventsAfter,
      } satisfies Partial<repo.WebhookValues>;
      const unchanged = Object.entries(next).every(([k, v]) => isDeepStrictEqual(current[k as keyof repo.WebhookRow], v));
      if (unchanged) return toWebhookDoc(current);
      const row = await repo.updateWebhook(tx, id, next);
      if (isOn(row.status)) await retryNow(tx, id);
      await recordEvent(tx, webhookChanged('updated', row, principal.name));
      return toWebhookDoc(row);
    });
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await repo.lockWebhook(tx, id, scopeOf(principal));
      if (!current) throw notFound(`webhook ${id} does not exist`);
      await repo.deleteWebhook(tx, id);
      await recordEvent(tx, webhookChanged('deleted', current, principal.name));
    });
  }
}

/** A key needs the header to send it in; a header needs a key (given now, or stored when `stored` may be). */
function checkApiKey(body: { api_key_name?: string | undefined; api_key_value?: string | undefined }, stored: boolean): void {
  if (body.api_key_value !== undefined && body.api_key_name === undefined) throw badRequest('api_key_name: required with api_key_value (the header to send it in)');
  if (!stored && body.api_key_name !== undefined && body.api_key_value === undefined) throw badRequest('api_key_value: required with api_key_name');
}
