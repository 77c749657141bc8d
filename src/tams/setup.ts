import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BackgroundWorker } from '../context.js';
import type { Db } from '../db/client.js';
import type { EventSequencer } from '../events/sequencer.js';
import type { MediaCapability } from '../media/setup.js';
import { version } from '../version.js';
import { createDeleteRequests } from './deletion/setup.js';
import type { DeleteRequestsService } from './deletion/delete-requests.service.js';
import type { SegmentEraser } from './deletion/segment-eraser.js';
import { noSegments } from './flows/flow-content.js';
import { FlowsService } from './flows/flows.service.js';
import { ProfilesService } from './profiles/profiles.service.js';
import type { EventStreamMechanism } from './service/service.schemas.js';
import { ServiceInfoService } from './service/service.service.js';
import { SourcesService } from './sources/sources.service.js';
import { unshapedSegmentEvents } from './webhooks/segment-shaping.js';
import { createWebhooks } from './webhooks/setup.js';
import type { WebhooksService } from './webhooks/webhooks.service.js';

export interface TamsCapability {
  service: ServiceInfoService;
  profiles: ProfilesService;
  sources: SourcesService;
  flows: FlowsService;
  webhooks: WebhooksService;
  deleteRequests: DeleteRequestsService;
  /** Deletes segments and releases their objects (for DELETE /flows/{id}/segments too). */
  segmentEraser: SegmentEraser;
  /** Webhook fan-out and delivery; the delete request worker. */
  workers: BackgroundWorker[];
}

/**
 * How a TAMS client can follow changes: webhooks (the spec's name, which tells clients that
 * /service/webhooks exists), the events feed, and RabbitMQ when configured (never its URL: it
 * may hold credentials).
 */
function eventStreamMechanisms(config: Config): EventStreamMechanism[] {
  const mechanisms: EventStreamMechanism[] = [
    { name: 'webhooks', docs: `${config.publicUrl}/api/docs` },
    {
      name: 'mediastore-event-feed',
      docs: `${config.publicUrl}/api/docs`,
      config: { url: `${config.publicUrl}/api/events?type=tams.*`, event_types: 'tams.flows.*, tams.sources.*' },
    },
  ];
  if (config.amqpUrl) mechanisms.push({ name: 'amqp', config: { exchange: config.amqpExchange, exchange_type: 'topic', routing_keys: 'tams.#' } });
  return mechanisms;
}

export function createTams(config: Config, db: Db, deps: { sequencer: EventSequencer; logger: Logger; media: MediaCapability }): TamsCapability {
  const sources = new SourcesService(db);
  // The segments capability replaces the shaper with one that filters and presigns get_urls.
  const webhooks = createWebhooks(config, db, { sequencer: deps.sequencer, logger: deps.logger, shapeSegments: unshapedSegmentEvents });
  // Deleting segments (inline or by delete requests) is the flows' content deletion.
  const deletions = createDeleteRequests(config, db, deps.media.deletion, deps.logger, (tx, actor, id) => flows.removeEmptied(tx, actor, id));
  const flows = new FlowsService(db, sources, { ...noSegments, deleteAll: deletions.service.deleteFlowContent });
  return {
    service: new ServiceInfoService(db, {
      serviceVersion: version,
      minObjectTimeoutSeconds: config.tams.minObjectTimeoutSeconds,
      minPresignedUrlTimeoutSeconds: config.tams.minPresignedUrlTimeoutSeconds,
      eventStreamMechanisms: eventStreamMechanisms(config),
    }),
    profiles: new ProfilesService(db),
    sources,
    flows,
    webhooks: webhooks.service,
    deleteRequests: deletions.service,
    segmentEraser: deletions.eraser,
    workers: [...webhooks.workers, deletions.worker],
  };
}
