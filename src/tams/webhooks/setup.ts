import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import type { BackgroundWorker } from '../../context.js';
import { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/client.js';
import { OutboxConsumer } from '../../events/outbox-consumer.js';
import type { EventSequencer } from '../../events/sequencer.js';
import { API_KEY_PURPOSE, ApiKeys } from './api-keys.js';
import { WebhookDeliveryWorker } from './delivery-worker.js';
import { WebhookFanOut } from './fan-out.js';
import type { SegmentEventShaper } from './segment-shaping.js';
import { UrlPolicy } from './url-policy.js';
import { WebhooksService } from './webhooks.service.js';

/** The outbox consumer that queues webhook deliveries: its cursor lives in `event_consumers` under this name. */
export const FAN_OUT_CONSUMER = 'tams-webhooks';

export interface WebhooksCapability {
  service: WebhooksService;
  /** The fan-out (one replica at a time) and the delivery worker (every replica). */
  workers: BackgroundWorker[];
}

export function createWebhooks(
  config: Config,
  db: Db,
  deps: { sequencer: EventSequencer; logger: Logger; shapeSegments: SegmentEventShaper },
): WebhooksCapability {
  const policy = new UrlPolicy(config.webhooks.allowedHosts);
  const keys = new ApiKeys(new SecretBox(config.secretsKey, API_KEY_PURPOSE));
  const logger = deps.logger.child({ component: 'webhooks' });
  const delivery = new WebhookDeliveryWorker({ db, policy, keys, shapeSegments: deps.shapeSegments, logger, ...config.webhooks });
  const fanOut = new OutboxConsumer({
    name: FAN_OUT_CONSUMER,
    db,
    sequencer: deps.sequencer,
    destination: new WebhookFanOut({ db, consumerName: FAN_OUT_CONSUMER, logger, onQueued: () => delivery.wake() }),
    logger,
    // How long a change may wait before its webhooks hear of it (an indexed lookup when idle).
    pollMs: 100,
  });
  return { service: new WebhooksService(db, policy, keys, deps.sequencer), workers: [fanOut, delivery] };
}
