import type { Logger } from 'pino';
import { leaseOwnerId, LoopWorker } from '../../events/loop-worker.js';
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
import { WebhookTransport } from './webhook-transport.js';
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
export class WebhookDeliveryWorker extends LoopWorker implements BackgroundWorker {
  readonly name = 'webhook delivery';
  private readonly owner = leaseOwnerId();
  /** Long enough for the POST and the bookkeeping around it; a crashed holder's rows are sent again after it. */
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly log: Logger;
  private readonly loopBackoff = new Backoff(250, 10_000);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly transport: WebhookTransport;
  /** Accepted deliveries not yet removed from the queue: recorded together, in one transaction per round. */
  private accepted: deliveries.Claimed[] = [];
  private recording: Promise<void> | undefined;

  constructor(private readonly options: DeliveryWorkerOptions) {
    super();
    this.leaseMs = 2 * options.timeoutMs + 30_000;
    this.pollMs = options.pollMs ?? 250;
    this.log = options.logger;
    this.transport = new WebhookTransport(options.policy, options.timeoutMs);
  }

  protected async loop(): Promise<void> {
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
    while (this.recording) await this.recording;
    this.transport.close();
  }

  /** Leases as many due deliveries as there are free slots and starts sending them; returns how many. */
  private async claim(): Promise<number> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const claimed = await deliveries.claimDue(this.options.db, this.owner, free, this.leaseMs);
    for (const job of claimed) {
      const attempt = this.attempt(job).finally(() => {
        this.inFlight.delete(attempt);
        this.wake();
      });
      this.inFlight.add(attempt);
    }
    return claimed.length;
  }

  private async attempt(job: deliveries.Claimed): Promise<void> {
    const outcome = await this.send(job).then(
      (status): Outcome => (status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `HTTP ${status}` }),
      (err: unknown): Outcome => ({ ok: false, reason: describe(err) }),
    );
    if (outcome.ok) {
      this.accepted.push(job);
      this.startRecording();
      return;
    }
    try {
      await this.failed(job, outcome.reason);
    } catch (err) {
      // The lease runs out and the delivery is attempted again.
      this.log.warn({ err: describe(err), webhook: job.webhook.id, eventId: job.delivery.eventId }, 'could not record a failed webhook delivery');
    }
  }

  private async send({ delivery, webhook }: deliveries.Claimed): Promise<number> {
    const { keys, shapeSegments } = this.options;
    const event =
      delivery.eventType === 'flows/segments_added'
        ? await shapeSegments(delivery.event as unknown as SegmentsAddedEvent, webhook.segmentOptions)
        : delivery.event;
    const body = Buffer.from(JSON.stringify({ event_timestamp: delivery.eventTime.toISOString(), event_type: delivery.eventType, event }), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': `mediastore/${version} (TAMS webhooks)`,
      'x-mediastore-event-id': String(delivery.eventId),
    };
    if (webhook.apiKeyName && webhook.apiKeyValueSealed) headers[webhook.apiKeyName] = keys.open(webhook.id, webhook.apiKeyValueSealed);
    return this.transport.post(new URL(webhook.url), body, headers);
  }

  private startRecording(): void {
    if (this.recording) return;
    this.recording = this.recordAccepted().finally(() => {
      this.recording = undefined;
      // Accepted while the last round was finishing.
      if (this.accepted.length > 0) this.startRecording();
    });
  }

  /**
   * Removes what receivers accepted from the queues (making the next events due), as many as
   * have come in by then in one transaction, round after round; then marks webhooks `started`.
   * If this fails the leases run out and those events are sent again: at least once.
   */
  private async recordAccepted(): Promise<void> {
    const { db } = this.options;
    while (this.accepted.length > 0) {
      const batch = this.accepted;
      this.accepted = [];
      try {
        const done = await deliveries.complete(db, batch.map((j) => j.delivery), this.owner);
        const removed = new Set(done.map((r) => r.id));
        const hooks = new Map(batch.filter((j) => removed.has(j.delivery.id)).map((j) => [j.webhook.id, j.webhook]));
        for (const hook of hooks.values()) if (hook.status === 'created' || hook.error !== null) await this.markDelivered(hook);
      } catch (err) {
        this.log.warn({ err: describe(err), deliveries: batch.length }, 'could not record webhook deliveries; they will be sent again');
      }
      this.wake();
    }
  }

  private async markDelivered(hook: webhooks.WebhookRow): Promise<void> {
    await this.options.db.transaction(async (tx) => {
      const updated = await webhooks.markDelivered(tx, hook.id);
      if (updated && updated.status !== hook.status) await recordEvent(tx, webhookChanged('updated', updated, null));
    });
  }

  private async failed({ delivery: row, webhook: hook }: deliveries.Claimed, reason: string): Promise<void> {
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
    const switched = await db.transaction(async (tx) => {
      // Locked first: a fan-out queueing for this webhook right now finishes before the queue is dropped.
      const current = await webhooks.lockWebhook(tx, hook.id, undefined);
      if (!current || !webhooks.ACTIVE_STATUSES.includes(current.status)) return false;
      const discarded = await deliveries.discardAll(tx, hook.id);
      const error = deliveryError(
        `gave up after ${attempts} failed attempts to deliver ${what} (last: ${reason}); ${discarded} undelivered event(s) dropped. ` +
          'Set status to "created" (PUT) to receive events again.',
      );
      const updated = await webhooks.markError(tx, hook.id, error);
      if (updated) await recordEvent(tx, webhookChanged('updated', updated, null));
      return true;
    });
    if (switched) this.log.warn({ webhook: hook.id, eventId: row.eventId, attempts, reason }, 'webhook switched to error after repeated delivery failures');
  }
}

const deliveryError = (summary: string): DeliveryError => ({ type: 'WebhookDeliveryFailed', summary, time: new Date().toISOString() });

/** Messages only: errors of the HTTP stack can carry request details (headers) in other fields. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Connecting to every address of a name fails as one AggregateError without a message.
  if (err instanceof AggregateError && !err.message) return [...new Set(err.errors.map(describe))].join('; ');
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message || err.name;
}
