import type { Logger } from 'pino';
import { lockPosition, setPosition } from '../../events/consumers.repo.js';
import type { Db } from '../../db/client.js';
import type { EventRecord } from '../../events/event-message.js';
import type { OutboxDestination } from '../../events/outbox-consumer.js';
import { enqueue, type NewDelivery } from './deliveries.repo.js';
import { matches, webhookEventOf } from './event-filter.js';
import { activeWebhooks } from './webhooks.repo.js';

/**
 * The outbox consumer's destination for webhooks: turns each TAMS event into one queued
 * delivery per webhook that is on and whose events and filters match, in one transaction that
 * also moves the consumer's cursor, so every event is queued exactly once, even when a batch is
 * handed over again after a crash. It never waits for a receiver: the delivery worker sends.
 */
export class WebhookFanOut implements OutboxDestination {
  constructor(
    private readonly options: {
      db: Db;
      /** The OutboxConsumer's name: its cursor is moved here. */
      consumerName: string;
      logger: Logger;
      /** Called after deliveries were queued (to wake the local delivery worker). */
      onQueued: () => void;
    },
  ) {}

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {}

  async deliver(events: EventRecord[]): Promise<void> {
    const last = events.at(-1);
    if (!last) return;
    const { db, consumerName } = this.options;
    const queued = await db.transaction(async (tx) => {
      // Locked: a replica whose lease lapsed mid-batch waits here, then skips what is done.
      const position = await lockPosition(tx, consumerName);
      const fresh = events.filter((e) => e.id > position).map((e) => this.webhookEvent(e)).filter((e) => e !== undefined);
      const rows: NewDelivery[] = [];
      if (fresh.length > 0) {
        const webhooks = await activeWebhooks(tx);
        for (const e of fresh) {
          for (const hook of webhooks) {
            // Events from before the webhook was (re-)enabled are not its business.
            if (e.id <= hook.eventsAfter || !matches(hook, e)) continue;
            rows.push({ webhookId: hook.id, eventId: e.id, orderingKey: e.orderingKey, eventType: e.type, eventTime: e.time, event: e.event });
          }
        }
        await enqueue(tx, rows);
      }
      if (last.id > position) await setPosition(tx, consumerName, last.id);
      return rows.length;
    });
    if (queued > 0) this.options.onQueued();
  }

  private webhookEvent(record: EventRecord) {
    const event = webhookEventOf(record);
    if (!event && /^tams\.(flows|sources)\./.test(record.type)) {
      this.options.logger.warn({ eventId: record.id, type: record.type }, 'TAMS event without event_type, event and filter: no webhook gets it');
    }
    return event;
  }
}
