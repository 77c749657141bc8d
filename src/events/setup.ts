import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BackgroundWorker, ReadinessCheck } from '../context.js';
import type { Db } from '../db/client.js';
import { AmqpPublisher, redact } from './amqp-publisher.js';
import { EventsService } from './events.service.js';
import { OutboxConsumer } from './outbox-consumer.js';
import { retentionWorker } from './retention.js';
import { EventSequencer } from './sequencer.js';

export interface EventsCapability {
  service: EventsService;
  /** Numbers committed outbox rows; shared by every outbox consumer of the process. */
  sequencer: EventSequencer;
  workers: BackgroundWorker[];
  readiness: ReadinessCheck[];
}

/** The feed, retention, and (when AMQP_URL is set) the broker dispatcher with its readiness check. */
export function createEvents(config: Config, db: Db, logger: Logger): EventsCapability {
  const sequencer = new EventSequencer(db);
  const log = logger.child({ component: 'events' });
  const workers: BackgroundWorker[] = [retentionWorker({ db, sequencer, retentionDays: config.eventsRetentionDays, logger: log })];
  const readiness: ReadinessCheck[] = [];
  if (config.amqpUrl) {
    const publisher = new AmqpPublisher(config.amqpUrl, config.amqpExchange, log);
    // One cursor per exchange: pointing at another exchange starts from the oldest retained event.
    workers.push(new OutboxConsumer({ name: `amqp:${config.amqpExchange}`, db, sequencer, destination: publisher, logger: log }));
    const broker = redact(config.amqpUrl);
    readiness.push({
      name: 'broker',
      required: false,
      check: async () => {
        if (!publisher.connected) throw new Error(`not connected to ${broker}`);
      },
    });
  }
  return { service: new EventsService(db, sequencer), sequencer, workers, readiness };
}
