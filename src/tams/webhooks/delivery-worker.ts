import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { BackgroundWorker } from '../../context.js';
import type { Db } from '../../db/client.js';
import { Backoff, backoffDelay } from '../../events/backoff.js';
import { recordEvent } from '../../events/outbox.js';
import { version } from '../../version.js';
import type { ApiKeys } from './api-keys.js';
import * as deliveries from './deliveries.repo.js';
import type { SegmentEventShaper, SegmentsAddedEvent } from './segment-shaping.js';
import type { UrlPolicy } from './url-policy.js';
import { webhookChanged } from './webhook-document.js';
import { postWebhook } from './webhook-transport.js';
import * as webhooks from './webhooks.repo.js';
import type { DeliveryError } from './webhooks.schemas.js';

export interface DeliverySettings {
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  concurrency: number;
}

export interface DeliveryWorkerOptions extends DeliverySettings {
  db: Db;
  policy: UrlPolicy;
  keys: ApiKeys;
  shapeSegments: SegmentEventShaper;
  logger: Logger;
  /** How often an idle worker looks for due deliveries (the fan-out wakes it sooner). */
  pollMs?: number;
}

type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * Sends queued deliveries: leases due queue heads (any replica may run one; SKIP LOCKED and
 * leases keep two from sending the same row), POSTs the spec's body with the API key header,
 * and on a 2xx removes the row, which makes the next event of that flow or source due. A
 * failure keeps the row at the head of its queue, due again after a capped exponential delay;
 * after `maxAttempts` failures of one event the webhook goes to `error` and its queue is
 * dropped. Up to `concurrency` POSTs are in flight, each to a different queue.
 */
export class WebhookDeliveryWorker implements BackgroundWorker {
  readonly name = 'webhook delivery';
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Long enough for the POST and the bookkeeping around it; a crashed holder's rows are sent again after it. */
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly log: Logger;
  private readonly loopBackoff = new Backoff(250, 10_000);
  private readonly inFlight = new Set<Promise<void>>();
  private running: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.leaseMs = 2 * options.timeoutMs + 30_000;
    this.pollMs = options.pollMs ?? 250;
    this.log = options.logger;
  }

  start(): void {
    this.stopping = false;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Lets the POSTs in flight finish (each within the timeout) and records their outcome. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  /** New deliveries were queued or a slot came free: look now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed: number;
      try {
        claimed = await this.claim();
        this.loopBackoff.reset();
      } catch (err) {
        this.log.warn({ err: describe(err) }, 'looking for webhook deliveries failed; retrying');
        await this.sleep(this.loopBackoff.next());
        continue;
      }
      const free = this.options.concurrency - this.inFlight.size;
      if (claimed === 0 || free === 0) await this.sleep(this.pollMs);
    }
    await Promise.all(this.inFlight);
  }

  /** Leases as many due deliveries as there are free slots and starts sending them; returns how many. */
  private async claim(): Promise<number> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const { db } = this.options;
    const rows = await deliveries.claimDue(db, this.owner, free, this.leaseMs);
    if (rows.length === 0) return 0;
    const hooks = new Map((await webhooks.webhooksByIds(db, [...new Set(rows.map((r) => r.webhookId))])).map((h) => [h.id, h]));
    for (const row of rows) {
      const hook = hooks.get(row.webhookId);
      // Deleted or switched off meanwhile: its deliveries went with it.
      if (!hook || !webhooks.ACTIVE_STATUSES.includes(hook.status)) continue;
      const attempt = this.attempt(row, hook).finally(() => {
        this.inFlight.delete(attempt);
        this.wake();
      });
      this.inFlight.add(attempt);
    }
    return rows.length;
  }

  private async attempt(row: deliveries.DeliveryRow, hook: webhooks.WebhookRow): Promise<void> {
    const outcome = await this.send(row, hook).then(
      (status): Outcome => (status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `HTTP ${status}` }),
      (err: unknown): Outcome => ({ ok: false, reason: describe(err) }),
    );
    try {
      if (outcome.ok) await this.delivered(row, hook);
      else await this.failed(row, hook, outcome.reason);
    } catch (err) {
      // The lease runs out and the delivery is attempted again: at least once.
      this.log.warn({ err: describe(err), webhook: hook.id, eventId: row.eventId }, 'could not record a webhook delivery');
    }
  }

  private async send(row: deliveries.DeliveryRow, hook: webhooks.WebhookRow): Promise<number> {
    const { policy, keys, shapeSegments, timeoutMs } = this.options;
    const event =
      row.eventType === 'flows/segments_added' ? await shapeSegments(row.event as unknown as SegmentsAddedEvent, hook.segmentOptions) : row.event;
    const body = Buffer.from(JSON.stringify({ event_timestamp: row.eventTime.toISOString(), event_type: row.eventType, event }), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `mediastore/${version} (TAMS webhooks)`,
      'x-mediastore-event-id': String(row.eventId),
    };
    if (hook.apiKeyName && hook.apiKeyValueSealed) headers[hook.apiKeyName] = keys.open(hook.id, hook.apiKeyValueSealed);
    return postWebhook(policy, new URL(hook.url), body, headers, timeoutMs);
  }

  private async delivered(row: deliveries.DeliveryRow, hook: webhooks.WebhookRow): Promise<void> {
    const { db } = this.options;
    if (!(await deliveries.complete(db, row, this.owner))) return;
    if (hook.status !== 'created' && hook.error === null) return;
    await db.transaction(async (tx) => {
      const updated = await webhooks.markDelivered(tx, hook.id);
      if (updated && updated.status !== hook.status) await recordEvent(tx, webhookChanged('updated', updated, null));
    });
  }

  private async failed(row: deliveries.DeliveryRow, hook: webhooks.WebhookRow, reason: string): Promise<void> {
    const { db, maxAttempts, retryBaseMs, retryMaxMs } = this.options;
    const attempts = row.attempts + 1;
    const where = new URL(hook.url).origin;
    const what = `${row.eventType} (event ${row.eventId}) to ${where}`;
    if (attempts < maxAttempts) {
      const delayMs = backoffDelay(attempts - 1, retryBaseMs, retryMaxMs);
      this.log.warn({ webhook: hook.id, eventId: row.eventId, attempts, retryInMs: delayMs, reason }, 'webhook delivery failed; retrying');
      await deliveries.retryLater(db, row, this.owner, delayMs);
      await webhooks.noteFailure(db, hook.id, deliveryError(`attempt ${attempts} of ${maxAttempts} to deliver ${what} failed: ${reason}; retrying`));
      return;
    }
    await db.transaction(async (tx) => {
      // Locked first: a fan-out queueing for this webhook right now finishes before the queue is dropped.
      if (!(await webhooks.lockWebhook(tx, hook.id, undefined))) return;
      const discarded = await deliveries.discardAll(tx, hook.id);
      const error = deliveryError(
        `gave up after ${attempts} failed attempts to deliver ${what} (last: ${reason}); ${discarded} undelivered event(s) dropped. ` +
          'Set status to "created" (PUT) to receive events again.',
      );
      const updated = await webhooks.markError(tx, hook.id, error);
      if (updated) await recordEvent(tx, webhookChanged('updated', updated, null));
    });
    this.log.warn({ webhook: hook.id, eventId: row.eventId, attempts, reason }, 'webhook switched to error after repeated delivery failures');
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping || this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

const deliveryError = (summary: string): DeliveryError => ({ type: 'WebhookDeliveryFailed', summary, time: new Date().toISOString() });

/** Messages only: errors of the HTTP stack can carry request details (headers) in other fields. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
